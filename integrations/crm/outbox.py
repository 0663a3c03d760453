"""`crm_mark_dirty`: the one call a service makes when it changes what the CRM shows.

It writes (or re-arms) outbox entries in the caller's transaction and asks for a sync once
that transaction commits. If the broker is down at that moment the entries are still in the
database and the beat schedule picks them up (RELIABILITY.md 17, 18).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus

logger = logging.getLogger(__name__)

NUDGE_KEY = "crm:sync-nudged"
# Commits within this many seconds share one sync task; the task clears the key as it starts,
# so a commit after that start always gets a task of its own.
NUDGE_SECONDS = 5


def crm_mark_dirty(
    *,
    champion_ids: Iterable[int | None] = (),
    account_ids: Iterable[int | None] = (),
    deal_ids: Iterable[int | None] = (),
) -> None:
    """The CRM copies of these champions, accounts and deals (and the deals' reference links)
    may be out of date. Call it inside the transaction that changed them."""
    from integrations.crm.mapping import reference_link_ids

    deals = [i for i in deal_ids if i]
    keys = [
        *((ObjectType.CONTACT, i) for i in champion_ids if i),
        *((ObjectType.COMPANY, i) for i in account_ids if i),
        *((ObjectType.DEAL, i) for i in deals),
        *((ObjectType.REFERENCE_LINK, i) for i in (reference_link_ids(deals) if deals else ())),
    ]
    if keys:
        mark_entries(keys)
        transaction.on_commit(nudge_sync)


def mark_entries(keys: Iterable[tuple[str, int]], *, data: dict[str, str] | None = None) -> None:
    """Insert missing entries, then re-arm every one with a new change token.

    An entry backing off after CRM failures keeps its schedule (a change does not make a
    failing CRM work again); a sent, skipped or dead one is due at once.
    """
    grouped: dict[str, set[int]] = defaultdict(set)
    for object_type, object_id in keys:
        grouped[object_type].add(int(object_id))
    if not grouped:
        return
    now, token = timezone.now(), uuid.uuid4().hex
    OutboxEntry.objects.bulk_create(
        [
            OutboxEntry(
                object_type=object_type,
                object_id=object_id,
                change_token=token,
                marked_at=now,
                next_attempt_at=now,
                data=data or {},
            )
            for object_type, ids in grouped.items()
            for object_id in sorted(ids)
        ],
        ignore_conflicts=True,
    )
    backing_off = Q(status=OutboxStatus.PENDING, attempts__gt=0)
    changes: dict[str, object] = {
        "status": OutboxStatus.PENDING,
        "change_token": token,
        "marked_at": now,
        "next_attempt_at": Case(When(backing_off, then=F("next_attempt_at")), default=Value(now)),
        "attempts": Case(When(backing_off, then=F("attempts")), default=Value(0)),
    }
    if data is not None:
        changes["data"] = data
    match = reduce(or_, (Q(object_type=t, object_id__in=ids) for t, ids in grouped.items()))
    OutboxEntry.objects.filter(match).update(**changes)


def nudge_sync() -> None:
    """Ask a worker for a sync pass soon; never fails the caller (the beat is the safety net)."""
    from integrations.crm.gateway import crm_gateway
    from integrations.crm.tasks import sync_outbox

    if crm_gateway() is None or not cache.add(NUDGE_KEY, "1", NUDGE_SECONDS):
        return
    try:
        sync_outbox.apply_async(kwargs={"trigger": "nudge"}, retry=False)
    except Exception:
        # Broker down: the entries are committed, the beat schedule sends them later.
        cache.delete(NUDGE_KEY)
        logger.warning("CRM sync nudge not queued; the beat schedule will send it", exc_info=True)
