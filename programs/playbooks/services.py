"""Every change to playbooks, their runs and follow-up tasks goes through these functions.

A draft is edited in place. Editing an active playbook writes version N+1 (active at once,
with its own automation run) and retires version N, which stays readable and unchanged.
Retired versions are read-only. Each function validates, changes atomically and raises
`DomainError` naming the field to fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from champions.errors import DomainError
from champions.models import Champion, User
from programs.events.models import Event
from programs.library.models import Template
from programs.playbooks import automation
from programs.playbooks.metric_keys import METRIC_KEYS
from programs.playbooks.models import (
    ExecutionStatus,
    FollowUpTask,
    Playbook,
    PlaybookRole,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStatus,
    PlaybookStep,
    RunKind,
    StepExecution,
    StepType,
)

# --- cleaning what people typed -------------------------------------------------------------


def _text(value: str | None, *, field: str, label: str, max_length: int = 0) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise DomainError(f"A playbook needs {label}.", field=field)
    if max_length and len(cleaned) > max_length:
        raise DomainError(f"Keep {label} under {max_length} characters.", field=field)
    return cleaned


def _roles(roles: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for role in roles:
        if role not in PlaybookRole.values:
            known = ", ".join(PlaybookRole.values)
            raise DomainError(f"“{role}” is not a role (known: {known}).", field="roles")
        if role not in cleaned:
            cleaned.append(role)
    return cleaned


def _rituals(rituals: Iterable[Mapping[str, str] | str]) -> list[dict[str, str]]:
    """Each ritual has a cadence (“quarterly”, “weekly”) and optionally a name."""
    cleaned = []
    for ritual in rituals:
        item = {"name": "", "cadence": ritual} if isinstance(ritual, str) else dict(ritual)
        cadence = str(item.get("cadence") or "").strip()
        if not cadence or set(item) - {"name", "cadence"}:
            raise DomainError(
                "Each ritual is a cadence (for example “quarterly”), optionally with a name.",
                field="rituals",
            )
        cleaned.append({"name": str(item.get("name") or "").strip(), "cadence": cadence})
    return cleaned


def _assumptions(assumptions: Iterable[Mapping[str, str] | str]) -> list[dict[str, str]]:
    """Statements to test, each with an optional “how we test it”."""
    cleaned = []
    for assumption in assumptions:
        item = {"statement": assumption} if isinstance(assumption, str) else dict(assumption)
        statement = str(item.get("statement") or "").strip()
        if not statement or set(item) - {"statement", "how_we_test"}:
            raise DomainError(
                "Each assumption needs a statement (and may say how we test it).",
                field="assumptions",
            )
        how = str(item.get("how_we_test") or "").strip()
        cleaned.append({"statement": statement, "how_we_test": how})
    return cleaned


def _metric_keys(keys: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for key in keys:
        if key not in METRIC_KEYS:
            raise DomainError(
                f"“{key}” is not a metric of METRICS.md; a playbook is measured by its keys "
                "(for example activation_rate, time_to_first_answer_hours).",
                field="metric_keys",
            )
        if key not in cleaned:
            cleaned.append(key)
    return cleaned


def _materials(materials: Iterable[Template | int]) -> list[Template]:
    """Library templates, given as templates or ids; each must exist."""
    ids = [m.pk if isinstance(m, Template) else int(m) for m in materials]
    found = Template.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise DomainError(f"No template with id {missing[0]} in the library.", field="materials")
    return [found[pk] for pk in dict.fromkeys(ids)]


# --- steps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    """A step as written; `source_step_id` is the step it continues from an earlier version."""

    type: str
    text: str
    trigger_key: str = ""
    action_key: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    source_step_id: int | None = None

    @classmethod
    def of(cls, step: PlaybookStep) -> StepSpec:
        return cls(
            type=step.type,
            text=step.text,
            trigger_key=step.trigger_key,
            action_key=step.action_key,
            params=dict(step.params),
            source_step_id=step.pk,
        )

    def content(self) -> tuple[str, str, str, str, dict[str, Any]]:
        return (self.type, self.text, self.trigger_key, self.action_key, dict(self.params))


def _clean_step(spec: StepSpec) -> StepSpec:
    if spec.type not in StepType.values:
        known = ", ".join(StepType.values)
        raise DomainError(f"“{spec.type}” is not a step type (known: {known}).", field="type")
    text = (spec.text or "").strip()
    if not text:
        raise DomainError("Say what happens in this step.", field="text")
    trigger_key, action_key = spec.trigger_key.strip(), spec.action_key.strip()
    if bool(trigger_key) != bool(action_key):
        missing = "action_key" if trigger_key else "trigger_key"
        raise DomainError(
            "An automated step binds a trigger to an action: set both, or neither.", field=missing
        )
    params = dict(spec.params or {})
    automation.validate_binding(trigger_key=trigger_key, action_key=action_key, params=params)
    return replace(spec, text=text, trigger_key=trigger_key, action_key=action_key, params=params)


def _specs_of(playbook: Playbook) -> list[StepSpec]:
    return [StepSpec.of(step) for step in playbook.steps.order_by("order")]


def _write_steps(playbook: Playbook, specs: Sequence[StepSpec]) -> None:
    """Write the steps in order. A step continuing an earlier one of the same playbook keeps
    its lineage unless what it automates changed: whom it reached is not reached again."""
    sources = PlaybookStep.objects.filter(
        playbook__family=playbook.family, pk__in=[s.source_step_id for s in specs]
    ).in_bulk()
    PlaybookStep.objects.filter(playbook=playbook).delete()
    rows = []
    for order, spec in enumerate(specs, start=1):
        source = sources.get(spec.source_step_id) if spec.source_step_id else None
        same = source is not None and (source.trigger_key, source.action_key) == (
            spec.trigger_key,
            spec.action_key,
        )
        rows.append(
            PlaybookStep(
                playbook=playbook,
                order=order,
                type=spec.type,
                text=spec.text,
                trigger_key=spec.trigger_key,
                action_key=spec.action_key,
                params=dict(spec.params),
                lineage=source.lineage if same and source else uuid.uuid4(),
            )
        )
    PlaybookStep.objects.bulk_create(rows)


# --- playbooks and their versions -----------------------------------------------------------

CONTENT_FIELDS = ("name", "goal", "roles", "rituals", "metric_keys", "assumptions")


def _clean_content(
    *,
    name: str,
    goal: str,
    roles: Iterable[str],
    rituals: Iterable[Any],
    metric_keys: Iterable[str],
    assumptions: Iterable[Any],
) -> dict[str, Any]:
    return {
        "name": _text(name, field="name", label="a name", max_length=200),
        "goal": _text(goal, field="goal", label="a goal"),
        "roles": _roles(roles),
        "rituals": _rituals(rituals),
        "metric_keys": _metric_keys(metric_keys),
        "assumptions": _assumptions(assumptions),
    }


def _clean_slug(slug: str, *, family: uuid.UUID | None = None) -> str:
    cleaned = slugify(slug)
    if not cleaned:
        raise DomainError("A playbook needs a slug (letters, digits, hyphens).", field="slug")
    taken = Playbook.objects.filter(slug=cleaned)
    if family is not None:
        taken = taken.exclude(family=family)
    if taken.exists():
        raise DomainError(f"Another playbook already uses the slug “{cleaned}”.", field="slug")
    return cleaned


@transaction.atomic
def playbook_create(
    *,
    name: str,
    goal: str,
    slug: str = "",
    roles: Iterable[str] = (),
    rituals: Iterable[Any] = (),
    materials: Iterable[Template | int] = (),
    metric_keys: Iterable[str] = (),
    assumptions: Iterable[Any] = (),
    steps: Sequence[StepSpec] = (),
    created_by: User | None = None,
) -> Playbook:
    """A new playbook, version 1, as a draft."""
    content = _clean_content(
        name=name,
        goal=goal,
        roles=roles,
        rituals=rituals,
        metric_keys=metric_keys,
        assumptions=assumptions,
    )
    templates = _materials(materials)
    cleaned_steps = [_clean_step(spec) for spec in steps]
    playbook = Playbook.objects.create(
        **content, slug=_clean_slug(slug or name), created_by=created_by
    )
    playbook.materials.set(templates)
    _write_steps(playbook, cleaned_steps)
    return playbook


def _locked(playbook: Playbook) -> Playbook:
    return Playbook.objects.select_for_update().get(pk=playbook.pk)


def _refuse_read_only(playbook: Playbook) -> None:
    if playbook.status != PlaybookStatus.RETIRED:
        return
    newest = Playbook.objects.filter(family=playbook.family).order_by("-version").first()
    hint = f"; edit version {newest.version}" if newest and newest.pk != playbook.pk else ""
    raise DomainError(
        f"Version {playbook.version} of “{playbook.name}” is retired and read-only{hint}.",
        field="status",
        code="read_only",
    )


@transaction.atomic
def playbook_update(
    *,
    playbook: Playbook,
    by: User | None = None,
    name: str | None = None,
    slug: str | None = None,
    goal: str | None = None,
    roles: Iterable[str] | None = None,
    rituals: Iterable[Any] | None = None,
    materials: Iterable[Template | int] | None = None,
    metric_keys: Iterable[str] | None = None,
    assumptions: Iterable[Any] | None = None,
    steps: Sequence[StepSpec] | None = None,
    change_note: str = "",
) -> Playbook:
    """Change a playbook; returns the version that holds the change.

    A draft changes in place. An active playbook gets version N+1 (returned), and version N
    is retired unchanged. A change that changes nothing writes nothing.
    """
    current = _locked(playbook)
    _refuse_read_only(current)
    content = _clean_content(
        name=current.name if name is None else name,
        goal=current.goal if goal is None else goal,
        roles=current.roles if roles is None else roles,
        rituals=current.rituals if rituals is None else rituals,
        metric_keys=current.metric_keys if metric_keys is None else metric_keys,
        assumptions=current.assumptions if assumptions is None else assumptions,
    )
    templates = _materials(current.materials.all() if materials is None else materials)
    specs = [_clean_step(s) for s in steps] if steps is not None else _specs_of(current)
    new_slug = current.slug if slug is None else slugify(slug)
    if new_slug != current.slug:
        if current.status != PlaybookStatus.DRAFT:
            raise DomainError("The slug is fixed once a playbook has been active.", field="slug")
        new_slug = _clean_slug(new_slug, family=current.family)
    content["slug"] = new_slug
    if _unchanged(current, content, templates, specs):
        return current
    if current.status == PlaybookStatus.DRAFT:
        return _edit_draft(current, content, templates, specs)
    return _next_version(
        current, content=content, templates=templates, specs=specs, by=by, change_note=change_note
    )


def _unchanged(
    current: Playbook,
    content: dict[str, Any],
    templates: list[Template],
    specs: Sequence[StepSpec],
) -> bool:
    same_content = all(getattr(current, key) == value for key, value in content.items())
    same_materials = {t.pk for t in templates} == set(
        current.materials.values_list("pk", flat=True)
    )
    same_steps = [s.content() for s in specs] == [s.content() for s in _specs_of(current)]
    return same_content and same_materials and same_steps


def _edit_draft(
    draft: Playbook,
    content: dict[str, Any],
    templates: list[Template],
    specs: Sequence[StepSpec],
) -> Playbook:
    for key, value in content.items():
        setattr(draft, key, value)
    draft.save(update_fields=list(content))
    draft.materials.set(templates)
    _write_steps(draft, specs)
    return draft


def _next_version(
    current: Playbook,
    *,
    content: dict[str, Any],
    templates: list[Template],
    specs: Sequence[StepSpec],
    by: User | None,
    change_note: str,
) -> Playbook:
    """Version N+1, active, with its own automation run; version N retired as it was."""
    now = timezone.now()
    if current.status != PlaybookStatus.RETIRED:
        _retire(current, now, outcome=f"Superseded by version {current.version + 1}.")
    successor = Playbook.objects.create(
        family=current.family,
        version=current.version + 1,
        previous_version=current,
        **{**content, "slug": current.slug},
        status=PlaybookStatus.ACTIVE,
        activated_at=now,
        change_note=change_note.strip()[:300],
        created_by=by,
    )
    successor.materials.set(templates)
    _write_steps(successor, specs)
    automation_run_ensure(playbook=successor, started_by=by)
    return successor


def _retire(playbook: Playbook, now: datetime, *, outcome: str) -> None:
    playbook.status = PlaybookStatus.RETIRED
    playbook.retired_at = now
    playbook.save(update_fields=["status", "retired_at"])
    PlaybookRun.objects.filter(
        playbook=playbook, kind=RunKind.AUTOMATION, finished_at__isnull=True
    ).update(finished_at=now, outcome=outcome)


@transaction.atomic
def playbook_activate(*, playbook: Playbook, by: User | None = None) -> Playbook:
    """Put a draft to work (its automated steps start firing), or bring back the newest
    version of a retired playbook as a new version."""
    current = _locked(playbook)
    if current.status == PlaybookStatus.ACTIVE:
        return current
    specs = [_clean_step(spec) for spec in _specs_of(current)]  # the catalogue may have moved
    if not specs:
        raise DomainError("Add at least one step before activating the playbook.", field="steps")
    if current.status == PlaybookStatus.RETIRED:
        _refuse_superseded(current)
        content = {key: getattr(current, key) for key in CONTENT_FIELDS}
        return _next_version(
            current,
            content=content,
            templates=list(current.materials.all()),
            specs=specs,
            by=by,
            change_note="Brought back.",
        )
    current.status = PlaybookStatus.ACTIVE
    current.activated_at = timezone.now()
    current.save(update_fields=["status", "activated_at"])
    automation_run_ensure(playbook=current, started_by=by)
    return current


def _refuse_superseded(playbook: Playbook) -> None:
    newer = Playbook.objects.filter(family=playbook.family, version__gt=playbook.version)
    newest = newer.order_by("-version").first()
    if newest is not None:
        raise DomainError(
            f"Version {playbook.version} is history; version {newest.version} "
            f"({newest.get_status_display().lower()}) is the current one.",
            field="status",
        )


@transaction.atomic
def playbook_retire(*, playbook: Playbook, reason: str = "") -> Playbook:
    """Stop a playbook: its automation stops, delayed actions not yet done are skipped."""
    current = _locked(playbook)
    if current.status == PlaybookStatus.RETIRED:
        return current
    _retire(current, timezone.now(), outcome=reason.strip() or "Playbook retired.")
    StepExecution.objects.filter(run__playbook=current, status=ExecutionStatus.PENDING).update(
        status=ExecutionStatus.SKIPPED, error="The playbook was retired before this ran."
    )
    return current


def automation_run_ensure(*, playbook: Playbook, started_by: User | None = None) -> PlaybookRun:
    """The open automation run of an active playbook version, opened if missing."""
    run, _ = PlaybookRun.objects.get_or_create(
        playbook=playbook,
        kind=RunKind.AUTOMATION,
        finished_at__isnull=True,
        defaults={
            "name": f"{playbook.name} v{playbook.version}: automation",
            "started_by": started_by,
        },
    )
    return run


# --- steps, one at a time -------------------------------------------------------------------


def _step_at(playbook: Playbook, order: int) -> PlaybookStep:
    return playbook.steps.get(order=order)


def playbook_step_add(
    *,
    playbook: Playbook,
    type: str,
    text: str,
    trigger_key: str = "",
    action_key: str = "",
    params: Mapping[str, Any] | None = None,
    position: int | None = None,
    by: User | None = None,
) -> PlaybookStep:
    """Add a step (at the end, or at a 1-based position); on an active playbook this makes
    a new version, and the step returned belongs to it."""
    specs = _specs_of(playbook)
    index = len(specs) if position is None else max(0, min(position - 1, len(specs)))
    spec = StepSpec(type, text, trigger_key, action_key, dict(params or {}))
    specs.insert(index, spec)
    result = playbook_update(
        playbook=playbook, steps=specs, by=by, change_note=f"Added step {index + 1}."
    )
    return _step_at(result, index + 1)


def playbook_step_update(
    *,
    step: PlaybookStep,
    type: str | None = None,
    text: str | None = None,
    trigger_key: str | None = None,
    action_key: str | None = None,
    params: Mapping[str, Any] | None = None,
    by: User | None = None,
) -> PlaybookStep:
    """Change one step; on an active playbook the changed step lives in the new version."""
    specs = _specs_of(step.playbook)
    index = next(i for i, s in enumerate(specs) if s.source_step_id == step.pk)
    old = specs[index]
    specs[index] = replace(
        old,
        type=old.type if type is None else type,
        text=old.text if text is None else text,
        trigger_key=old.trigger_key if trigger_key is None else trigger_key,
        action_key=old.action_key if action_key is None else action_key,
        params=old.params if params is None else dict(params),
    )
    result = playbook_update(
        playbook=step.playbook, steps=specs, by=by, change_note=f"Changed step {index + 1}."
    )
    return _step_at(result, index + 1)


def playbook_step_remove(*, step: PlaybookStep, by: User | None = None) -> Playbook:
    specs = [s for s in _specs_of(step.playbook) if s.source_step_id != step.pk]
    return playbook_update(
        playbook=step.playbook, steps=specs, by=by, change_note=f"Removed step {step.order}."
    )


# --- runs -----------------------------------------------------------------------------------


def _events(events: Iterable[Event | int]) -> list[Event]:
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
        name=_text(name, field="name", label="a name for the run", max_length=200),
        started_by=started_by,
        started_at=started_at or timezone.now(),
    )
    run.events.set(_events(events))
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
        run.name = _text(name, field="name", label="a name for the run", max_length=200)
        run.save(update_fields=["name"])
    if events is not None:
        run.events.set(_events(events))
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
    note: str = "",
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
    item.note = note.strip()[:300] or item.note
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
    run.outcome = _text(outcome, field="outcome", label="an outcome (what happened)")
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
        title=_text(title, field="title", label="a title", max_length=300),
        due_at=due_at,
        champion=champion,
        notes=notes.strip(),
        assigned_to=assigned_to,
    )


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
