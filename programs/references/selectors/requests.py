"""Reads of reference requests: the offer SLA, a champion's availability, deal attribution."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from champions.models import Champion, ChampionState, ConsentRecord, ConsentScope
from programs.references import conf
from programs.references.models import (
    Attribution,
    Deal,
    ReferenceProfile,
    ReferenceProgramSettings,
    ReferenceRequest,
    RequestStatus,
    TierReferenceCap,
)

# Requests that hold one of the champion's slots until they end.
COMMITTED_STATUSES = (RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)
BUSY_STATUSES = (RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)


def program_settings() -> ReferenceProgramSettings:
    """The program switches; the defaults (from settings) until the team saves the row."""
    return ReferenceProgramSettings.objects.filter(pk=1).first() or ReferenceProgramSettings(pk=1)


def tier_caps() -> dict[str, int]:
    return dict(TierReferenceCap.objects.values_list("tier", "cap"))


# --- the offer SLA --------------------------------------------------------------------------


def add_business_days(start: datetime, days: int) -> datetime:
    """The moment `days` × 24 hours of weekday time (UTC) have passed since `start`.

    Weekends do not count: a request on Friday at 10:00 is due on Tuesday at 10:00, one on
    Saturday is due on Wednesday at 00:00. Public holidays are not known here.
    """
    remaining = timedelta(days=days)
    current = start.astimezone(UTC)
    while True:
        midnight = current.replace(hour=0, minute=0, second=0, microsecond=0)
        if current.weekday() >= 5:
            current = midnight + timedelta(days=7 - current.weekday())
            continue
        day_left = midnight + timedelta(days=1) - current
        if remaining <= day_left:
            return current + remaining
        remaining -= day_left
        current = midnight + timedelta(days=1)


def offer_due_at(requested_at: datetime) -> datetime:
    return add_business_days(requested_at, conf.offer_sla_business_days())


@dataclass(frozen=True)
class OfferSla:
    """Where a request stands against "offered within 2 business days"."""

    due_at: datetime
    state: str  # on_time | overdue | met | missed | closed

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def label(self) -> str:
        return {
            "on_time": f"offer due {self.due_at:%d %b %H:%M} UTC",
            "overdue": f"overdue since {self.due_at:%d %b %H:%M} UTC",
            "met": "offered in time",
            "missed": "offered late",
            "closed": "closed before an offer",
        }[self.state]


def request_sla(*, request: ReferenceRequest, at: datetime | None = None) -> OfferSla:
    at = at or timezone.now()
    due = request.offer_due_at
    if request.offered_at is not None:
        return OfferSla(due, "met" if request.offered_at <= due else "missed")
    if request.status == RequestStatus.COMPLETED:
        return OfferSla(due, "closed")
    return OfferSla(due, "overdue" if at > due else "on_time")


def request_queue() -> QuerySet[ReferenceRequest]:
    """Open requests first, soonest offer deadline first; closed ones after them."""
    return ReferenceRequest.objects.annotate(
        closed_rank=Case(
            When(status=RequestStatus.COMPLETED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ).order_by("closed_rank", "offer_due_at", "id")


# --- fatigue and availability ---------------------------------------------------------------


def champion_cap(
    *,
    champion: Champion,
    profile: ReferenceProfile | None,
    program: ReferenceProgramSettings,
    caps: dict[str, int],
) -> int:
    if profile is not None and profile.cap_override is not None:
        return profile.cap_override
    return caps.get(champion.tier, program.default_cap)


@dataclass(frozen=True)
class Availability:
    """available | busy | at_cap | cooldown | paused, and until when if that is known."""

    state: str
    until: datetime | None
    cap: int
    given_90d: int
    committed: int

    @property
    def label(self) -> str:
        when = f" until {self.until:%d %b %Y}" if self.until else ""
        return {
            "available": "available",
            "busy": "busy",
            "at_cap": f"at cap{when}",
            "cooldown": f"cooling down{when}",
            "paused": "paused",
        }[self.state]


def champion_availability(*, champion: Champion, at: datetime | None = None) -> Availability:
    """A champion's reference availability at `at` (now).

    The cap counts references given in the rolling 90 days plus requests offered to or
    accepted by them and still open; declines never count.
    """
    return champions_availability(champions=[champion], at=at)[champion.pk]


def champions_availability(
    *, champions: Sequence[Champion], at: datetime | None = None
) -> dict[int, Availability]:
    """`champion_availability` of many champions in five queries, whatever their number."""
    at = at or timezone.now()
    ids = [champion.pk for champion in champions]
    profiles = {p.champion_id: p for p in ReferenceProfile.objects.filter(champion_id__in=ids)}
    program, caps = program_settings(), tier_caps()
    window_start = at - timedelta(days=conf.CAP_WINDOW_DAYS)
    given: dict[int, list[datetime]] = defaultdict(list)
    for champion_id, moment in ReferenceRequest.objects.filter(
        champion_id__in=ids, fulfilled_at__gt=window_start, fulfilled_at__lte=at
    ).values_list("champion_id", "fulfilled_at"):
        if champion_id is not None and moment is not None:
            given[champion_id].append(moment)
    open_statuses: dict[int, list[str]] = defaultdict(list)
    for champion_id, status in ReferenceRequest.objects.filter(
        champion_id__in=ids, status__in=COMMITTED_STATUSES
    ).values_list("champion_id", "status"):
        if champion_id is not None:
            open_statuses[champion_id].append(status)
    return {
        champion.pk: _availability(
            profile=profiles.get(champion.pk),
            cap=champion_cap(
                champion=champion, profile=profiles.get(champion.pk), program=program, caps=caps
            ),
            given=sorted(given.get(champion.pk, ())),
            open_statuses=open_statuses.get(champion.pk, []),
            at=at,
        )
        for champion in champions
    }


def availability_state(
    *,
    paused: bool,
    cap: int,
    given: int,
    committed: int,
    busy: bool,
    cooldown_until: datetime | None,
    at: datetime,
) -> str:
    """The one rule, in its order: paused, at cap, cooling down, busy, available. Both the
    Python reading (`champions_availability`) and the SQL annotations of the search
    (`programs.references.api.selectors.reference_page`) decide through it."""
    if paused:
        return "paused"
    if given >= cap:
        return "at_cap"
    if cooldown_until is not None and cooldown_until > at:
        return "cooldown"
    if busy or given + committed >= cap:
        return "busy"
    return "available"


def _availability(
    *,
    profile: ReferenceProfile | None,
    cap: int,
    given: list[datetime],
    open_statuses: list[str],
    at: datetime,
) -> Availability:
    committed = len(open_statuses)
    cooldown_until = profile.cooldown_until if profile else None
    state = availability_state(
        paused=profile is not None and profile.paused,
        cap=cap,
        given=len(given),
        committed=committed,
        busy=bool(set(open_statuses) & set(BUSY_STATUSES)),
        cooldown_until=cooldown_until,
        at=at,
    )
    until: datetime | None = None
    if state == "at_cap" and cap:
        until = given[len(given) - cap] + timedelta(days=conf.CAP_WINDOW_DAYS)
        if cooldown_until and cooldown_until > until:
            until = cooldown_until
    elif state == "cooldown":
        until = cooldown_until
    return Availability(state, until, cap, len(given), committed)


def reference_call_consent_withdrawn_at(
    *, champion: Champion, at: datetime | None = None
) -> datetime | None:
    """When the champion last withdrew reference-call consent, if that is the current state."""
    latest = (
        ConsentRecord.objects.filter(
            champion=champion,
            scope=ConsentScope.REFERENCE_CALL,
            recorded_at__lte=at or timezone.now(),
        )
        .order_by("-recorded_at", "-id")
        .first()
    )
    return latest.recorded_at if latest is not None and not latest.granted else None


def champion_is_active(champion: Champion) -> bool:
    return champion.state == ChampionState.ACTIVE and champion.erased_at is None


# --- attribution ----------------------------------------------------------------------------


def deal_reference_exists(
    *, at: datetime, deal_ref: str = "pk", visible: Q | None = None
) -> Exists:
    """SQL: the deal (an outer row) has a reference at `at` in the sense of METRICS.md.

    A request for it was fulfilled by a non-staff, non-erased champion before `at` and, for a
    closed deal, no later than its close. `visible` may replace the joins that check the
    champion (to champions and users) with a condition on the attribution's `champion_id`
    that says the same: the metrics pass their list of invisible champions.
    """
    if visible is None:
        visible = Q(champion__erased_at__isnull=True) & (
            Q(champion__user__isnull=True) | Q(champion__user__is_staff=False)
        )
    return Exists(
        Attribution.objects.filter(visible, deal=OuterRef(deal_ref), date__lt=at).filter(
            Q(deal__is_closed=False)
            | Q(deal__close_date__isnull=True)
            | Q(date__lte=F("deal__close_date"))
        )
    )


def deal_has_reference(*, deal: Deal, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return Deal.objects.filter(pk=deal.pk).filter(deal_reference_exists(at=at)).exists()
