"""Cleaning what the program team wrote: playbook content and steps.

Each function returns the cleaned value or raises `DomainError` naming the field to fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.text import slugify

from champions.errors import DomainError
from programs.library.models import Template
from programs.playbooks import automation
from programs.playbooks.metric_keys import METRIC_KEYS
from programs.playbooks.models import Playbook, PlaybookRole, PlaybookStep, StepType

CONTENT_FIELDS = ("name", "goal", "roles", "rituals", "metric_keys", "assumptions")


def required_text(value: str | None, *, field: str, label: str, max_length: int = 0) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise DomainError(f"Write {label}.", field=field)
    if max_length and len(cleaned) > max_length:
        raise DomainError(f"Keep {label} under {max_length} characters.", field=field)
    return cleaned


def clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for role in roles:
        if role not in PlaybookRole.values:
            known = ", ".join(PlaybookRole.values)
            raise DomainError(f"“{role}” is not a role (known: {known}).", field="roles")
        if role not in cleaned:
            cleaned.append(role)
    return cleaned


def clean_rituals(rituals: Iterable[Mapping[str, str] | str]) -> list[dict[str, str]]:
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


def clean_assumptions(assumptions: Iterable[Mapping[str, str] | str]) -> list[dict[str, str]]:
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


def clean_metric_keys(keys: Iterable[str]) -> list[str]:
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


def clean_materials(materials: Iterable[Template | int]) -> list[Template]:
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


def clean_step(spec: StepSpec) -> StepSpec:
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


def specs_of(playbook: Playbook) -> list[StepSpec]:
    return [StepSpec.of(step) for step in playbook.steps.order_by("order")]


def write_steps(playbook: Playbook, specs: Sequence[StepSpec]) -> None:
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


def clean_content(
    *,
    name: str,
    goal: str,
    roles: Iterable[str],
    rituals: Iterable[Any],
    metric_keys: Iterable[str],
    assumptions: Iterable[Any],
) -> dict[str, Any]:
    return {
        "name": required_text(name, field="name", label="a name", max_length=200),
        "goal": required_text(goal, field="goal", label="a goal"),
        "roles": clean_roles(roles),
        "rituals": clean_rituals(rituals),
        "metric_keys": clean_metric_keys(metric_keys),
        "assumptions": clean_assumptions(assumptions),
    }


def clean_slug(slug: str, *, family: uuid.UUID | None = None) -> str:
    cleaned = slugify(slug)
    if not cleaned:
        raise DomainError("A playbook needs a slug (letters, digits, hyphens).", field="slug")
    taken = Playbook.objects.filter(slug=cleaned)
    if family is not None:
        taken = taken.exclude(family=family)
    if taken.exists():
        raise DomainError(f"Another playbook already uses the slug “{cleaned}”.", field="slug")
    return cleaned
