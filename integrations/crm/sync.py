"""The sync engine: claim due outbox entries, send what changed in batches, record outcomes.

A pass, per object type (contacts, companies, deals, reference links, erasures):

1. claim up to a batch of due entries in a short transaction (`select_for_update(skip_locked)`
   and a lease in `claimed_until`), so concurrent workers never take the same rows; on
   PostgreSQL the claims of one type take turns, so two workers never split a part batch;
2. map them to CRM-neutral records and hash each payload; an unchanged hash is settled at
   once without any call, and claiming goes on until a full batch has changed (so 1 % of
   changes scattered over 50,000 entries still goes out in full batches);
3. send one batch call; store the CRM ids on the entries and the domain objects.

Failures are handled for what they are: a record the CRM refuses is dead with the CRM's
message; a rate limit waits as long as the CRM says and costs no attempt; 5xx, timeouts and
refused connections back off exponentially with jitter up to a cap, then the entry is dead;
a request refused as a whole is split in halves to find the record at fault. Dead entries
stay until re-driven. A change made while its batch was in flight is sent again: an entry is
marked sent only if its change token is still the one that was claimed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Field, Min, Model, Q
from django.utils import timezone

from champions.models import Account, Champion
from integrations.crm.mapping import Mapped, Skip, Wait, load_records
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.ports import (
    CompanyRecord,
    ContactRecord,
    CrmAuthError,
    CrmGateway,
    CrmRateLimited,
    CrmRecord,
    CrmRejected,
    CrmUnavailable,
    DealRecord,
    RecordOutcome,
    ReferenceLinkRecord,
    SyncCounts,
)

logger = logging.getLogger(__name__)

# A run waits for an entry due again within this long; later ones are the next run's.
MAX_WAIT_SECONDS = 15.0

ORDER = (
    ObjectType.CONTACT,
    ObjectType.COMPANY,
    ObjectType.DEAL,
    ObjectType.REFERENCE_LINK,
    ObjectType.ERASURE,
)
# The claim on PostgreSQL: the due, unclaimed entries of a type, oldest first, skipping rows
# another worker is claiming at this moment (the ORM's select_for_update, then an UPDATE).
_CLAIM_SQL = f"""
UPDATE {OutboxEntry._meta.db_table} SET claimed_until = %s WHERE id IN (
    SELECT id FROM {OutboxEntry._meta.db_table}
    WHERE object_type = %s AND status = '{OutboxStatus.PENDING.value}' AND next_attempt_at <= %s
        AND (claimed_until IS NULL OR claimed_until < %s)
    ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED
) RETURNING *
"""  # noqa: S608 (names and the status come from the model, values are parameters)
# Claims of one type take turns (a transaction-scoped advisory lock, class id below): with
# SKIP LOCKED alone, a second worker's claim skips only the rows the first has locked so far,
# so two workers starting together would split a handful of due entries into two part
# batches, one call each, where one claim would have taken them all.
_CLAIM_LOCK_CLASS = 0x43524D  # "CRM"
_FIELDS = [
    "status",
    "attempts",
    "next_attempt_at",
    "claimed_until",
    "crm_id",
    "last_hash",
    "last_error",
    "sent_at",
    "data",
]


@dataclass(frozen=True)
class SyncPolicy:
    """Batching and retry rules; the defaults are the production ones."""

    batch_size: int = 100
    max_attempts: int = 8
    backoff_base: float = 10.0
    backoff_cap: float = 1800.0
    lease_seconds: float = 120.0
    wait_retry_seconds: float = 60.0
    auth_retry_seconds: float = 300.0

    def backoff(self, attempts: int) -> float:
        """Exponential with "equal jitter": half fixed, half random, capped."""
        delay = min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempts - 1))
        return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 (jitter, not security)


@dataclass
class _Claim:
    entry: OutboxEntry
    record: CrmRecord
    digest: str


class _Stop(Exception):
    """Nothing more can be sent in this pass (credentials refused)."""


@dataclass
class _Settle:
    """The new state of one claimed entry."""

    entry: OutboxEntry
    status: str
    note: str = ""
    crm_id: str | None = None
    digest: str | None = None
    delay: float = 0.0
    attempts: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


class _Inline:
    """An executor that runs the work at once, on this thread."""

    def submit(self, fn: Callable[..., None], *args: Any) -> Future[None]:
        future: Future[None] = Future()
        try:
            fn(*args)
            future.set_result(None)
        except Exception as error:
            future.set_exception(error)
        return future


class _Thread:
    """An executor of one thread, started on first use; it closes its own database
    connection (the rate limiter's, or the bookkeeping's) when done."""

    def __init__(self) -> None:
        self.pool: ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[..., None], *args: Any) -> Future[None]:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-send")
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.submit(connections.close_all)
            self.pool.shutdown(wait=True)


@contextmanager
def _sender() -> Iterator[_Thread | _Inline]:
    """Where batches are sent and their outcomes recorded: a thread of their own (with its
    own database connection), so the rate limiter's waits, the HTTP round trip and the
    bookkeeping overlap the claiming and mapping of the next batch. On this thread when
    another connection could not see this one's rows (inside a transaction, as in tests)
    or would wait for its locks (SQLite)."""
    if connection.vendor == "sqlite" or connection.in_atomic_block:
        yield _Inline()
        return
    thread = _Thread()
    try:
        yield thread
    finally:
        thread.close()


def digest(payload: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def record_crm_id(record: CrmRecord) -> str:
    if isinstance(record, ReferenceLinkRecord):
        return f"{record.deal_crm_id}-{record.contact_crm_id}"
    return record.crm_id


class SyncEngine:
    """One worker's view of the outbox. Safe to run in many processes and threads at once."""

    def __init__(
        self,
        gateway: CrmGateway,
        *,
        policy: SyncPolicy | None = None,
        resend: bool = False,
        on_batch: Callable[[SyncCounts], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        as_of: datetime | None = None,
    ) -> None:
        self.gateway = gateway
        # The moment figures are computed at; None: the moment each batch is mapped. A fixed
        # one makes two passes comparable (engagement decays with time alone).
        self.as_of = as_of
        self.policy = policy or SyncPolicy(batch_size=gateway.batch_size)
        self.resend = resend
        self.on_batch = on_batch
        self.sleep = sleep
        self.counts = SyncCounts()
        self._counting = threading.Lock()  # batches are mapped and sent on two threads

    # --- the pass -------------------------------------------------------------------------

    def run(
        self,
        *,
        deadline: float | None = None,
        wait_for_retries: bool = False,
        types: Sequence[str] = ORDER,
    ) -> SyncCounts:
        """Send everything due, type by type, until nothing is due or `deadline` (monotonic).

        With `wait_for_retries`, an entry due again within `MAX_WAIT_SECONDS` (a short backoff,
        a rate-limit window) is waited for while the deadline allows; anything later is left to
        the next run, so a worker never sits out a long outage. Entries another worker holds
        are that worker's; if it died, their lease ends and a later run takes them.
        """
        calls_before = self.gateway.api_calls
        try:
            while not self._expired(deadline):
                worked = any([self._drain(t, deadline) for t in types])
                if worked:
                    continue
                if not wait_for_retries or not self._wait_for_next_due(types, deadline):
                    break
        except _Stop:
            pass
        finally:
            self.counts.api_calls = self.gateway.api_calls - calls_before
        return self.counts

    def _drain(self, object_type: str, deadline: float | None) -> bool:
        if object_type == ObjectType.ERASURE:
            return self._drain_erasures(deadline)
        worked = False
        with _sender() as sender:
            in_flight: Future[None] | None = None
            try:
                while not self._expired(deadline):
                    # The next batch is claimed and mapped while the last one is on its way.
                    ready, settled = self._collect(object_type)
                    worked = worked or settled
                    if in_flight is not None:
                        landing, in_flight = in_flight, None
                        self._landed(landing, then_release=ready)
                        if ready and len(ready) < self.policy.batch_size:
                            # A part batch waits for the one in flight and takes along what
                            # came due meanwhile: a steady trickle of changes then costs
                            # fewer calls of the rate limit's window.
                            ready, settled = self._collect(object_type, ready)
                            worked = worked or settled
                    if not ready:
                        break
                    in_flight = sender.submit(self._send, object_type, ready)
                    worked = True
            finally:
                if in_flight is not None:
                    self._landed(in_flight, then_release=[])
        return worked

    def _landed(self, sent: Future[None], *, then_release: list[_Claim]) -> None:
        """Wait for the batch in flight. If its answer ends the pass (credentials refused),
        the batch claimed meanwhile waits with the rest instead of holding its lease."""
        try:
            sent.result()
        except _Stop as stop:
            self._settle(
                [
                    _Settle(
                        c.entry,
                        OutboxStatus.PENDING,
                        str(stop),
                        delay=self.policy.auth_retry_seconds,
                        attempts=c.entry.attempts,
                    )
                    for c in then_release
                ]
            )
            raise

    def _drain_erasures(self, deadline: float | None) -> bool:
        worked = False
        while not self._expired(deadline):
            entries = self._claim(ObjectType.ERASURE, self.policy.batch_size)
            if not entries:
                break
            self._erase(entries)
            worked = True
            self._report()
        return worked

    def _count(self, *, error: str = "", **deltas: int) -> None:
        with self._counting:
            for name, delta in deltas.items():
                setattr(self.counts, name, getattr(self.counts, name) + delta)
            if error:
                self.counts.errors.append(error)

    def _report(self) -> None:
        if self.on_batch is not None:
            self.on_batch(self.counts)

    @staticmethod
    def _expired(deadline: float | None) -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def _wait_for_next_due(self, types: Sequence[str], deadline: float | None) -> bool:
        now = timezone.now()
        free = OutboxEntry.objects.filter(status=OutboxStatus.PENDING, object_type__in=types)
        free = free.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        first = free.aggregate(first=Min("next_attempt_at"))["first"]
        if first is None:
            return False
        pause = max(0.0, (first - now).total_seconds()) + 0.05
        if pause > MAX_WAIT_SECONDS:
            return False
        if deadline is not None and time.monotonic() + pause >= deadline:
            return False
        self.sleep(pause)
        return True

    # --- claiming and mapping -------------------------------------------------------------

    def _claim(self, object_type: str, limit: int) -> list[OutboxEntry]:
        now = timezone.now()
        lease = now + timedelta(seconds=self.policy.lease_seconds)
        if connection.vendor == "postgresql":
            # Lock, lease and read the rows in one statement, after the type's claim turn.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)",
                        [_CLAIM_LOCK_CLASS, ORDER.index(ObjectType(object_type))],
                    )
                claimed = list(
                    OutboxEntry.objects.raw(_CLAIM_SQL, [lease, object_type, now, now, limit])
                )
            return sorted(claimed, key=lambda e: (e.next_attempt_at, e.pk))
        with transaction.atomic():
            entries = list(
                OutboxEntry.objects.select_for_update(skip_locked=True)
                .filter(object_type=object_type, status=OutboxStatus.PENDING)
                .filter(next_attempt_at__lte=now)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .order_by("next_attempt_at", "id")[:limit]
            )
            if entries:
                OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
                    claimed_until=lease
                )
        return entries

    def _collect(
        self, object_type: str, ready: list[_Claim] | None = None
    ) -> tuple[list[_Claim], bool]:
        """Claim until a full batch has changed (counting `ready`, claimed before) or nothing
        is due; settle the rest at once."""
        ready = list(ready or [])
        settled = False
        while len(ready) < self.policy.batch_size:
            wanted = self.policy.batch_size - len(ready)
            entries = self._claim(object_type, wanted)
            if not entries:
                break
            at = self.as_of or timezone.now()
            mapped = load_records(object_type, [e.object_id for e in entries], at=at)
            quiet = []
            for entry in entries:
                outcome = self._triage(entry, mapped[entry.object_id])
                if isinstance(outcome, _Claim):
                    ready.append(outcome)
                else:
                    quiet.append(outcome)
            if quiet:
                self._settle(quiet)
                settled = True
            if len(entries) < wanted:
                break
        return ready, settled

    def _triage(self, entry: OutboxEntry, mapped: Mapped) -> _Claim | _Settle:
        if isinstance(mapped, Skip):
            self._count(skipped=1)
            return _Settle(entry, OutboxStatus.SKIPPED, note=mapped.reason)
        if isinstance(mapped, Wait):
            self._count(retried=1)
            return self._retry(entry, mapped.reason, self.policy.wait_retry_seconds)
        payload_digest = digest(self.gateway.payload(mapped))
        crm_id = record_crm_id(mapped)
        if not self.resend and payload_digest == entry.last_hash and crm_id:
            self._count(unchanged=1)
            return _Settle(entry, OutboxStatus.SENT, note="", crm_id=crm_id)
        return _Claim(entry, mapped, payload_digest)

    def _retry(self, entry: OutboxEntry, note: str, delay: float) -> _Settle:
        attempts = entry.attempts + 1
        if attempts >= self.policy.max_attempts:
            return _Settle(
                entry,
                OutboxStatus.DEAD,
                f"Gave up after {attempts} attempts: {note}",
                attempts=attempts,
            )
        return _Settle(entry, OutboxStatus.PENDING, note, delay=delay, attempts=attempts)

    # --- sending --------------------------------------------------------------------------

    def _call(self, object_type: str, records: list[CrmRecord]) -> list[RecordOutcome]:
        gateway = self.gateway
        if object_type == ObjectType.CONTACT:
            return gateway.upsert_contacts([r for r in records if isinstance(r, ContactRecord)])
        if object_type == ObjectType.COMPANY:
            return gateway.upsert_companies([r for r in records if isinstance(r, CompanyRecord)])
        if object_type == ObjectType.DEAL:
            return gateway.update_deals([r for r in records if isinstance(r, DealRecord)])
        links = [r for r in records if isinstance(r, ReferenceLinkRecord)]
        return gateway.link_references(links)

    def _send(self, object_type: str, ready: list[_Claim], *, report: bool = True) -> None:
        """Send one batch call and record what its answer means for each entry."""
        try:
            outcomes = self._call(object_type, [c.record for c in ready])
        except CrmRateLimited as error:
            # Waiting is the CRM's instruction, not a failure: no attempt is used up.
            self._count(retried=len(ready))
            self._settle(
                [
                    _Settle(
                        c.entry,
                        OutboxStatus.PENDING,
                        error.message,
                        delay=error.wait_seconds,
                        attempts=c.entry.attempts,
                    )
                    for c in ready
                ]
            )
        except CrmAuthError as error:
            self._fail_pass(ready, error.message)
        except CrmRejected as error:
            if len(ready) > 1:
                half = len(ready) // 2
                self._send(object_type, ready[:half], report=False)
                self._send(object_type, ready[half:], report=False)
            else:
                self._finish(ready, [RecordOutcome(ready[0].entry.object_id, error=error.message)])
        except CrmUnavailable as error:
            logger.warning("CRM unavailable, backing off %s entries: %s", len(ready), error)
            self._count(retried=len(ready))
            self._settle([self._backoff(c.entry, error.message) for c in ready])
        else:
            self._finish(ready, outcomes)
        if report:
            self._report()

    def _backoff(self, entry: OutboxEntry, message: str) -> _Settle:
        return self._retry(entry, message, self.policy.backoff(entry.attempts + 1))

    def _fail_pass(self, claims: Sequence[_Claim | OutboxEntry], message: str) -> None:
        entries = [c.entry if isinstance(c, _Claim) else c for c in claims]
        logger.error("The CRM refused our credentials; nothing is sent for now: %s", message)
        self._count(error=message)
        delay = self.policy.auth_retry_seconds
        self._settle(
            [
                _Settle(e, OutboxStatus.PENDING, message, delay=delay, attempts=e.attempts)
                for e in entries
            ]
        )
        raise _Stop(message)

    def _finish(self, ready: list[_Claim], outcomes: list[RecordOutcome]) -> None:
        by_id = {o.local_id: o for o in outcomes}
        settles: list[_Settle] = []
        for claim in ready:
            outcome = by_id.get(claim.entry.object_id)
            if outcome is None:
                self._count(retried=1)
                settles.append(self._backoff(claim.entry, "The CRM's answer left this record out."))
            elif outcome.gone:
                settles.append(self._gone(claim.entry))
            elif outcome.error:
                entry = claim.entry
                what = f"{entry.get_object_type_display()} {entry.object_id}"
                logger.warning("The CRM refused %s: %s", what, outcome.error)
                self._count(failed=1)
                self._count(error=outcome.error)
                settles.append(
                    _Settle(
                        claim.entry,
                        OutboxStatus.DEAD,
                        outcome.error,
                        attempts=claim.entry.attempts + 1,
                    )
                )
            else:
                self._count(sent=1)
                settles.append(
                    _Settle(
                        claim.entry,
                        OutboxStatus.SENT,
                        "",
                        crm_id=outcome.crm_id,
                        digest=claim.digest,
                        attempts=0,
                    )
                )
        self._settle(settles, records={c.entry.pk: c.record for c in ready})

    def _gone(self, entry: OutboxEntry) -> _Settle:
        """The CRM no longer has the object this entry's id points to (deleted or merged there).

        A contact or company is found or created anew by email or our id, so the stale id is
        dropped and it goes again; a deal cannot be created by us, so it is skipped until the
        import links it again. Either way the entry cannot loop: its attempts count.
        """
        if entry.object_type == ObjectType.DEAL:
            self._count(skipped=1)
            note = "The CRM has no deal with this id (deleted or merged there); hubspot_import"
            return _Settle(entry, OutboxStatus.SKIPPED, f"{note} links the deal again.")
        self._count(retried=1)
        note = "The CRM no longer has this object (deleted or merged there); it is sent anew."
        settle = self._retry(entry, note, 0.0)
        settle.crm_id = ""
        return settle

    # --- erasures -------------------------------------------------------------------------

    def _erase(self, entries: list[OutboxEntry]) -> None:
        for position, entry in enumerate(entries):
            email = str(entry.data.get("email", ""))
            try:
                self.gateway.erase_contact(crm_id=entry.crm_id, email=email)
            except CrmRateLimited as error:
                rest = entries[position:]
                self._settle(
                    [
                        _Settle(
                            e,
                            OutboxStatus.PENDING,
                            error.message,
                            delay=error.wait_seconds,
                            attempts=e.attempts,
                        )
                        for e in rest
                    ]
                )
                return
            except CrmAuthError as error:
                self._fail_pass(entries[position:], error.message)
            except CrmRejected as error:
                self._count(failed=1)
                self._settle(
                    [_Settle(entry, OutboxStatus.DEAD, error.message, attempts=entry.attempts + 1)]
                )
            except CrmUnavailable as error:
                self._count(retried=1)
                self._settle([self._backoff(entry, error.message)])
            else:
                self._count(sent=1)
                # The address was kept only to find the contact; it goes once that is done.
                self._settle(
                    [_Settle(entry, OutboxStatus.SENT, "", attempts=0, extra={"data": {}})]
                )

    # --- recording outcomes ---------------------------------------------------------------

    def _settle(self, settles: list[_Settle], records: dict[int, CrmRecord] | None = None) -> None:
        """Write outcomes in one short transaction. An entry whose change token moved while it
        was claimed stays pending: the newer change has not been sent."""
        if not settles:
            return
        now = timezone.now()
        with transaction.atomic():
            _commit_without_flush()
            tokens = dict(
                OutboxEntry.objects.select_for_update()
                .filter(pk__in=[s.entry.pk for s in settles])
                .order_by("pk")
                .values_list("pk", "change_token")
            )
            domain_ids: dict[str, dict[int, str]] = {}
            for settle in settles:
                entry = settle.entry
                changed = tokens.get(entry.pk) != entry.change_token
                self._apply(entry, settle, now, changed)
                record = (records or {}).get(entry.pk)
                if (
                    settle.crm_id is not None
                    and record is not None
                    and record_crm_id(record) != settle.crm_id
                ):
                    domain_ids.setdefault(entry.object_type, {})[entry.object_id] = settle.crm_id
            self._store_domain_ids(domain_ids)
            write_rows(OutboxEntry, _FIELDS, entry_rows([s.entry for s in settles]))

    @staticmethod
    def _apply(entry: OutboxEntry, settle: _Settle, now: datetime, changed: bool) -> None:
        entry.claimed_until = None
        entry.last_error = settle.note
        if settle.attempts is not None:
            entry.attempts = settle.attempts
        if settle.crm_id is not None:
            entry.crm_id = settle.crm_id
        if settle.digest is not None:
            entry.last_hash = settle.digest
            entry.sent_at = now
        for name, value in settle.extra.items():
            setattr(entry, name, value)
        entry.status = settle.status
        entry.next_attempt_at = now + timedelta(seconds=settle.delay)
        if changed and settle.status != OutboxStatus.PENDING:
            # A newer change arrived while this one was in flight: it is due now.
            entry.status, entry.attempts, entry.next_attempt_at = OutboxStatus.PENDING, 0, now

    @staticmethod
    def _store_domain_ids(domain_ids: dict[str, dict[int, str]]) -> None:
        """CRM ids back onto the champions and accounts (deals are addressed by theirs)."""
        contacts = domain_ids.get(ObjectType.CONTACT, {})
        if contacts:
            write_rows(Champion, ["crm_id"], [(pk, [crm_id]) for pk, crm_id in contacts.items()])
        companies = domain_ids.get(ObjectType.COMPANY, {})
        if companies:
            # One CRM company per account (a unique constraint): a stale holder lets go first.
            Account.objects.filter(crm_id__in=[c for c in companies.values() if c]).exclude(
                pk__in=list(companies)
            ).update(crm_id="")
            write_rows(Account, ["crm_id"], [(pk, [crm_id]) for pk, crm_id in companies.items()])


def _commit_without_flush() -> None:
    """The sync's own bookkeeping commits without waiting for the WAL flush (PostgreSQL).

    A database crash can lose the last such commits, never corrupt them; all that costs is
    an entry claimed or sent again, and every write to the CRM is an idempotent upsert or
    update. A top-level transaction only: inside a caller's, its durability is the caller's.
    """
    if connection.vendor == "postgresql" and len(connection.savepoint_ids) == 0:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def write_rows(
    model: type[Model], names: Sequence[str], rows: Sequence[tuple[Any, Sequence[Any]]]
) -> None:
    """Save these fields, given as (pk, values) rows.

    On PostgreSQL: one UPDATE joined to the rows unnested from one array per column, so the
    statement's text and parameters stay the same size whatever the number of rows.
    Elsewhere: one parameterised UPDATE per row. (`bulk_update` builds a CASE per field and
    row, which costs more CPU than the HubSpot call it records; single-row UPDATEs and long
    VALUES lists cost the database and the driver ~30 ms a batch.)
    """
    if not rows:
        return
    ops = connection.ops
    fields = _fields(model, names)
    pk = model._meta.pk
    assert pk is not None
    columns = [ops.quote_name(str(getattr(f, "column", f.name))) for f in fields]
    table, key = ops.quote_name(model._meta.db_table), ops.quote_name(str(pk.column))
    values = [
        [f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)]
        for _, row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Identifiers and types come from the models, values travel as parameters.
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in [*fields, pk])
            aliases = ", ".join([*(f"c{i}" for i in range(len(fields))), "pk"])
            assignments = ", ".join(f"{c} = v.c{i}" for i, c in enumerate(columns))
            sql = (
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) "  # noqa: S608
                f"AS v({aliases}) WHERE {table}.{key} = v.pk"
            )
            by_column = [list(column) for column in zip(*values, strict=True)]
            cursor.execute(sql, [*by_column, [pk_value for pk_value, _ in rows]])
        else:
            assignments = ", ".join(f"{column} = %s" for column in columns)
            sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
            cursor.executemany(
                sql, [[*row, pk_value] for (pk_value, _), row in zip(rows, values, strict=True)]
            )


def entry_rows(entries: Sequence[OutboxEntry]) -> list[tuple[Any, Sequence[Any]]]:
    """The (pk, values) rows of `write_rows` for the fields a sync changes on its entries."""
    attnames = [field.attname for field in _fields(OutboxEntry, _FIELDS)]
    return [(entry.pk, [getattr(entry, name) for name in attnames]) for entry in entries]


def _fields(model: type[Model], names: Sequence[str]) -> list[Field[Any, Any]]:
    fields = [model._meta.get_field(name) for name in names]
    return [field for field in fields if isinstance(field, Field)]
