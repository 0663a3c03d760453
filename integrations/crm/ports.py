"""What the domain needs from any CRM: the port, its records and its errors.

The domain never sees a CRM's field names or client library. It hands CRM-neutral records
(`ContactRecord`, `CompanyRecord`, `DealRecord`, `ReferenceLinkRecord`) to a `CrmGateway`, gets
one `RecordOutcome` per record back, and reads remote changes as `Remote*` snapshots. An
adapter (`integrations.hubspot`) implements the port and registers itself in
`integrations.crm.gateway`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

RemoteType = Literal["contact", "company", "deal"]


# --- what is sent -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRecord:
    """A champion as the CRM contact shows it. Never private notes or quote texts."""

    local_id: int
    crm_id: str
    email: str
    first_name: str
    last_name: str
    job_title: str
    account_id: int
    status: str
    tier: str
    level: str
    guilds: tuple[str, ...]
    engagement_score: float
    last_activity_at: datetime | None
    reference_availability: str
    references_given: int
    consent_scopes: tuple[str, ...]


@dataclass(frozen=True)
class CompanyRecord:
    """A customer account and its program adoption (METRICS.md, "Per account")."""

    local_id: int
    crm_id: str
    name: str
    domain: str
    active_champions: int
    champion_count: int
    highest_champion_level: str
    engagement_score: float
    events_attended_90d: int
    templates_reused_90d: int
    last_champion_activity_at: datetime | None
    references_given_12m: int
    adoption_figures: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class DealRecord:
    """Attribution of references to a deal the CRM already has (the deal is its mirror)."""

    local_id: int
    crm_id: str
    references_count: int
    reference_champions: tuple[str, ...]
    reference_types: tuple[str, ...]
    influenced: bool
    first_reference_at: datetime | None


@dataclass(frozen=True)
class ReferenceLinkRecord:
    """One attribution: the deal and the contact who gave the reference, linked in the CRM."""

    local_id: int
    deal_crm_id: str
    contact_crm_id: str


CrmRecord = ContactRecord | CompanyRecord | DealRecord | ReferenceLinkRecord


@dataclass(frozen=True)
class RecordOutcome:
    """What became of one record of a batch: its CRM id, or the CRM's reason for refusing it.

    `gone` means the CRM no longer has the object the record was addressed to by id (deleted or
    merged there): the local CRM id is stale and the next send finds or creates the object anew.
    """

    local_id: int
    crm_id: str = ""
    error: str = ""
    gone: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and not self.gone


# --- what is read -------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteObject:
    """A CRM object as an import or a webhook sees it, in neutral terms."""

    type: RemoteType
    crm_id: str
    modified_at: datetime | None = None
    email: str = ""
    name: str = ""
    domain: str = ""
    local_account_id: int | None = None
    amount: Decimal | None = None
    currency: str = ""
    stage: str = ""
    is_closed: bool = False
    is_won: bool = False
    created_at: datetime | None = None
    close_date: datetime | None = None
    company_crm_id: str = ""


@dataclass(frozen=True)
class ChangePage:
    objects: list[RemoteObject]
    next_cursor: str | None


@dataclass(frozen=True)
class CrmEvent:
    """A change the CRM told us about (a webhook), in neutral terms.

    kinds: ``email_changed`` (value: the new email), ``companies_merged`` (merged_ids into
    crm_id), ``deal_stage_changed`` (stage, is_closed, is_won), ``contact_deleted``.
    """

    kind: str
    crm_id: str
    occurred_at: datetime
    value: str = ""
    merged_ids: tuple[str, ...] = ()
    is_closed: bool = False
    is_won: bool = False


@dataclass
class RateLimitUse:
    used: int
    limit: int
    paused_for: float = 0.0


@dataclass
class ProvisionStep:
    """One thing provisioning did or would do: ``created``, ``exists``, ``updated``, ``skipped``."""

    action: str
    what: str
    detail: str = ""


# --- errors -------------------------------------------------------------------------------


class CrmError(Exception):
    """A call to the CRM failed as a whole. Subclasses say what to do about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CrmRateLimited(CrmError):
    """The CRM refused for its rate limit: wait `wait_seconds`, then try again (no attempt used)."""

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class CrmUnavailable(CrmError):
    """5xx, timeout, refused connection: transient; back off and retry."""


class CrmRejected(CrmError):
    """The CRM refused the request itself (4xx other than 429): sending it again won't help."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class CrmAuthError(CrmRejected):
    """Missing or refused credentials: nothing can be sent until an operator fixes the setting."""


# --- the port -----------------------------------------------------------------------------


@runtime_checkable
class CrmGateway(Protocol):
    """Everything the service asks of a CRM.

    Batch methods take at most `batch_size` records and return one outcome per record (a
    per-record refusal is an outcome, not an exception); a failure of the whole call raises a
    `CrmError` subclass. `payload` is the exact data a record becomes in the CRM; the sync
    hashes it, so an unchanged payload is never sent twice.
    """

    name: str
    batch_size: int

    @property
    def api_calls(self) -> int:
        """Calls made through this gateway object so far."""
        ...

    @property
    def max_call_seconds(self) -> float:
        """The longest one call may take before it times out."""
        ...

    def payload(self, record: CrmRecord) -> Mapping[str, str]: ...

    def upsert_contacts(self, records: Sequence[ContactRecord]) -> list[RecordOutcome]: ...

    def upsert_companies(self, records: Sequence[CompanyRecord]) -> list[RecordOutcome]: ...

    def update_deals(self, records: Sequence[DealRecord]) -> list[RecordOutcome]: ...

    def link_references(self, links: Sequence[ReferenceLinkRecord]) -> list[RecordOutcome]: ...

    def read_changes(
        self, object_type: RemoteType, *, since: datetime | None, cursor: str | None
    ) -> ChangePage: ...

    def erase_contact(self, *, crm_id: str, email: str) -> None:
        """Remove the person from the CRM (by id, else by email): a GDPR delete, or, when the
        adapter is set to keep contacts, every property of ours blanked. An unknown contact
        is no error."""
        ...

    def provision(self, *, dry_run: bool = False) -> list[ProvisionStep]: ...

    def rate_limit_use(self) -> RateLimitUse: ...


@dataclass
class SyncCounts:
    """What one sync pass did; `api_calls` counts every call, reads included."""

    sent: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    retried: int = 0
    api_calls: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SyncCounts) -> None:
        self.sent += other.sent
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        self.failed += other.failed
        self.retried += other.retried
        self.api_calls += other.api_calls
        self.errors.extend(other.errors)

    def as_dict(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": self.failed,
            "retried": self.retried,
            "api_calls": self.api_calls,
            "errors": self.errors[-10:],
        }
