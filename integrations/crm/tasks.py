"""Celery tasks of the CRM sync: nudged after each commit that marks the outbox, and run by
beat every minute (the safety net when a nudge was lost, e.g. the broker was down)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError, connection

from integrations.crm.outbox import NUDGE_KEY
from integrations.crm.services import CrmNotConnected, crm_mark_all, crm_sync

# A task drains for at most this long (well inside the 240 s soft time limit); whatever is
# left is taken by the next nudge or the next beat run a minute later.
DRAIN_SECONDS = 50.0

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sync_outbox(*, trigger: str = "beat") -> dict[str, Any]:
    """Send every due outbox entry; wait (within the drain time) for entries another worker
    holds or that back off briefly, so a worker killed mid-batch is made good quickly."""
    # Cleared first: a commit from now on queues a task of its own (outbox.nudge_sync).
    cache.delete(NUDGE_KEY)
    try:
        counts = crm_sync(trigger=trigger, seconds=DRAIN_SECONDS, wait_for_retries=True)
    except CrmNotConnected:
        return {"connected": False}
    except DatabaseError as error:
        # PostgreSQL restarted or failed over mid-pass: entries claimed in this pass stay
        # claimed until their lease ends, then the next beat run (or nudge) sends them again.
        connection.close()
        log.warning("CRM sync stopped, the database went away; the next run resumes: %s", error)
        return {"database": "unavailable"}
    return counts.as_dict()


@shared_task(ignore_result=True)
def refresh_all() -> int:
    """Nightly: re-check every object; engagement decays and availability frees up with time."""
    marked = crm_mark_all()
    sync_outbox.apply_async(kwargs={"trigger": "refresh"})
    return marked
