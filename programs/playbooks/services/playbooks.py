"""Playbooks and their versions.

A draft is edited in place. Editing an active playbook writes version N+1 (active at once,
with its own automation run) and retires version N, which stays readable and unchanged.
Retired versions are read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from champions.errors import DomainError
from champions.models import User
from programs.library.models import Template
from programs.playbooks.models import (
    ExecutionStatus,
    Playbook,
    PlaybookRun,
    PlaybookStatus,
    PlaybookStep,
    RunKind,
    StepExecution,
)
from programs.playbooks.services.content import (
    CONTENT_FIELDS,
    StepSpec,
    clean_content,
    clean_materials,
    clean_slug,
    clean_step,
    specs_of,
    write_steps,
)


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
    content = clean_content(
        name=name,
        goal=goal,
        roles=roles,
        rituals=rituals,
        metric_keys=metric_keys,
        assumptions=assumptions,
    )
    templates = clean_materials(materials)
    cleaned_steps = [clean_step(spec) for spec in steps]
    playbook = Playbook.objects.create(
        **content, slug=clean_slug(slug or name), created_by=created_by
    )
    playbook.materials.set(templates)
    write_steps(playbook, cleaned_steps)
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
    content = clean_content(
        name=current.name if name is None else name,
        goal=current.goal if goal is None else goal,
        roles=current.roles if roles is None else roles,
        rituals=current.rituals if rituals is None else rituals,
        metric_keys=current.metric_keys if metric_keys is None else metric_keys,
        assumptions=current.assumptions if assumptions is None else assumptions,
    )
    templates = clean_materials(current.materials.all() if materials is None else materials)
    specs = [clean_step(s) for s in steps] if steps is not None else specs_of(current)
    new_slug = current.slug if slug is None else slugify(slug)
    if new_slug != current.slug:
        if current.status != PlaybookStatus.DRAFT:
            raise DomainError("The slug is fixed once a playbook has been active.", field="slug")
        new_slug = clean_slug(new_slug, family=current.family)
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
    same_steps = [s.content() for s in specs] == [s.content() for s in specs_of(current)]
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
    write_steps(draft, specs)
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
    write_steps(successor, specs)
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
    specs = [clean_step(spec) for spec in specs_of(current)]  # the catalogue may have moved
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
    specs = specs_of(playbook)
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
    specs = specs_of(step.playbook)
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
    specs = [s for s in specs_of(step.playbook) if s.source_step_id != step.pk]
    return playbook_update(
        playbook=step.playbook, steps=specs, by=by, change_note=f"Removed step {step.order}."
    )
