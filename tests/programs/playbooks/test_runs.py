"""Runs: each time the team runs a playbook is recorded with its checklist and outcome."""

from __future__ import annotations

import pytest

from champions.errors import DomainError
from programs.playbooks import services
from programs.playbooks.models import PlaybookRun, RunKind
from tests.factories import StaffFactory
from tests.programs.factories import EventFactory
from tests.programs.playbooks.conftest import make_playbook

pytestmark = pytest.mark.django_db


def test_starting_a_run_records_the_exact_version_its_checklist_and_events():
    staff = StaffFactory()
    playbook = make_playbook()
    event = EventFactory()
    run = services.run_start(
        playbook=playbook, name="Q3 demo day", started_by=staff, events=[event]
    )
    assert run.playbook == playbook and run.kind == RunKind.MANUAL
    assert list(run.events.all()) == [event]
    assert [item.step.order for item in run.checklist.all()] == [1, 2]
    assert all(item.done_at is None for item in run.checklist.all())


def test_only_an_active_playbook_can_be_run():
    with pytest.raises(DomainError) as error:
        services.run_start(playbook=make_playbook(activate=False), name="Too early")
    assert error.value.field == "playbook"


def test_an_unknown_event_is_refused():
    with pytest.raises(DomainError) as error:
        services.run_start(playbook=make_playbook(), name="Q3", events=[987654])
    assert error.value.field == "events"


def test_ticking_and_unticking_checklist_steps():
    staff = StaffFactory()
    playbook = make_playbook()
    run = services.run_start(playbook=playbook, name="Q3 demo day")
    step = playbook.steps.get(order=1)

    item = services.run_check_step(run=run, step=step, by=staff, note="Invites out")
    assert item.done_at is not None and item.done_by == staff and item.note == "Invites out"
    item = services.run_check_step(run=run, step=step, done=False)
    assert item.done_at is None and item.done_by is None


def test_a_step_of_another_version_is_not_on_the_checklist():
    v1 = make_playbook()
    run = services.run_start(playbook=v1, name="Q3 demo day")
    v2 = services.playbook_update(playbook=v1, name="Onboarding 2")
    with pytest.raises(DomainError) as error:
        services.run_check_step(run=run, step=v2.steps.first())
    assert error.value.field == "step"


def test_finishing_needs_an_outcome_and_closes_the_checklist():
    playbook = make_playbook()
    run = services.run_start(playbook=playbook, name="Q3 demo day")
    with pytest.raises(DomainError) as error:
        services.run_finish(run=run, outcome=" ")
    assert error.value.field == "outcome"

    run = services.run_finish(run=run, outcome="41 attended; 6 first value moments.")
    assert run.finished_at is not None
    with pytest.raises(DomainError):
        services.run_finish(run=run, outcome="Again")
    with pytest.raises(DomainError):
        services.run_check_step(run=run, step=playbook.steps.first())


def test_the_automation_run_is_not_finished_by_hand():
    playbook = make_playbook()
    automation_run = PlaybookRun.objects.get(playbook=playbook, kind=RunKind.AUTOMATION)
    with pytest.raises(DomainError) as error:
        services.run_finish(run=automation_run, outcome="Done")
    assert error.value.field == "run"


def test_a_run_keeps_following_its_version_after_the_playbook_changes():
    v1 = make_playbook()
    run = services.run_start(playbook=v1, name="Q3 demo day")
    services.playbook_update(playbook=v1, name="Onboarding 2")
    run.refresh_from_db()
    assert run.playbook_id == v1.pk
    services.run_check_step(run=run, step=v1.steps.first())
