"""Bulk ingestion from the company's other systems: activity events and adoption figures.

`activities_ingest` is the bulk form of `champions.services.activity_record` and applies the
same rules — the level comes from `ACTIVITY_LEVELS`, the same idempotency key is recorded once,
and a contribution by a dormant champion makes them active again — but for up to a thousand
events at a fixed number of queries: champions and guilds are looked up in two queries, known
keys in one, the rows are written with one INSERT and the reactivations with one UPDATE.
Each item is judged on its own: a bad item is reported by index and field and never blocks
the good ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Case, Field, JSONField, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from champions.errors import DomainError
from champions.models import (
    ACTIVITY_LEVELS,
    Account,
    Activity,
    ActivityLevel,
    ActivitySource,
    AdoptionFigure,
    Champion,
    ChampionState,
    Guild,
    User,
)

MAX_ITEMS = 1000
EXTERNAL_ID_MAX = 150  # "api:<user id>:" + this stays within Activity.idempotency_key's 200
ITEM_FIELDS = frozenset(
    {"external_id", "champion_id", "champion_email", "kind", "occurred_at", "guild_id"}
)
FUTURE_TOLERANCE = timedelta(minutes=5)


class ItemStatus:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass
class ItemResult:
    index: int
    external_id: str | None
    status: str
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class IngestReport:
    results: list[ItemResult]

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def accepted(self) -> int:
        return self.count(ItemStatus.ACCEPTED)

    @property
    def duplicates(self) -> int:
        return self.count(ItemStatus.DUPLICATE)

    @property
    def rejected(self) -> int:
        return self.count(ItemStatus.REJECTED)


@dataclass
class _Item:
    """One item that passed the shape checks, waiting for its champion and guild."""

    index: int
    external_id: str
    kind: str
    occurred_at: datetime
    champion_id: int | None
    champion_email: str | None
    guild_id: int | None


def idempotency_key(*, actor: User, external_id: str) -> str:
    return f"api:{actor.pk}:{external_id}"


# --- per-item checks, pure Python -----------------------------------------------------------


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > 2**63 - 1:
        return None
    return value


def _check_external_id(raw: Any, errors: dict[str, list[str]]) -> str:
    if not isinstance(raw, str) or not raw.strip():
        errors["external_id"] = ["Required: a non-empty string that identifies the event."]
        return ""
    if len(raw) > EXTERNAL_ID_MAX:
        errors["external_id"] = [f"At most {EXTERNAL_ID_MAX} characters."]
    return raw


def _check_kind(raw: Any, errors: dict[str, list[str]]) -> str:
    if not isinstance(raw, str) or raw not in ACTIVITY_LEVELS:
        errors["kind"] = [f"“{raw}” is not an activity kind; one of {', '.join(ACTIVITY_LEVELS)}."]
        return ""
    return raw


def _check_occurred_at(raw: Any, now: datetime, errors: dict[str, list[str]]) -> datetime:
    parsed = None
    if isinstance(raw, str):
        try:
            parsed = parse_datetime(raw)
        except ValueError:
            parsed = None
    if parsed is None:
        errors["occurred_at"] = ["Required: an ISO 8601 date-time, e.g. 2026-11-02T14:30:00Z."]
        return now
    if parsed.tzinfo is None:
        errors["occurred_at"] = ["Needs a time zone offset, e.g. Z or +01:00."]
        return now
    if parsed > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = ["Lies in the future."]
    return parsed


def _check_champion(
    raw: Mapping[str, Any], errors: dict[str, list[str]]
) -> tuple[int | None, str | None]:
    has_id, has_email = raw.get("champion_id") is not None, raw.get("champion_email") is not None
    if has_id == has_email:
        errors["champion_id"] = ["Give exactly one of champion_id and champion_email."]
        return None, None
    if has_id:
        champion_id = _positive_int(raw["champion_id"])
        if champion_id is None:
            errors["champion_id"] = ["Must be a positive integer."]
        return champion_id, None
    email = raw["champion_email"]
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        errors["champion_email"] = ["Must be an email address."]
        return None, None
    return None, email.strip().lower()


def _check_item(index: int, raw: Any, now: datetime) -> _Item | ItemResult:
    if not isinstance(raw, Mapping):
        return ItemResult(index, None, ItemStatus.REJECTED, {"": ["Each item must be an object."]})
    errors: dict[str, list[str]] = {}
    for unknown in sorted(set(raw) - ITEM_FIELDS):
        errors[str(unknown)] = ["Unknown field; it cannot be set through ingestion."]
    external_id = _check_external_id(raw.get("external_id"), errors)
    kind = _check_kind(raw.get("kind"), errors)
    occurred_at = _check_occurred_at(raw.get("occurred_at"), now, errors)
    champion_id, champion_email = _check_champion(raw, errors)
    guild_id = None
    if raw.get("guild_id") is not None and (guild_id := _positive_int(raw["guild_id"])) is None:
        errors["guild_id"] = ["Must be a positive integer."]
    shown_id = external_id or None
    if errors:
        return ItemResult(index, shown_id, ItemStatus.REJECTED, errors)
    return _Item(index, external_id, kind, occurred_at, champion_id, champion_email, guild_id)


# --- lookups in bulk ------------------------------------------------------------------------


class _ChampionRow(NamedTuple):
    """What ingestion needs of a champion; plain tuples, not models, for a thousand rows."""

    pk: int
    email: str
    state: str
    state_changed_at: datetime
    erased_at: datetime | None


def _champions_for(
    items: Sequence[_Item],
) -> tuple[dict[int, _ChampionRow], dict[str, _ChampionRow]]:
    """Champions named by id or by email, in one query. Emails find the live record.

    A UNION of two index scans (primary key; the live-email index on lower(email)): as one
    `id IN (...) OR lower(email) IN (...)` PostgreSQL scans the whole table.
    """
    ids = {item.champion_id for item in items if item.champion_id is not None}
    emails = {item.champion_email for item in items if item.champion_email is not None}
    arms: list[QuerySet[Champion, tuple[Any, ...]]] = []
    if ids:
        arms.append(
            Champion.objects.filter(pk__in=ids).order_by().values_list(*_ChampionRow._fields)
        )
    if emails:
        by_email_lower = (
            Champion.objects.alias(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .exclude(state=ChampionState.ALUMNI)
        )
        arms.append(by_email_lower.order_by().values_list(*_ChampionRow._fields))
    if not arms:
        return {}, {}
    found = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
    by_id: dict[int, _ChampionRow] = {}
    by_email: dict[str, _ChampionRow] = {}
    for row in found:
        champion = _ChampionRow(*row)
        if champion.pk in ids:
            by_id[champion.pk] = champion
        email = champion.email.lower()
        if champion.state != ChampionState.ALUMNI and email in emails:
            by_email[email] = champion
    return by_id, by_email


def _known_guilds(items: Sequence[_Item]) -> set[int]:
    ids = {item.guild_id for item in items if item.guild_id is not None}
    return (
        set(Guild.objects.filter(pk__in=ids).order_by().values_list("pk", flat=True))
        if ids
        else set()
    )


def _resolve(
    item: _Item,
    by_id: dict[int, _ChampionRow],
    by_email: dict[str, _ChampionRow],
    guilds: set[int],
) -> _ChampionRow | ItemResult:
    errors: dict[str, list[str]] = {}
    if item.champion_id is not None:
        champion = by_id.get(item.champion_id)
        if champion is None:
            errors["champion_id"] = [f"No champion has id {item.champion_id}."]
    else:
        champion = by_email.get(item.champion_email or "")
        if champion is None:
            errors["champion_email"] = [f"No current champion has email {item.champion_email}."]
    if champion is not None and champion.erased_at is not None:
        errors["champion_id" if item.champion_id else "champion_email"] = [
            "This champion's data was erased; nothing more is recorded for them."
        ]
    if item.guild_id is not None and item.guild_id not in guilds:
        errors["guild_id"] = [f"No guild has id {item.guild_id}."]
    if errors or champion is None:
        return ItemResult(item.index, item.external_id, ItemStatus.REJECTED, errors)
    return champion


# --- the service ----------------------------------------------------------------------------


def activities_ingest(
    *, items: Sequence[Any], source: str = ActivitySource.API, actor: User
) -> IngestReport:
    """Record a batch of activity events; report each as accepted, duplicate or rejected.

    The idempotency key is `api:<actor id>:<external_id>`: sending a batch again records
    nothing twice, and two systems with their own tokens cannot collide.
    """
    if len(items) > MAX_ITEMS:
        raise DomainError(
            f"At most {MAX_ITEMS:,} items per call; this call has {len(items):,}.", field="items"
        )
    if source not in ActivitySource.values:
        raise DomainError(f"“{source}” is not an activity source.", field="source")
    now = timezone.now()
    results: dict[int, ItemResult] = {}
    candidates: list[_Item] = []
    for index, raw in enumerate(items):
        checked = _check_item(index, raw, now)
        if isinstance(checked, ItemResult):
            results[index] = checked
        else:
            candidates.append(checked)
    by_id, by_email = _champions_for(candidates)
    guilds = _known_guilds(candidates)
    keys = {
        item.index: idempotency_key(actor=actor, external_id=item.external_id)
        for item in candidates
    }
    existing = (
        set(
            Activity.objects.filter(idempotency_key__in=keys.values()).values_list(
                "idempotency_key", flat=True
            )
        )
        if keys
        else set()
    )
    rows: list[_Row] = []
    row_champions: list[_ChampionRow] = []
    seen: set[str] = set()
    for item in candidates:
        key = keys[item.index]
        if key in existing or key in seen:
            results[item.index] = ItemResult(item.index, item.external_id, ItemStatus.DUPLICATE)
            continue
        champion = _resolve(item, by_id, by_email, guilds)
        if isinstance(champion, ItemResult):
            results[item.index] = champion
            continue
        seen.add(key)
        rows.append(_activity_row(item, champion, key, source, actor))
        row_champions.append(champion)
        results[item.index] = ItemResult(item.index, item.external_id, ItemStatus.ACCEPTED)
    _write(rows, row_champions, now)
    return IngestReport([results[index] for index in range(len(items))])


_Row = dict[str, Any]  # an Activity's field values by attname; the others take their defaults


def _activity_row(item: _Item, champion: _ChampionRow, key: str, source: str, actor: User) -> _Row:
    return {
        "champion_id": champion.pk,
        "actor_id": actor.pk,
        "kind": item.kind,
        "level": ACTIVITY_LEVELS[item.kind],
        "occurred_at": item.occurred_at,
        "guild_id": item.guild_id,
        "source": source,
        "idempotency_key": key,
        "metadata": {"external_id": item.external_id},
    }


@transaction.atomic
def _write(rows: list[_Row], champions: list[_ChampionRow], now: datetime) -> None:
    if rows:
        _insert(rows, now)
    _reactivate_dormant(rows, champions, now)


def _insert(rows: list[_Row], now: datetime) -> None:
    """One INSERT for the batch; a concurrent call with the same keys loses the race quietly
    (ON CONFLICT DO NOTHING on the idempotency key), so each key is stored once.

    On PostgreSQL the rows travel as one array per column (`INSERT … SELECT * FROM
    unnest(…)`), plain values, no model instances: for a thousand rows, building instances
    and `bulk_create`'s 12,000 parameters take longer in Python than the database takes to
    store them (BENCHMARKS.md "REST API"). Elsewhere `bulk_create`, with the same effect.
    """
    if connection.vendor != "postgresql":
        Activity.objects.bulk_create([Activity(**row) for row in rows], ignore_conflicts=True)
        return
    quote = connection.ops.quote_name
    fields = [f for f in Activity._meta.concrete_fields if not f.primary_key]
    column = {f.name: quote(str(f.column)) for f in fields}
    columns = ", ".join(column.values())
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    key = column["idempotency_key"]
    sql = (
        f"INSERT INTO {quote(Activity._meta.db_table)} ({columns}) "  # noqa: S608  # names from the model
        f"SELECT * FROM unnest({arrays}) ON CONFLICT ({key}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_column(f, rows, now) for f in fields])


def _column(field: Field[Any, Any], rows: list[_Row], now: datetime) -> list[Any]:
    """One column's database values, as `bulk_create` would prepare them."""
    if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
        return [now] * len(rows)
    if field.attname in rows[0]:
        values = [row[field.attname] for row in rows]
    else:
        values = [field.get_default() for _ in rows]
    if isinstance(field, JSONField):
        return [connection.ops.adapt_json_value(value, field.encoder) for value in values]
    return values


def _reactivate_dormant(rows: list[_Row], champions: list[_ChampionRow], now: datetime) -> int:
    """activity_record's rule, in one UPDATE: a dormant champion's contribution after they went
    dormant makes them active, as of their earliest such contribution."""
    back_at: dict[int, datetime] = {}
    for row, champion in zip(rows, champions, strict=True):
        if (
            champion.state == ChampionState.DORMANT
            and row["level"] > ActivityLevel.OBSERVER
            and row["occurred_at"] >= champion.state_changed_at
        ):
            current = back_at.get(champion.pk)
            back_at[champion.pk] = (
                row["occurred_at"] if current is None else min(current, row["occurred_at"])
            )
    if not back_at:
        return 0
    when = [When(pk=pk, then=Value(at)) for pk, at in back_at.items()]
    return Champion.objects.filter(pk__in=back_at, state=ChampionState.DORMANT).update(
        state=ChampionState.ACTIVE, state_changed_at=Case(*when), updated_at=now
    )


# --- adoption figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class AdoptionFigureInput:
    date: date
    metric: str
    value: Decimal


@dataclass(frozen=True)
class AdoptionReport:
    created: int
    updated: int
    figures: list[AdoptionFigure]


def adoption_figures_record(
    *, account: Account, figures: Iterable[AdoptionFigureInput], source: str = ActivitySource.API
) -> AdoptionReport:
    """Upsert figures for one account: one value per account, date and metric, the last wins."""
    latest: dict[tuple[date, str], AdoptionFigureInput] = {}
    for figure in figures:
        _check_figure(figure)
        latest[(figure.date, figure.metric)] = figure
    if not latest:
        raise DomainError("Send at least one figure.", field="figures")
    if source not in ActivitySource.values:
        raise DomainError(f"“{source}” is not a source.", field="source")
    now = timezone.now()
    with transaction.atomic():
        existing = set(
            AdoptionFigure.objects.filter(
                account=account,
                date__in={d for d, _ in latest},
                metric__in={m for _, m in latest},
            ).values_list("date", "metric")
        )
        rows = [
            AdoptionFigure(
                account=account,
                date=f.date,
                metric=f.metric,
                value=f.value,
                source=source,
                recorded_at=now,
            )
            for f in latest.values()
        ]
        AdoptionFigure.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["account", "date", "metric"],
            update_fields=["value", "source", "recorded_at"],
        )
    updated = sum(1 for key in latest if key in existing)
    stored = list(
        AdoptionFigure.objects.filter(
            account=account, date__in={d for d, _ in latest}, metric__in={m for _, m in latest}
        )
    )
    stored = [f for f in stored if (f.date, f.metric) in latest]
    return AdoptionReport(created=len(latest) - updated, updated=updated, figures=stored)


def _check_figure(figure: AdoptionFigureInput) -> None:
    try:
        finite = figure.value.is_finite()
    except (AttributeError, InvalidOperation):
        finite = False
    if not finite or figure.value < 0:
        raise DomainError("A figure's value must be a number of at least 0.", field="value")
    if figure.date > timezone.now().date() + timedelta(days=1):
        raise DomainError(f"{figure.date} lies in the future.", field="date")
