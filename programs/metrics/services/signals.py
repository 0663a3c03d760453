"""Qualitative signals that explain the numbers: interview notes with quotes, drop-off
hypotheses beside the funnel. ("Signals" as in the brief, not Django signals.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from champions.errors import DomainError
from champions.models import Champion, User
from programs.metrics import registry
from programs.metrics.models import (
    DropOffHypothesis,
    Experiment,
    FunnelStep,
    HypothesisStatus,
    InterviewNote,
    Quote,
)


@dataclass(frozen=True)
class QuoteInput:
    text: str
    metric_key: str = ""
    funnel_step: str = ""


def _check_tags(metric_key: str, funnel_step: str) -> None:
    if metric_key:
        registry.metric(metric_key)
    if funnel_step and funnel_step not in FunnelStep.values:
        steps = ", ".join(FunnelStep.values)
        raise DomainError(f"“{funnel_step}” is not a funnel step ({steps}).", field="funnel_step")


@transaction.atomic
def interview_note_record(
    *,
    interviewed_on: date,
    summary: str,
    champion: Champion | None = None,
    interviewer: User | None = None,
    friction: str = "",
    quotes: Sequence[QuoteInput] = (),
) -> InterviewNote:
    """A monthly interview: its summary, the friction found, and quotes tagged to the
    metric keys or funnel steps they explain."""
    if not summary.strip():
        raise DomainError("Summarize the interview in a few sentences.", field="summary")
    for quote in quotes:
        if not quote.text.strip():
            raise DomainError("A quote needs its words.", field="quotes")
        _check_tags(quote.metric_key, quote.funnel_step)
    note = InterviewNote.objects.create(
        champion=champion,
        interviewed_on=interviewed_on,
        interviewer=interviewer,
        summary=summary.strip(),
        friction=friction.strip(),
    )
    Quote.objects.bulk_create(
        Quote(
            note=note,
            text=quote.text.strip(),
            metric_key=quote.metric_key,
            funnel_step=quote.funnel_step,
        )
        for quote in quotes
    )
    return note


@transaction.atomic
def dropoff_hypothesis_record(
    *,
    funnel_step: str,
    statement: str,
    evidence: str = "",
    created_by: User | None = None,
    experiment: Experiment | None = None,
) -> DropOffHypothesis:
    """Why people do not reach a funnel step, stated so that it can be tested."""
    if funnel_step not in FunnelStep.values or funnel_step == FunnelStep.INVITED:
        raise DomainError(
            "Name the step people do not reach (joined … leader).", field="funnel_step"
        )
    if not statement.strip():
        raise DomainError("State the hypothesis.", field="statement")
    return DropOffHypothesis.objects.create(
        funnel_step=funnel_step,
        statement=statement.strip(),
        evidence=evidence.strip(),
        created_by=created_by,
        experiment=experiment,
        status=HypothesisStatus.TESTING if experiment else HypothesisStatus.OPEN,
    )


def interview_notes_erase(*, champion: Champion) -> int:
    """Erasure: the interview notes about the champion (and their quotes) are removed."""
    deleted, _ = InterviewNote.objects.filter(champion=champion).delete()
    return deleted
