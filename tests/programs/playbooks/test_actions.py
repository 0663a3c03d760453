"""The actions a step can bind: buddy pairing, follow-up tasks and clinic invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from champions.models import (
    Activity,
    ActivityKind,
    ChampionState,
    Industry,
    MembershipStatus,
)
from programs.events.models import EventKind
from programs.playbooks.models import ExecutionStatus, FollowUpTask, StepExecution, StepType
from programs.playbooks.services import StepSpec
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ChampionFactory,
    GuildFactory,
    MembershipFactory,
)
from tests.programs.factories import EventFactory, QuestionFactory
from tests.programs.playbooks.conftest import make_playbook

pytestmark = pytest.mark.django_db


def step(trigger_key: str, action_key: str, **params: object) -> StepSpec:
    return StepSpec(StepType.ACTION, "Act.", trigger_key, action_key, params)


def newcomer(**fields: object):
    champion = ChampionFactory(state=ChampionState.ONBOARDING, **fields)
    ActivityFactory(champion=champion, kind=ActivityKind.ACCEPTED_INVITATION)
    return champion


def execution_of(champion) -> StepExecution:
    return StepExecution.objects.get(champion=champion)


# --- assign_buddy ---------------------------------------------------------------------------


def test_a_newcomer_gets_a_buddy_from_their_guild_before_one_of_their_industry(run_engine):
    make_playbook([step("champion_joined", "assign_buddy")])
    guild = GuildFactory()
    fintech = AccountFactory(industry=Industry.FINTECH)
    new = newcomer(account=fintech, timezone="Europe/Berlin")
    MembershipFactory(guild=guild, champion=new)
    same_industry = ChampionFactory(account=AccountFactory(industry=Industry.FINTECH))
    same_guild = ChampionFactory(account=AccountFactory(industry=Industry.RETAIL))
    MembershipFactory(guild=guild, champion=same_guild)
    MembershipFactory(guild=guild, champion=ChampionFactory(state=ChampionState.DORMANT))

    run_engine()

    new.refresh_from_db()
    assert new.buddy == same_guild
    assert same_industry.buddy_of.count() == 0
    assert execution_of(new).status == ExecutionStatus.DONE
    assert Activity.objects.filter(
        champion=same_guild, kind=ActivityKind.MENTORED_AS_BUDDY
    ).exists()


def test_without_a_shared_guild_the_industry_counts_before_the_time_zone(run_engine):
    make_playbook([step("champion_joined", "assign_buddy")])
    new = newcomer(account=AccountFactory(industry=Industry.HEALTHCARE), timezone="Asia/Tokyo")
    ChampionFactory(account=AccountFactory(industry=Industry.MEDIA), timezone="Asia/Tokyo")
    same_industry = ChampionFactory(account=AccountFactory(industry=Industry.HEALTHCARE))
    run_engine()
    new.refresh_from_db()
    assert new.buddy == same_industry


def test_buddies_are_spread_and_a_full_buddy_takes_no_more(run_engine):
    make_playbook([step("champion_joined", "assign_buddy", max_newcomers_per_buddy=2)])
    account = AccountFactory(industry=Industry.ENERGY)
    buddy = ChampionFactory(account=AccountFactory(industry=Industry.ENERGY))
    ChampionFactory(buddy=buddy, account=AccountFactory(industry=Industry.EDUCATION))
    first, second = (newcomer(account=account, timezone="Pacific/Auckland") for _ in "12")
    run_engine()
    statuses = {execution_of(c).status for c in (first, second)}
    assert statuses == {ExecutionStatus.DONE, ExecutionStatus.FAILED}
    failed = StepExecution.objects.get(status=ExecutionStatus.FAILED)
    assert "No active champion" in failed.error
    assert buddy.buddy_of.count() == 2


def test_among_equal_matches_the_buddy_with_fewest_newcomers_is_chosen(run_engine):
    make_playbook([step("champion_joined", "assign_buddy")])
    retail = AccountFactory(industry=Industry.RETAIL)
    busy = ChampionFactory(account=AccountFactory(industry=Industry.RETAIL))
    ChampionFactory(
        buddy=busy, account=AccountFactory(industry=Industry.MEDIA), timezone="Asia/Dubai"
    )
    free = ChampionFactory(account=AccountFactory(industry=Industry.RETAIL))
    new = newcomer(account=retail)
    run_engine()
    new.refresh_from_db()
    assert new.buddy == free


def test_a_newcomer_who_has_a_buddy_is_skipped(run_engine):
    make_playbook([step("champion_joined", "assign_buddy")])
    new = newcomer(buddy=ChampionFactory())
    run_engine()
    assert execution_of(new).status == ExecutionStatus.SKIPPED
    assert execution_of(new).error == "Already has a buddy."


def test_pending_guild_requests_do_not_count_as_a_shared_guild(run_engine):
    make_playbook([step("champion_joined", "assign_buddy")])
    guild = GuildFactory()
    new = newcomer(account=AccountFactory(industry=Industry.PUBLIC), timezone="America/Lima")
    MembershipFactory(guild=guild, champion=new, status=MembershipStatus.REQUESTED)
    MembershipFactory(guild=guild, champion=ChampionFactory())
    run_engine()
    assert execution_of(new).status == ExecutionStatus.FAILED


# --- create_followup_task -------------------------------------------------------------------


def test_a_silent_champion_becomes_a_follow_up_task_for_the_program_team(run_engine):
    playbook = make_playbook(
        [
            step(
                "no_contribution_30d",
                "create_followup_task",
                title="Call {{ champion.full_name }} at {{ champion.account }}",
                due_in_days=2,
            )
        ]
    )
    silent = ChampionFactory(full_name="Grace Hopper")
    run_engine()
    task = FollowUpTask.objects.get()
    assert task.title == f"Call Grace Hopper at {silent.account.name}"
    assert task.champion == silent and not task.is_done
    assert task.step.playbook == playbook and task.run.playbook == playbook
    assert timedelta(days=1, hours=23) < task.due_at - timezone.now() <= timedelta(days=2)
    assert execution_of(silent).status == ExecutionStatus.DONE


# --- invite_to_clinic -----------------------------------------------------------------------


def test_without_an_upcoming_clinic_nobody_is_invited_and_nobody_is_used_up(run_engine):
    make_playbook([step("question_unanswered_24h", "invite_to_clinic")])
    ChampionFactory()
    question = QuestionFactory(posted_at=timezone.now() - timedelta(hours=30))
    report = run_engine()
    assert "No peer clinic" in report.steps[0].note
    assert not StepExecution.objects.exists()

    clinic = EventFactory(kind=EventKind.PEER_CLINIC, guild=None, title="Reporting clinic")
    run_engine()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [question.asker.email]
    assert "Reporting clinic" in mail.outbox[0].subject
    assert clinic.online_url in mail.outbox[0].body


def test_a_champion_is_invited_to_their_own_guilds_clinic_first(run_engine):
    make_playbook([step("event_attended", "invite_to_clinic", subject="{{ clinic.title }}")])
    guild = GuildFactory()
    champion = ChampionFactory(timezone="Europe/Berlin")
    MembershipFactory(guild=guild, champion=champion)
    ActivityFactory(champion=champion, kind=ActivityKind.ATTENDED_EVENT)
    soon = timezone.now() + timedelta(days=2)
    EventFactory(kind=EventKind.PEER_CLINIC, guild=None, title="Open clinic", starts_at=soon)
    EventFactory(kind=EventKind.PEER_CLINIC, guild=guild, title="Guild clinic")
    EventFactory(kind=EventKind.QUARTERLY_DEMO, guild=guild, starts_at=soon, title="Demo")
    run_engine()
    assert mail.outbox[0].subject == "Guild clinic"
    assert "(Europe/Berlin)" in mail.outbox[0].body
