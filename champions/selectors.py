"""Reads of the champions core that more than one door needs."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from champions.models import Champion, ConsentRecord, ConsentScope


def consents_current(*, champion: Champion, at: datetime | None = None) -> dict[str, bool]:
    """Whether each scope's consent is granted at `at` (now by default): its latest record."""
    at = at or timezone.now()
    state = dict.fromkeys(ConsentScope.values, False)
    seen: set[str] = set()
    records = ConsentRecord.objects.filter(champion=champion, recorded_at__lte=at)
    for record in records.order_by("-recorded_at", "-id").only("scope", "granted"):
        if record.scope not in seen:
            seen.add(record.scope)
            state[record.scope] = record.granted
    return state


def consent_history(*, champion: Champion) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(champion=champion).select_related("actor")


def referral_chain(*, champion: Champion) -> list[Champion]:
    """Who invited whom, from the first inviter down to this champion."""
    chain = [champion]
    seen = {champion.pk}
    current = champion
    while current.invited_by_id is not None and current.invited_by_id not in seen:
        current = Champion.objects.get(pk=current.invited_by_id)
        seen.add(current.pk)
        chain.append(current)
    return list(reversed(chain))
