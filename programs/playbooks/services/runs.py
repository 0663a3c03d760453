"""Runs of a playbook (with their checklist) and the program team's follow-up tasks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, User
from programs.events.models import Event
from programs.playbooks.models import (
    FollowUpTask,
    Playbook,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStatus,
    PlaybookStep,
    RunKind,
)
from programs.playbooks.services.content import required_text


def clean_events(events: Iterable[Event | int]) -> list[Event]:
    ids = [e.pk if isinstance(e, Event) else int(e) for e in events]
    found = Event.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise DomainError(f"There is no event with id {missing[0]}.", field="events")
    return [found[pk] for pk in dict.fromkeys(ids)]


@transaction.atomic
def run_start(
    *,
    playbook: Playbook,
    name: str,
    started_by: User | None = None,
    events: Iterable[Event | int] = (),
    started_at: datetime | None = None,
) -> PlaybookRun:
    """Record that the team runs the active version once (“Q3 demo day”), with its checklist."""
    if playbook.status != PlaybookStatus.ACTIVE:
        raise DomainError(
            f"{playbook} is {playbook.get_status_display().lower()}; only an active playbook "
            "can be run.",
            field="playbook",
        )
    run = PlaybookRun.objects.create(
        playbook=playbook,
        kind=RunKind.MANUAL,
        name=required_text(name, field="name", label="a name for the run", max_length=200),
        started_by=started_by,
        started_at=started_at or timezone.now(),
    )
    run.events.set(clean_events(events))
    PlaybookRunStep.objects.bulk_create(
        PlaybookRunStep(run=run, step=step) for step in playbook.steps.order_by("order")
    )
    return run


@transaction.atomic
def run_update(
    *, run: PlaybookRun, name: str | None = None, events: Iterable[Event | int] | None = None
) -> PlaybookRun:
    """Rename a run or change its linked events (also once it is finished: it is a record)."""
    if name is not None:
        run.name = required_text(name, field="name", label="a name for the run", max_length=200)
        run.save(update_fields=["name"])
    if events is not None:
        run.events.set(clean_events(events))
    return run


def _refuse_finished(run: PlaybookRun) -> None:
    if run.finished_at is not None:
        raise DomainError(
            f"“{run.name}” finished on {run.finished_at:%d %b %Y}; it is a record now.",
            field="run",
        )


@transaction.atomic
def run_check_step(
    *,
    run: PlaybookRun,
    step: PlaybookStep,
    by: User | None = None,
    done: bool = True,
    note: str | None = None,
) -> PlaybookRunStep:
    """Tick (or untick) a step of the run's checklist."""
    run = PlaybookRun.objects.select_for_update().get(pk=run.pk)
    _refuse_finished(run)
    item = PlaybookRunStep.objects.filter(run=run, step=step).first()
    if item is None:
        raise DomainError(
            f"Step “{step}” is not part of {run.playbook}, the version this run follows.",
            field="step",
        )
    if done and item.done_at is None:
        item.done_at, item.done_by = timezone.now(), by
    elif not done:
        item.done_at, item.done_by = None, None
    if note is not None:
        item.note = note.strip()[:300]
    item.save(update_fields=["done_at", "done_by", "note"])
    return item


@transaction.atomic
def run_finish(
    *, run: PlaybookRun, outcome: str, finished_at: datetime | None = None
) -> PlaybookRun:
    """Close a run with what happened against the playbook's goal."""
    run = PlaybookRun.objects.select_for_update().get(pk=run.pk)
    _refuse_finished(run)
    if run.kind == RunKind.AUTOMATION:
        raise DomainError(
            "The automation run ends when its playbook version is retired or replaced.",
            field="run",
        )
    run.outcome = required_text(outcome, field="outcome", label="an outcome (what happened)")
    run.finished_at = max(finished_at or timezone.now(), run.started_at)
    run.save(update_fields=["outcome", "finished_at"])
    return run


# --- follow-up tasks ------------------------------------------------------------------------


@transaction.atomic
def followup_task_create(
    *,
    title: str,
    due_at: datetime,
    champion: Champion | None = None,
    notes: str = "",
    assigned_to: User | None = None,
) -> FollowUpTask:
    return FollowUpTask.objects.create(
        title=required_text(title, field="title", label="a title", max_length=300),
        due_at=due_at,
        champion=champion,
        notes=notes.strip(),
        assigned_to=assigned_to,
    )


@transaction.atomic
def followup_task_update(
    *,
    task: FollowUpTask,
    title: str | None = None,
    due_at: datetime | None = None,
    notes: str | None = None,
    assigned_to: User | None = None,
) -> FollowUpTask:
    """Reword, reschedule or hand over a task (`assigned_to=None` keeps the assignee)."""
    if title is not None:
        task.title = required_text(title, field="title", label="a title", max_length=300)
    if due_at is not None:
        task.due_at = due_at
    if notes is not None:
        task.notes = notes.strip()
    if assigned_to is not None:
        task.assigned_to = assigned_to
    task.save(update_fields=["title", "due_at", "notes", "assigned_to"])
    return task


@transaction.atomic
def followup_task_complete(*, task: FollowUpTask, by: User | None = None) -> FollowUpTask:
    """Done; doing it again changes nothing."""
    if task.done_at is None:
        task.done_at, task.done_by = timezone.now(), by
        task.save(update_fields=["done_at", "done_by"])
    return task


@transaction.atomic
def followup_task_reopen(*, task: FollowUpTask) -> FollowUpTask:
    task.done_at, task.done_by = None, None
    task.save(update_fields=["done_at", "done_by"])
    return task
