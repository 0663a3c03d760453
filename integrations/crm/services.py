"""The CRM integration's own actions: sync, re-drive, refresh, erase, import, provision.

Tasks, management commands and the admin page are thin doors into these.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from champions.models import Champion
from integrations.crm.gateway import crm_gateway
from integrations.crm.inbound import ImportCounts, apply_remote
from integrations.crm.mapping import live_object_ids
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus, SyncState
from integrations.crm.outbox import crm_mark_dirty, mark_entries, nudge_sync
from integrations.crm.ports import (
    CrmError,
    CrmGateway,
    ProvisionStep,
    RemoteType,
    SyncCounts,
)
from integrations.crm.sync import SyncEngine, SyncPolicy
from programs.references.models import Attribution

logger = logging.getLogger(__name__)

REFRESH_CHUNK = 2000


class CrmNotConnected(CrmError):
    """No CRM is configured (for HubSpot: HUBSPOT_ACCESS_TOKEN is empty)."""


def _gateway() -> CrmGateway:
    gateway = crm_gateway()
    if gateway is None:
        raise CrmNotConnected("No CRM is connected: set HUBSPOT_ACCESS_TOKEN (docs/hubspot.md).")
    return gateway


def sync_policy(gateway: CrmGateway) -> SyncPolicy:
    """A claim lasts long enough for its call to time out twice, plus a window's wait."""
    return SyncPolicy(
        batch_size=gateway.batch_size, lease_seconds=2 * gateway.max_call_seconds + 20
    )


# --- syncing ------------------------------------------------------------------------------


def crm_sync(
    *,
    trigger: str,
    seconds: float | None = None,
    wait_for_retries: bool = False,
    resend: bool = False,
    workers: int = 1,
    policy: SyncPolicy | None = None,
    on_batch: Callable[[SyncCounts], None] | None = None,
    as_of: datetime | None = None,
) -> SyncCounts:
    """Send what is due (for at most `seconds`), in `workers` threads sharing the rate limit.

    Records the pass on the admin page's `SyncState`. Raises `CrmNotConnected` without a CRM.
    """
    _gateway()
    if connection.vendor == "sqlite":
        workers = 1  # one writer at a time: threads would only wait for each other's locks
    deadline = time.monotonic() + seconds if seconds is not None else None
    _state_started()
    engines: list[SyncEngine] = []
    lock = threading.Lock()

    def report(_: SyncCounts) -> None:
        if on_batch is not None:
            with lock:
                on_batch(_total(engines))

    def work() -> None:
        gateway = _gateway()
        engine = SyncEngine(
            gateway,
            policy=policy or sync_policy(gateway),
            resend=resend,
            on_batch=report,
            as_of=as_of,
        )
        with lock:
            engines.append(engine)
        engine.run(deadline=deadline, wait_for_retries=wait_for_retries)

    if workers <= 1:
        work()
    else:
        threads = [
            threading.Thread(target=_in_thread(work), name=f"crm-sync-{i}") for i in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    counts = _total(engines)
    _state_finished(trigger, counts)
    return counts


def _in_thread(fn: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except Exception:
            logger.exception("CRM sync thread failed")
        finally:
            connection.close()  # this thread's own connection

    return run


def _total(engines: list[SyncEngine]) -> SyncCounts:
    total = SyncCounts()
    for engine in engines:
        total.add(engine.counts)
    return total


def _state_started() -> None:
    SyncState.objects.get_or_create(pk=1)
    SyncState.objects.filter(pk=1).update(last_started_at=timezone.now())


def _state_finished(trigger: str, counts: SyncCounts) -> None:
    now = timezone.now()
    changes: dict[str, object] = {
        "last_finished_at": now,
        "last_counts": {"trigger": trigger, **counts.as_dict()},
    }
    if counts.errors:
        changes.update(last_error=counts.errors[-1][:2000], last_error_at=now)
    elif counts.sent:
        changes["last_success_at"] = now
    SyncState.objects.filter(pk=1).update(**changes)


def crm_redrive(*, entry_ids: list[int] | None = None) -> int:
    """Dead entries (all, or these) are due again with a clean slate; returns how many."""
    dead = OutboxEntry.objects.filter(status=OutboxStatus.DEAD)
    if entry_ids is not None:
        dead = dead.filter(pk__in=entry_ids)
    count = dead.update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_until=None
    )
    if count:
        transaction.on_commit(nudge_sync)
    return count


def crm_mark_all() -> int:
    """Mark every live champion, account and linked deal, and every dead erasure: a full sync
    (unchanged payloads still cost no call). The nightly refresh, since engagement decays and
    availability frees up with time alone; it also re-arms what died during an outage."""
    total = 0
    for object_type in (ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL):
        ids = live_object_ids(object_type)
        for start in range(0, len(ids), REFRESH_CHUNK):
            chunk = ids[start : start + REFRESH_CHUNK]
            with transaction.atomic():
                mark_entries([(object_type, i) for i in chunk])
            total += len(chunk)
    # An erasure that died during a long outage is tried again too: a GDPR delete is owed.
    erasures = OutboxEntry.objects.filter(object_type=ObjectType.ERASURE, status=OutboxStatus.DEAD)
    with transaction.atomic():
        mark_entries(
            [(ObjectType.ERASURE, i) for i in erasures.values_list("object_id", flat=True)]
        )
    links = list(Attribution.objects.values_list("pk", flat=True))
    for start in range(0, len(links), REFRESH_CHUNK):
        with transaction.atomic():
            mark_entries(
                [(ObjectType.REFERENCE_LINK, i) for i in links[start : start + REFRESH_CHUNK]]
            )
    return total + len(links)


# --- erasure ------------------------------------------------------------------------------


def crm_erase_contact(champion_id: int) -> None:
    """Queue the removal of a champion's CRM contact (GDPR delete, or blanking our properties
    when HUBSPOT_KEEP_CONTACT_ON_ERASURE is set). Call it inside the erasure's transaction,
    before the email is masked: the entry keeps the CRM id and the address until it is done.
    The champion's account and the deals they gave references for are re-sent without them.
    """
    champion = Champion.objects.filter(pk=champion_id).first()
    if champion is None:
        return
    crm_id = champion.crm_id or _known_contact_id(champion)
    mark_entries([(ObjectType.ERASURE, champion.pk)], data={"email": champion.email.lower()})
    OutboxEntry.objects.filter(object_type=ObjectType.ERASURE, object_id=champion.pk).update(
        crm_id=crm_id
    )
    OutboxEntry.objects.filter(object_type=ObjectType.CONTACT, object_id=champion.pk).update(
        status=OutboxStatus.SKIPPED, last_error="Erased.", claimed_until=None
    )
    deals = Attribution.objects.filter(champion_id=champion.pk).values_list("deal_id", flat=True)
    crm_mark_dirty(account_ids=[champion.account_id], deal_ids=set(deals))
    transaction.on_commit(nudge_sync)


def _known_contact_id(champion: Champion) -> str:
    entry = OutboxEntry.objects.filter(
        object_type=ObjectType.CONTACT, object_id=champion.pk
    ).values_list("crm_id", flat=True)
    return next(iter(entry), "") or ""


# --- import and provisioning --------------------------------------------------------------


@dataclass
class ImportReport:
    counts: dict[str, ImportCounts]
    api_calls: int
    pages: int


def crm_import(
    *,
    since: datetime | None = None,
    types: tuple[RemoteType, ...] = ("company", "contact", "deal"),
    on_page: Callable[[str, ImportCounts], None] | None = None,
) -> ImportReport:
    """Page through the CRM's companies, contacts and deals (all, or modified since `since`):
    link accounts and champions to their CRM ids and mirror deals for attribution."""
    gateway = _gateway()
    calls_before, pages = gateway.api_calls, 0
    report: dict[str, ImportCounts] = {}
    for object_type in types:
        total = ImportCounts()
        cursor: str | None = None
        while True:
            page = gateway.read_changes(object_type, since=since, cursor=cursor)
            pages += 1
            counts = apply_remote(page.objects)
            total.seen += counts.seen
            total.linked += counts.linked
            total.created += counts.created
            total.updated += counts.updated
            if on_page is not None:
                on_page(object_type, total)
            cursor = page.next_cursor
            if not cursor:
                break
        report[object_type] = total
    _record_import()
    return ImportReport(counts=report, api_calls=gateway.api_calls - calls_before, pages=pages)


def _record_import() -> None:
    from django.apps import apps

    if apps.is_installed("integrations.hubspot"):
        state_model = apps.get_model("hubspot", "PortalState")
        state_model.objects.update_or_create(pk=1, defaults={"last_import_at": timezone.now()})


def crm_provision(*, dry_run: bool = False) -> list[ProvisionStep]:
    return _gateway().provision(dry_run=dry_run)


# --- status -------------------------------------------------------------------------------


@dataclass
class IntegrationStatus:
    connected: bool
    gateway_name: str
    pending: int
    due: int
    dead: int
    state: SyncState
    rate_used: int | None
    rate_limit: int | None
    rate_paused_for: float
    rate_error: str
    recent_errors: list[OutboxEntry]


def crm_status() -> IntegrationStatus:
    gateway = crm_gateway()
    now = timezone.now()
    state, _ = SyncState.objects.get_or_create(pk=1)
    used = limit = None
    paused, rate_error = 0.0, ""
    if gateway is not None:
        try:
            use = gateway.rate_limit_use()
            used, limit, paused = use.used, use.limit, use.paused_for
        except Exception as error:  # the page must render even when Redis is down
            rate_error = f"{error.__class__.__name__}: {error}"
    pending = OutboxEntry.objects.filter(status=OutboxStatus.PENDING)
    return IntegrationStatus(
        connected=gateway is not None,
        gateway_name=gateway.name if gateway is not None else "",
        pending=pending.count(),
        due=pending.filter(next_attempt_at__lte=now).count(),
        dead=OutboxEntry.objects.filter(status=OutboxStatus.DEAD).count(),
        state=state,
        rate_used=used,
        rate_limit=limit,
        rate_paused_for=paused,
        rate_error=rate_error,
        recent_errors=list(
            OutboxEntry.objects.filter(
                Q(status=OutboxStatus.DEAD) | Q(status=OutboxStatus.PENDING, attempts__gt=0)
            )
            .exclude(last_error="")
            .order_by("-next_attempt_at")[:10]
        ),
    )
