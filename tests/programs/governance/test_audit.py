"""Every moderator action is in the audit log and writes one `moderated` activity with the
moderator as actor, at the action's moment; the system's own steps count nowhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from champions.models import Activity, ActivityKind, ActivityLevel
from programs.governance import selectors, services
from programs.governance.models import ActionKind, ModerationAction, Report
from tests.factories import ChampionFactory
from tests.programs.governance.conftest import Program, decide

pytestmark = pytest.mark.django_db


def test_each_moderator_action_writes_a_moderated_activity(
    program: Program, report: Report
) -> None:
    at = timezone.now() - timedelta(hours=3)
    services.report_acknowledge(report=report, by=program.mod_a, at=at)
    case = services.case_open(reports=[report], by=program.mod_a, at=at + timedelta(hours=1))
    decide(case, program.mod_a)

    actions = list(ModerationAction.objects.order_by("at", "pk"))
    activities = list(
        Activity.objects.filter(kind=ActivityKind.MODERATED).order_by("occurred_at", "pk")
    )
    assert [a.kind for a in actions] == [
        ActionKind.REPORT_ACKNOWLEDGED,
        ActionKind.CASE_OPENED,
        ActionKind.STEP_RECORDED,
        ActionKind.STEP_RECORDED,
        ActionKind.STEP_RECORDED,
        ActionKind.DECISION_RECORDED,
    ]
    assert len(activities) == len(actions)
    for action, activity in zip(actions, activities, strict=True):
        assert activity.actor == program.mod_a and activity.champion is None
        assert activity.occurred_at == action.at
        assert activity.level == ActivityLevel.LEADER
        assert activity.guild == program.guild_a
        assert (activity.subject_type, activity.subject_id) == (
            "governance.moderationaction",
            action.pk,
        )
    assert activities[0].occurred_at == at


def test_a_moderator_with_a_champion_record_is_the_activitys_champion(
    program: Program, report: Report
) -> None:
    champion = ChampionFactory(user=program.mod_a, email=program.mod_a.email)
    services.report_acknowledge(report=report, by=program.mod_a)
    activity = Activity.objects.get(kind=ActivityKind.MODERATED)
    assert activity.champion == champion and activity.actor == program.mod_a


def test_automatic_steps_are_logged_but_are_no_moderator_actions(
    program: Program, report: Report
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    services.moderator_absence_add(
        user=program.mod_a,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
    )

    handed = ModerationAction.objects.get(kind=ActionKind.HANDED_OVER, case=case)
    assert handed.actor is None
    assert Activity.objects.filter(kind=ActivityKind.MODERATED).count() == 1  # the opening
    assert (
        selectors.moderator_actions(start=case.opened_at, end=timezone.now() + timedelta(1)).count()
        == 1
    )
