"""Reads about one case: its steps, the member's ladder, and the case page's data."""

from __future__ import annotations

from django.db.models import Q

from champions.models import Champion
from programs.governance.models import (
    LADDER,
    STEP_ORDER,
    CaseStep,
    Consequence,
    ConsequenceKind,
    ModerationCase,
    StepKind,
)


def steps_recorded(*, case: ModerationCase) -> dict[str, CaseStep]:
    return {step.kind: step for step in case.steps.all()}


def next_step(*, case: ModerationCase) -> str | None:
    """The guide's next step for this case; None once all five are recorded."""
    done = steps_recorded(case=case)
    return next((kind for kind in STEP_ORDER if kind not in done), None)


def steps_before(kind: str) -> tuple[str, ...]:
    return STEP_ORDER[: STEP_ORDER.index(StepKind(kind))]


def ladder_history(*, member: Champion) -> list[Consequence]:
    """The person's consequences that still count (not lifted on appeal), oldest first."""
    same = Q(member=member)
    if member.user_id is not None:
        same |= Q(member__user_id=member.user_id)
    return list(
        Consequence.objects.filter(same, lifted_at__isnull=True)
        .select_related("case")
        .order_by("starts_at", "pk")
    )


def ladder_next(*, member: Champion) -> str:
    """The next rung: one above the highest that counts, a note for a first time, removal at
    the top."""
    rungs = [LADDER.index(ConsequenceKind(c.kind)) for c in ladder_history(member=member)]
    if not rungs:
        return LADDER[0]
    return LADDER[min(max(rungs) + 1, len(LADDER) - 1)]
