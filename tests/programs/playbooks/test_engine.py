"""The automation engine: set-based, at most once per champion per step, and logged."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from champions.models import ActivityKind
from programs.playbooks import automation, services
from programs.playbooks.models import (
    ExecutionStatus,
    PlaybookRun,
    PlaybookStep,
    RunKind,
    StepExecution,
)
from tests.factories import ActivityFactory, ChampionFactory
from tests.programs.playbooks.conftest import WELCOME, email_step, make_playbook

pytestmark = pytest.mark.django_db


def joined(n: int = 1, **champion: object) -> list:
    champions = ChampionFactory.create_batch(n, **champion)
    for c in champions:
        ActivityFactory(
            champion=c,
            kind=ActivityKind.ACCEPTED_INVITATION,
            occurred_at=timezone.now() - timedelta(hours=2),
        )
    return champions


def test_a_joined_champion_gets_the_welcome_email_once_however_often_the_engine_runs(
    run_engine,
):
    make_playbook()
    (ada,) = joined(full_name="Ada Lovelace")

    first = run_engine()
    second = run_engine()

    assert first.reached == 1 and second.reached == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ada.email]
    assert message.subject == "Welcome, Ada"
    assert f"Ada from {ada.account.name} <b>&</b> friends." in message.body
    html = message.alternatives[0][0]
    assert "<b>&amp;</b> friends" in html
    execution = StepExecution.objects.get()
    assert execution.champion == ada
    assert execution.status == ExecutionStatus.DONE
    assert execution.executed_at is not None and execution.attempts == 1
    assert execution.run.kind == RunKind.AUTOMATION


def test_champion_context_is_escaped_in_html_and_scripts_never_survive(run_engine):
    make_playbook(
        [email_step("champion_joined", body="Hi {{ champion.full_name }}<script>x()</script>")]
    )
    joined(full_name="<img src=x onerror=alert(1)>")
    run_engine()
    html = mail.outbox[0].alternatives[0][0]
    assert "<script" not in html and "<img" not in html
    assert "&lt;img" in html


def test_draft_and_retired_playbooks_never_fire(run_engine):
    make_playbook(activate=False, name="Draft")
    retired = make_playbook(name="Retired")
    services.playbook_retire(playbook=retired)
    joined(3)
    report = run_engine()
    assert report.steps == []
    assert mail.outbox == []
    assert not StepExecution.objects.exists()


def test_a_new_version_does_not_reach_again_whom_its_step_already_reached(run_engine):
    v1 = make_playbook()
    joined(2)
    run_engine()
    v2 = services.playbook_step_update(
        step=v1.steps.get(order=2), params={**WELCOME.params, "subject": "Welcome aboard"}
    ).playbook
    (newcomer,) = joined(1)
    run_engine()
    assert [m.subject for m in mail.outbox].count("Welcome aboard") == 1
    assert mail.outbox[-1].to == [newcomer.email]
    assert StepExecution.objects.filter(run__playbook=v2).count() == 1


def test_each_step_of_each_active_playbook_fires_for_its_own_trigger(run_engine):
    make_playbook([WELCOME, email_step("event_attended")], name="Demo loop")
    (newcomer,) = joined(1)
    attendee = ChampionFactory()
    ActivityFactory(champion=attendee, kind=ActivityKind.ATTENDED_EVENT)
    run_engine()
    reached = {(m.subject, m.to[0]) for m in mail.outbox}
    assert reached == {
        (f"Welcome, {newcomer.full_name.split()[0]}", newcomer.email),
        ("About event_attended", attendee.email),
    }


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPRecipientsRefused({"x@example.com": (550, b"No such user")})


def test_a_failed_action_is_logged_with_its_reason_and_not_repeated(run_engine, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    make_playbook()
    joined(1)
    run_engine()
    run_engine()
    execution = StepExecution.objects.get()
    assert execution.status == ExecutionStatus.FAILED
    assert "No such user" in execution.error


def test_an_action_that_crashes_fails_its_batch_not_the_engine(run_engine, monkeypatch):
    make_playbook([email_step("champion_joined"), email_step("event_attended")])
    joined(1)
    attendee = ChampionFactory()
    ActivityFactory(champion=attendee, kind=ActivityKind.ATTENDED_EVENT)

    def boom(batch):
        if batch.step.trigger_key == "champion_joined":
            raise RuntimeError("template backend down")
        return {c.pk: automation.actions.DONE for c in batch.champions}

    action = automation.ACTIONS["send_email"]
    monkeypatch.setitem(
        automation.ACTIONS, "send_email", automation.Action(**{**action.__dict__, "perform": boom})
    )
    run_engine()
    statuses = dict(StepExecution.objects.values_list("step__trigger_key", "status"))
    assert statuses == {"champion_joined": "failed", "event_attended": "done"}
    assert "template backend down" in StepExecution.objects.get(status="failed").error


def test_a_step_with_a_key_no_longer_in_the_catalogue_is_skipped(run_engine):
    playbook = make_playbook()
    PlaybookStep.objects.filter(playbook=playbook, order=2).update(action_key="send_pigeon")
    joined(1)
    report = run_engine()
    assert report.steps[0].note.startswith("Unknown")
    assert not StepExecution.objects.exists()


def test_inserting_the_same_claims_twice_inserts_them_once():
    playbook = make_playbook()
    joined(3)
    step = playbook.steps.get(order=2)
    run = PlaybookRun.objects.get(playbook=playbook, kind=RunKind.AUTOMATION)
    now = timezone.now()
    matched = automation.TRIGGERS["champion_joined"].champion_ids(
        now=now, since=now - timedelta(days=1)
    )
    first = automation.insert_pending(run=run, step=step, champion_ids=matched, now=now, due_at=now)
    second = automation.insert_pending(
        run=run, step=step, champion_ids=matched, now=now, due_at=now
    )
    assert len(first) == 3 and second == []


def test_two_workers_given_the_same_chunk_act_once():
    make_playbook()
    joined(2)
    automation.evaluate_active_playbooks(dispatch=lambda ids, countdown: None)
    ids = StepExecution.objects.values_list("pk", flat=True)
    assert automation.perform_executions(execution_ids=list(ids))["done"] == 2
    assert automation.perform_executions(execution_ids=list(ids)) == {}
    assert len(mail.outbox) == 2


def test_a_delayed_step_is_queued_with_its_delay(django_capture_on_commit_callbacks):
    make_playbook([email_step("champion_joined", delay_minutes=90)])
    joined(1)
    queued: list[tuple[list[int], int]] = []
    with django_capture_on_commit_callbacks(execute=True):
        automation.evaluate_active_playbooks(dispatch=lambda ids, cd: queued.append((ids, cd)))
    execution = StepExecution.objects.get()
    assert queued == [([execution.pk], 90 * 60)]
    assert execution.due_at - execution.created_at == timedelta(minutes=90)


def test_lost_tasks_are_queued_again_and_dead_workers_are_reported():
    make_playbook()
    joined(2)
    automation.evaluate_active_playbooks(dispatch=lambda ids, cd: None)  # the broker lost them
    first, second = StepExecution.objects.order_by("pk")
    later = timezone.now() + timedelta(hours=2)
    StepExecution.objects.filter(pk=second.pk).update(
        status=ExecutionStatus.RUNNING, claimed_at=timezone.now()
    )
    queued: list[list[int]] = []
    report = automation.evaluate_active_playbooks(
        now=later, dispatch=lambda ids, cd: queued.append(ids)
    )
    assert queued == [[first.pk]] and report.requeued == 1
    second.refresh_from_db()
    assert report.abandoned == 1 and second.status == ExecutionStatus.FAILED
    assert "not repeated" in second.error


def test_retiring_skips_actions_not_yet_done(run_engine):
    playbook = make_playbook([email_step("champion_joined", delay_minutes=60)])
    joined(1)
    automation.evaluate_active_playbooks(dispatch=lambda ids, cd: None)
    services.playbook_retire(playbook=playbook)
    execution = StepExecution.objects.get()
    assert execution.status == ExecutionStatus.SKIPPED
    assert automation.perform_executions(execution_ids=[execution.pk]) == {}
    assert mail.outbox == []


def test_the_beat_task_runs_the_engine(django_capture_on_commit_callbacks):
    from programs.playbooks.tasks import run_playbook_automation

    make_playbook()
    joined(1)
    with django_capture_on_commit_callbacks(execute=True):
        result = run_playbook_automation()
    assert result["steps"][0]["reached"] == 1
    assert len(mail.outbox) == 1


def _evaluation_queries(n: int) -> int:
    StepExecution.objects.all().delete()
    joined(n)
    with CaptureQueriesContext(connection) as captured:
        report = automation.evaluate_active_playbooks(dispatch=lambda ids, cd: None)
    assert report.reached == StepExecution.objects.count()
    return len(captured)


def test_evaluation_takes_the_same_queries_for_5_and_50_matching_champions():
    make_playbook(
        [
            WELCOME,
            email_step("no_contribution_30d"),
            email_step("event_attended"),
            email_step("question_unanswered_24h"),
        ]
    )
    assert _evaluation_queries(5) == _evaluation_queries(50)


def test_performing_a_chunk_takes_the_same_queries_for_5_and_50_emails():
    make_playbook()

    def performed(n: int) -> int:
        joined(n)
        automation.evaluate_active_playbooks(dispatch=lambda ids, cd: None)
        pending = StepExecution.objects.filter(status=ExecutionStatus.PENDING)
        with CaptureQueriesContext(connection) as captured:
            automation.perform_executions(execution_ids=list(pending.values_list("pk", flat=True)))
        return len(captured)

    assert performed(5) == performed(50)
