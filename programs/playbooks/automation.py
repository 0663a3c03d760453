"""Playbook automation: the catalogue of triggers and actions, and the engine that binds them.

A trigger is a set-based query: the ids of the champions it matches now, from the `Activity`
log and the champion's own fields. An action (`programs.playbooks.actions`) acts on a batch of
champions. The engine (`evaluate_active_playbooks`, one beat task every 15 minutes) turns every
automated step of every active playbook into one `INSERT … SELECT … ON CONFLICT DO NOTHING
RETURNING id` of pending `StepExecution` rows, then queues the actions in chunks by id. However
many champions there are, the engine issues the same number of queries; a champion is never
loaded to be evaluated.

A step reaches a champion at most once: the unique (step, champion, run) row is the claim, and
champions reached by an earlier version of the same step (its `lineage`) are not reached again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion
from programs.playbooks import actions, triggers
from programs.playbooks.models import (
    ExecutionStatus,
    Playbook,
    PlaybookRun,
    PlaybookStatus,
    PlaybookStep,
    RunKind,
    StepExecution,
)
from programs.playbooks.triggers import ChampionIds

logger = logging.getLogger(__name__)

CHUNK_SIZE = 200
DEFAULT_LOOKBACK = timedelta(days=7)
# A pending row this far past its due time lost its task (broker restart): queue it again.
REQUEUE_PENDING_AFTER = timedelta(minutes=30)
# A running row this old lost its worker mid-action. It is not repeated (someone may already
# have the email); it is marked failed so the team sees it.
ABANDON_RUNNING_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Trigger:
    key: str
    label: str
    champion_ids: Callable[..., ChampionIds]


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    perform: Callable[[actions.ActionBatch], dict[int, actions.Outcome]]
    validate_params: Callable[[Mapping[str, Any]], None]
    params: frozenset[str]
    # Returns why the step cannot act now (it then reaches nobody and waits), or "".
    not_ready: Callable[[datetime], str] | None = None


TRIGGERS: dict[str, Trigger] = {
    t.key: t
    for t in (
        Trigger("champion_joined", "Champion joined", triggers.champion_joined),
        Trigger("first_value_reached", "First value moment reached", triggers.first_value_reached),
        Trigger("no_contribution_30d", "No contribution for 30 days", triggers.no_contribution),
        Trigger("question_unanswered_24h", "Question open 24 h", triggers.question_unanswered),
        Trigger("event_attended", "Event attended", triggers.event_attended),
        Trigger("story_published", "Story published", triggers.story_published),
    )
}
ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        Action(
            "send_email",
            "Send an email",
            actions.send_email,
            actions.validate_email_params,
            frozenset({"subject", "body"}),
        ),
        Action(
            "assign_buddy",
            "Assign a buddy",
            actions.assign_buddy,
            actions.validate_buddy_params,
            frozenset({"max_newcomers_per_buddy"}),
        ),
        Action(
            "create_followup_task",
            "Create a follow-up task for the program team",
            actions.create_followup_task,
            actions.validate_task_params,
            frozenset({"title", "notes", "due_in_days"}),
        ),
        Action(
            "invite_to_clinic",
            "Invite to the next peer clinic",
            actions.invite_to_clinic,
            actions.validate_clinic_params,
            frozenset({"subject", "body"}),
            not_ready=actions.clinic_not_ready,
        ),
    )
}
STEP_PARAMS = frozenset({"lookback_days", "delay_minutes"})


def trigger_choices() -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in TRIGGERS.values()]


def action_choices() -> list[tuple[str, str]]:
    return [(a.key, a.label) for a in ACTIONS.values()]


def validate_binding(*, trigger_key: str, action_key: str, params: Mapping[str, Any]) -> None:
    """Refuse an automated step the engine could not run, naming the field to fix."""
    if not trigger_key and not action_key:
        if params:
            raise DomainError(
                "Only an automated step (trigger and action) has params.", field="params"
            )
        return
    if trigger_key not in TRIGGERS:
        known = ", ".join(TRIGGERS)
        raise DomainError(
            f"“{trigger_key}” is not a trigger (known: {known}).", field="trigger_key"
        )
    if action_key not in ACTIONS:
        known = ", ".join(ACTIONS)
        raise DomainError(f"“{action_key}” is not an action (known: {known}).", field="action_key")
    if not isinstance(params, Mapping):
        raise DomainError("Params must be a JSON object.", field="params")
    action = ACTIONS[action_key]
    unknown = set(params) - action.params - STEP_PARAMS
    if unknown:
        allowed = ", ".join(sorted(action.params | STEP_PARAMS))
        raise DomainError(
            f"Unknown params for {action_key}: {', '.join(sorted(unknown))} (allowed: {allowed}).",
            field="params",
        )
    actions.check_int(params, "lookback_days", low=1, high=365)
    actions.check_int(params, "delay_minutes", low=0, high=60 * 24 * 30)
    action.validate_params(params)


# --- the engine ---------------------------------------------------------------------------

Dispatch = Callable[[list[int], int], object]


@dataclass
class StepReport:
    playbook: str
    step_id: int
    trigger: str
    action: str
    reached: int = 0
    chunks: int = 0
    seconds: float = 0.0
    note: str = ""


@dataclass
class EvaluationReport:
    evaluated_at: datetime
    steps: list[StepReport] = field(default_factory=list)
    requeued: int = 0
    abandoned: int = 0

    @property
    def reached(self) -> int:
        return sum(step.reached for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "evaluated_at": self.evaluated_at.isoformat()}


def enqueue(execution_ids: list[int], countdown: int) -> object:
    from programs.playbooks.tasks import perform_step_executions

    return perform_step_executions.apply_async(
        kwargs={"execution_ids": execution_ids}, countdown=countdown
    )


def in_chunks(items: Iterable[int], size: int) -> Iterable[list[int]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def dispatch_chunks(execution_ids: Sequence[int], countdown: int, dispatch: Dispatch) -> int:
    chunks = list(in_chunks(sorted(execution_ids), CHUNK_SIZE))
    for chunk in chunks:
        dispatch(chunk, countdown)
    return len(chunks)


def evaluate_active_playbooks(
    now: datetime | None = None, *, dispatch: Dispatch | None = None
) -> EvaluationReport:
    """Reach every champion an active playbook's automated step matches and has not reached.

    Queries: a fixed few, plus one INSERT per automated step; none per champion. The actions
    are queued after each step's rows are committed, in chunks of `CHUNK_SIZE` ids.
    """
    now = now or timezone.now()
    dispatch = dispatch or enqueue
    report = EvaluationReport(evaluated_at=now)
    steps = list(automated_steps())
    runs = automation_runs({step.playbook for step in steps})
    lineages = steps_by_lineage(step.lineage for step in steps)
    for step in steps:
        started = time.perf_counter()
        step_report = evaluate_step(
            step, runs[step.playbook_id], lineages[step.lineage], now, dispatch
        )
        step_report.seconds = round(time.perf_counter() - started, 3)
        report.steps.append(step_report)
    report.requeued = requeue_stale_pending(now, dispatch)
    report.abandoned = abandon_stale_running(now)
    logger.info("Playbook automation reached %s champions", report.reached)
    return report


def automated_steps() -> QuerySet[PlaybookStep]:
    return (
        PlaybookStep.objects.filter(playbook__status=PlaybookStatus.ACTIVE)
        .exclude(trigger_key="")
        .exclude(action_key="")
        .select_related("playbook")
        .order_by("playbook_id", "order")
    )


def automation_runs(playbooks: Iterable[Playbook]) -> dict[int, PlaybookRun]:
    """The open automation run of each playbook; one is opened where it is missing."""
    playbooks = list(playbooks)
    runs = {
        run.playbook_id: run
        for run in PlaybookRun.objects.filter(
            playbook__in=playbooks, kind=RunKind.AUTOMATION, finished_at__isnull=True
        )
    }
    for playbook in playbooks:
        if playbook.pk not in runs:
            from programs.playbooks.services import automation_run_ensure

            runs[playbook.pk] = automation_run_ensure(playbook=playbook)
    return runs


def steps_by_lineage(lineages: Iterable[Any]) -> dict[Any, list[int]]:
    """The ids of every version of each step: who they reached is not reached again."""
    ids: dict[Any, list[int]] = defaultdict(list)
    rows = PlaybookStep.objects.filter(lineage__in=set(lineages)).values_list("lineage", "pk")
    for lineage, pk in rows:
        ids[lineage].append(pk)
    return ids


def evaluate_step(
    step: PlaybookStep,
    run: PlaybookRun,
    lineage_step_ids: list[int],
    now: datetime,
    dispatch: Dispatch,
) -> StepReport:
    report = StepReport(step.playbook.name, step.pk, step.trigger_key, step.action_key)
    trigger, action = TRIGGERS.get(step.trigger_key), ACTIONS.get(step.action_key)
    if trigger is None or action is None:
        report.note = "Unknown trigger or action; skipped."
        return report
    report.note = action.not_ready(now) if action.not_ready else ""
    if report.note:
        return report
    since = now - timedelta(days=step.params.get("lookback_days", DEFAULT_LOOKBACK.days))
    reached = StepExecution.objects.filter(step_id__in=lineage_step_ids, champion_id=OuterRef("pk"))
    fresh = trigger.champion_ids(now=now, since=since).filter(~Exists(reached))
    delay = timedelta(minutes=step.params.get("delay_minutes", 0))
    try:
        with transaction.atomic():
            ids = insert_pending(
                run=run, step=step, champion_ids=fresh, now=now, due_at=now + delay
            )
            transaction.on_commit(
                lambda: dispatch_chunks(ids, int(delay.total_seconds()), dispatch)
            )
    except DatabaseError as error:
        logger.exception("Playbook step %s could not be evaluated", step.pk)
        report.note = f"Evaluation failed: {error}"
        return report
    report.reached = len(ids)
    report.chunks = -(-len(ids) // CHUNK_SIZE)
    return report


def insert_pending(
    *,
    run: PlaybookRun,
    step: PlaybookStep,
    champion_ids: ChampionIds,
    now: datetime,
    due_at: datetime,
) -> list[int]:
    """One statement: a pending row for each matched champion, skipping rows that exist
    (a concurrent evaluation got there first). Returns the ids of the rows it inserted.

    Written in SQL because the ORM's bulk_create would first fetch every id into Python and
    could not return the ids it skipped on conflict; PostgreSQL and SQLite (≥ 3.35) both run it.
    """
    # values_list("pk") selects the id under the alias "pk" on every backend Django supports.
    matched = champion_ids.values_list("pk", flat=True).order_by()
    select_sql, select_params = matched.query.sql_with_params()
    columns = ", ".join(
        column(name)
        for name in ("run", "step", "champion", "status", "error", "attempts", "created_at")
    )
    table = connection.ops.quote_name(StepExecution._meta.db_table)
    # Only identifiers from the model's meta and Django's compiled SQL are interpolated;
    # every value travels as a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}, {column('due_at')}) "  # noqa: S608
        f"SELECT %s, %s, matched.pk, %s, '', 0, %s, %s FROM ({select_sql}) matched WHERE true "
        f"ON CONFLICT DO NOTHING RETURNING {column('id')}"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = (run.pk, step.pk, ExecutionStatus.PENDING, adapt(now), adapt(due_at), *select_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def column(name: str) -> str:
    field = StepExecution._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return connection.ops.quote_name(field.column)


def requeue_stale_pending(now: datetime, dispatch: Dispatch) -> int:
    stale = list(
        StepExecution.objects.filter(
            status=ExecutionStatus.PENDING, due_at__lt=now - REQUEUE_PENDING_AFTER
        ).values_list("pk", flat=True)[:10_000]
    )
    if stale:
        dispatch_chunks(stale, 0, dispatch)
    return len(stale)


def abandon_stale_running(now: datetime) -> int:
    return StepExecution.objects.filter(
        status=ExecutionStatus.RUNNING, claimed_at__lt=now - ABANDON_RUNNING_AFTER
    ).update(
        status=ExecutionStatus.FAILED,
        executed_at=now,
        error="The worker stopped during this action. It is not repeated, so nobody gets it "
        "twice; check whether it happened.",
    )


# --- performing the actions -----------------------------------------------------------------


def perform_executions(
    *, execution_ids: Sequence[int], now: datetime | None = None
) -> Counter[str]:
    """Claim the pending executions among `execution_ids`, act, and record each outcome.

    Loads are per batch: the steps, runs and champions of the chunk in three queries.
    """
    now = now or timezone.now()
    claimed = claim(execution_ids, now)
    if not claimed:
        return Counter()
    steps = PlaybookStep.objects.select_related("playbook__next_version").in_bulk(
        {row.step_id for row in claimed}
    )
    runs = PlaybookRun.objects.in_bulk({row.run_id for row in claimed})
    champions = Champion.objects.select_related("account", "buddy").in_bulk(
        {row.champion_id for row in claimed}
    )
    groups: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in claimed:
        groups[(row.step_id, row.run_id)].append(row)
    outcomes: dict[int, actions.Outcome] = {}
    for (step_id, run_id), rows in groups.items():
        batch = actions.ActionBatch(
            steps[step_id], runs[run_id], [champions[r.champion_id] for r in rows], now
        )
        by_champion = perform_batch(batch)
        missing = actions.failed("The action reported nothing for this champion.")
        outcomes.update({r.pk: by_champion.get(r.champion_id, missing) for r in rows})
    record_outcomes(outcomes, now)
    return Counter(outcome.status for outcome in outcomes.values())


def claim(execution_ids: Sequence[int], now: datetime) -> list[Any]:
    """Move pending rows to running; rows another worker holds or already did are left."""
    with transaction.atomic():
        rows: list[Any] = list(
            StepExecution.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(execution_ids), status=ExecutionStatus.PENDING)
            .order_by("pk")
            .values_list("pk", "step_id", "run_id", "champion_id", named=True)
        )
        StepExecution.objects.filter(
            pk__in=[row.pk for row in rows], status=ExecutionStatus.PENDING
        ).update(status=ExecutionStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    return rows


def perform_batch(batch: actions.ActionBatch) -> dict[int, actions.Outcome]:
    playbook = batch.step.playbook
    superseded = hasattr(playbook, "next_version")
    if playbook.status != PlaybookStatus.ACTIVE and not superseded:
        # Retired before a delayed action came due: retired playbooks never act.
        return {c.pk: actions.skipped("The playbook was retired.") for c in batch.champions}
    action = ACTIONS.get(batch.step.action_key)
    if action is None:
        reason = f"“{batch.step.action_key}” is not an action."
        return {c.pk: actions.failed(reason) for c in batch.champions}
    try:
        return action.perform(batch)
    except Exception as error:  # one broken batch must not stop the others; it is recorded
        logger.exception("Playbook action %s failed", batch.step.action_key)
        return {c.pk: actions.failed(f"{type(error).__name__}: {error}") for c in batch.champions}


def record_outcomes(outcomes: Mapping[int, actions.Outcome], now: datetime) -> None:
    """One UPDATE per distinct outcome, not per row."""
    by_outcome: dict[actions.Outcome, list[int]] = defaultdict(list)
    for pk, outcome in outcomes.items():
        by_outcome[outcome].append(pk)
    for outcome, pks in by_outcome.items():
        StepExecution.objects.filter(pk__in=pks).update(
            status=outcome.status, error=outcome.error, executed_at=now
        )
