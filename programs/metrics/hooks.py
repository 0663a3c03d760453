"""The metrics' part in a champion's data rights (registered in `MetricsConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from champions.models import Champion, User
from programs.metrics import services
from programs.metrics.models import InterviewNote


def erase_champion(champion: Champion, actor: User | None) -> None:
    """Erasure: their interview notes go, and every snapshot their facts were part of is
    marked stale and computed again without them (the most recent at once, after commit)."""
    services.interview_notes_erase(champion=champion)
    if services.snapshots_mark_stale(champion=champion):
        from programs.metrics.tasks import refresh_stale_snapshots

        transaction.on_commit(refresh_stale_snapshots.delay)


def export_interview_notes(champions: list[Champion]) -> list[dict[str, Any]]:
    """The interview notes about the person, with their quotes, for their data export."""
    notes = InterviewNote.objects.filter(champion__in=champions).prefetch_related("quotes")
    return [
        {
            "interviewed_on": note.interviewed_on.isoformat(),
            "summary": note.summary,
            "friction": note.friction,
            "quotes": [quote.text for quote in note.quotes.all()],
        }
        for note in notes
    ]
