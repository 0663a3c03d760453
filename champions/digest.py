"""The program digest: one email per user and period with what is next for them.

The core knows what a digest period is, who is due one and how it is sent once; what goes in
it comes from the program apps, which add sections from `AppConfig.ready()`:

    from champions.digest import SECTIONS, DigestItem, DigestSection
    SECTIONS.register(DigestSection("events", "Your next events", upcoming_events, order=10))

A section function takes `(champion, since)` and returns the items to list (an empty list
leaves the section out). It should run a small, fixed number of queries.

A period starts at `DIGEST_HOUR` in the user's time zone: every day for a daily digest, every
Monday for a weekly one. The beat task `champions.tasks.send_due_digests` runs every hour and
queues `send_digest` for each user whose current period has no delivery yet, so a digest
missed while the workers were down goes out on the next run of the same period.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone

from champions.emails import site_link, templated_email
from champions.models import (
    Champion,
    ChampionState,
    DigestDelivery,
    DigestFrequency,
    NotificationKind,
    NotificationPreference,
    User,
    zone_or_utc,
)
from champions.registry import OrderedRegistry

# Long enough for one send; a worker killed mid-send frees the period after this.
CLAIM_SECONDS = 10 * 60
DIGEST_STATES = (ChampionState.ONBOARDING, ChampionState.ACTIVE, ChampionState.DORMANT)
DEFAULT_FREQUENCY = DigestFrequency.WEEKLY
ITEMS_PER_SECTION = 5


@dataclass(frozen=True)
class DigestItem:
    text: str
    link: str  # a path on this site
    detail: str = ""


SectionItems = Callable[[Champion, datetime], list[DigestItem]]


@dataclass(frozen=True)
class DigestSection:
    key: str
    title: str
    items: SectionItems
    order: int = 100


@dataclass(frozen=True)
class FilledSection:
    title: str
    items: list[DigestItem]


SECTIONS: OrderedRegistry[DigestSection] = OrderedRegistry("digest")


# --- periods --------------------------------------------------------------------------------


def period_start(frequency: str, moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    """The local date the period containing `moment` began (periods start at DIGEST_HOUR)."""
    day = (moment.astimezone(zone) - timedelta(hours=settings.DIGEST_HOUR)).date()
    if frequency == DigestFrequency.WEEKLY:
        return day - timedelta(days=day.weekday())
    return day


def period_length(frequency: str) -> timedelta:
    return timedelta(days=7 if frequency == DigestFrequency.WEEKLY else 1)


def period_began_at(start: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(start, time(hour=settings.DIGEST_HOUR), tzinfo=zone)


# --- who is due -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    user_id: int
    frequency: str
    period_start: date


def digests_due(*, moment: datetime | None = None) -> list[DueDigest]:
    """Every user whose current digest period has not been sent yet, in three queries.

    Champions taking part (onboarding, active, dormant) with an active login, at the cadence
    `_digest_frequencies` gives."""
    moment = moment or timezone.now()
    # Rows as tuples and no lists of ids in the SQL: 20,000 champions in about a second.
    zone_names = dict(
        Champion.objects.filter(
            state__in=DIGEST_STATES, erased_at__isnull=True, user__is_active=True
        ).values_list("user_id", "timezone")
    )
    zones = {user_id: _zone(name) for user_id, name in zone_names.items() if user_id is not None}
    frequencies = _digest_frequencies()
    candidates = []
    for user_id, zone in zones.items():
        frequency = frequencies.get(user_id, DEFAULT_FREQUENCY)
        if frequency != DigestFrequency.OFF:
            candidates.append(DueDigest(user_id, frequency, period_start(frequency, moment, zone)))
    done = set(
        DigestDelivery.objects.filter(
            period_start__gte=moment.date() - timedelta(days=8), sent_at__isnull=False
        ).values_list("user_id", "frequency", "period_start")
    )
    return [due for due in candidates if (due.user_id, due.frequency, due.period_start) not in done]


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zone_or_utc(name)


def _digest_frequencies() -> dict[int, str]:
    """Each user's digest cadence, for those who chose one (weekly for the rest).

    The digest preference says it, but a kind held for a daily digest makes the digest daily
    and a kind held for a weekly one keeps it at least weekly: what a person asked to collect
    is never held back, even with the digest itself switched off."""
    chosen: dict[int, str] = {}
    held: dict[int, set[str]] = {}
    rows = NotificationPreference.objects.filter(user__is_active=True).values_list(
        "user_id", "kind", "enabled", "digest_frequency"
    )
    for user_id, kind, enabled, frequency in rows:
        if kind == NotificationKind.DIGEST:
            chosen[user_id] = frequency if enabled else DigestFrequency.OFF
        elif enabled and frequency != DigestFrequency.OFF:
            held.setdefault(user_id, set()).add(frequency)
    result: dict[int, str] = {}
    for user_id in chosen.keys() | held.keys():
        wanted = held.get(user_id, set()) | {chosen.get(user_id, DEFAULT_FREQUENCY)}
        if DigestFrequency.DAILY in wanted:
            result[user_id] = DigestFrequency.DAILY
        elif DigestFrequency.WEEKLY in wanted:
            result[user_id] = DigestFrequency.WEEKLY
        else:
            result[user_id] = DigestFrequency.OFF
    return result


# --- what is in it --------------------------------------------------------------------------


def digest_contents(*, champion: Champion, since: datetime) -> list[FilledSection]:
    filled = []
    for section in SECTIONS.entries():
        items = section.items(champion, since)[:ITEMS_PER_SECTION]
        if items:
            filled.append(FilledSection(section.title, items))
    return filled


def _since(user: User, frequency: str, moment: datetime) -> datetime:
    """What is new is what happened after the last digest went out (or one period back)."""
    last = (
        DigestDelivery.objects.filter(user=user, sent_at__isnull=False)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return last or moment - period_length(frequency)


# --- sending once ---------------------------------------------------------------------------


def digest_claim(*, user_id: int, frequency: str, start: date) -> DigestDelivery | None:
    """Take the period's row for this worker: None when it is sent or another worker has it.

    The row is unique per user, frequency and period; the conditional UPDATE lets exactly one
    worker through (as healthchecks claims its flips), on SQLite and PostgreSQL alike.
    """
    delivery, _ = DigestDelivery.objects.get_or_create(
        user_id=user_id, frequency=frequency, period_start=start
    )
    moment = timezone.now()
    claimed = (
        DigestDelivery.objects.filter(pk=delivery.pk, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=moment))
        .update(claimed_until=moment + timedelta(seconds=CLAIM_SECONDS))
    )
    return delivery if claimed else None


def digest_message(
    *, champion: Champion, frequency: str, sections: list[FilledSection]
) -> EmailMultiAlternatives:
    count = sum(len(section.items) for section in sections)
    context = {
        "champion": champion,
        "period": "week" if frequency == DigestFrequency.WEEKLY else "day",
        "sections": sections,
        "count": count,
        "site": settings.SITE_URL,
        "home_link": site_link("portal:home"),
        "preferences_link": site_link("portal:notifications"),
    }
    return templated_email("champions/email/digest", context, to=[champion.email])


def digest_send(*, user_id: int, frequency: str, start: date) -> bool:
    """Send one user's digest for one period, at most once; True when an email went out.

    Nothing to say means no email, and the period counts as done. A failure to send frees the
    claim and raises, so the task's retry can try again.
    """
    champion = (
        Champion.objects.filter(user_id=user_id, state__in=DIGEST_STATES, erased_at__isnull=True)
        .select_related("user")
        .first()
    )
    user = champion.user if champion is not None else None
    if champion is None or user is None or not user.is_active:
        return False
    delivery = digest_claim(user_id=user_id, frequency=frequency, start=start)
    if delivery is None:
        return False
    moment = timezone.now()
    sections = digest_contents(champion=champion, since=_since(user, frequency, moment))
    count = sum(len(section.items) for section in sections)
    try:
        if count:
            digest_message(champion=champion, frequency=frequency, sections=sections).send()
    except Exception:
        DigestDelivery.objects.filter(pk=delivery.pk).update(claimed_until=None)
        raise
    DigestDelivery.objects.filter(pk=delivery.pk).update(
        sent_at=timezone.now(), item_count=count, claimed_until=None
    )
    return bool(count)
