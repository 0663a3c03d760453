"""The score of a champion for a request, as SQL expressions (docs/matching.md).

Every component is a Case/When over joined columns or over membership in a set of champions
(who stated the use case, shares k of the product areas, contributed lately, accepted k
requests, uses a slot). The same builder writes membership two ways:

- for ranking every candidate, `pk IN (subquery)`: the database builds each set once and
  hashes it, so a candidate costs hash probes, never subqueries of its own;
- for the few winners' component points, a correlated `EXISTS`: a handful of index probes
  instead of building every set again.

Both are the same conditions, so the points of the winners add up to their ranking score.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce

from champions.models import Activity, ActivityLevel, Champion, SizeBand, known_timezones
from programs.references import conf
from programs.references.models import (
    OfferResponse,
    ReferenceOffer,
    ReferenceProfile,
    ReferenceProgramSettings,
    ReferenceRequest,
    StoryFeature,
    StoryStatus,
)
from programs.references.selectors.requests import COMMITTED_STATUSES

# The weights: each component's maximum points; they add up to 100 (docs/matching.md).
WEIGHTS: dict[str, int] = {
    "industry": 20,
    "use_case": 15,
    "product_areas": 15,
    "size_band": 10,
    "region": 5,
    "timezone": 5,
    "language": 10,
    "recent_activity": 5,
    "fatigue_headroom": 10,
    "past_acceptance": 5,
}
SIZE_ORDER = list(SizeBand.values)
ADJACENT_SIZE_POINTS = 5
RECENT_POINTS = (5, 3)  # a contribution within 30 days, within 90 days
ACCEPTANCE_POINTS = ((3, 5), (2, 4), (1, 2))  # at least n accepted requests → points


def points(condition: Q, value: int) -> Case:
    return Case(When(condition, then=Value(value)), default=Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class Membership:
    """Writes "the candidate champion is among `rows`' champions" in SQL (see the module)."""

    correlated: bool

    def has(self, rows: QuerySet[Any], *, at_least: int = 1) -> Q:
        if self.correlated:
            rows = rows.filter(champion_id=OuterRef("pk"))
        if at_least > 1:
            rows = (
                rows.order_by()
                .values("champion_id")
                .annotate(n=Count("pk"))
                .filter(n__gte=at_least)
            )
        if self.correlated:
            return Q(Exists(rows))
        return Q(pk__in=rows.values("champion_id"))


RANKING = Membership(correlated=False)
PROBING = Membership(correlated=True)


def slots_used(at: datetime) -> QuerySet[ReferenceRequest]:
    """Requests holding one of a champion's slots at `at`: references given in the rolling
    90 days, and requests offered to, accepted or scheduled by them and still open."""
    window_start = at - timedelta(days=conf.CAP_WINDOW_DAYS)
    return ReferenceRequest.objects.filter(
        Q(status__in=COMMITTED_STATUSES) | Q(fulfilled_at__gt=window_start, fulfilled_at__lte=at)
    )


def cap_expression(program: ReferenceProgramSettings, caps: dict[str, int]) -> Coalesce:
    """SQL: the champion's cap — personal override, else their tier's, else the program's."""
    tier_cap = Case(
        *[When(tier=tier, then=Value(cap)) for tier, cap in sorted(caps.items())],
        default=Value(program.default_cap),
        output_field=IntegerField(),
    )
    return Coalesce(F("reference_profile__cap_override"), tier_cap)


def load_expression(at: datetime, sets: Membership) -> Case:
    """SQL: slots in use; counted only for champions who have any (most have none)."""
    used = slots_used(at)
    counted = (
        used.filter(champion_id=OuterRef("pk"))
        .order_by()
        .values("champion_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Case(
        When(sets.has(used), then=Subquery(counted, output_field=IntegerField())),
        default=Value(0),
        output_field=IntegerField(),
    )


def component_expressions(
    *, request: ReferenceRequest, at: datetime, area_ids: list[int], sets: Membership
) -> dict[str, Combinable]:
    """`pts_<component>` for every weight; they expect `ref_cap` and `ref_load` alongside."""
    w = WEIGHTS
    return {
        "pts_industry": points(Q(account__industry=request.prospect_industry), w["industry"]),
        "pts_use_case": _use_case(request, sets),
        "pts_product_areas": _product_areas(area_ids, sets),
        "pts_size_band": _size_band(request),
        "pts_region": points(Q(account__region=request.prospect_region), w["region"]),
        "pts_timezone": _timezone(request, at),
        # JSON text contains "de": portable across SQLite and PostgreSQL.
        "pts_language": points(Q(languages__icontains=f'"{request.language}"'), w["language"]),
        "pts_recent_activity": _recent_activity(at, sets),
        "pts_fatigue_headroom": _fatigue(at, sets),
        "pts_past_acceptance": _past_acceptance(at, sets),
    }


def total_expression() -> Combinable:
    total: Combinable = Value(0)
    for key in WEIGHTS:
        total = total + F(f"pts_{key}")
    return total


def _use_case(request: ReferenceRequest, sets: Membership) -> Combinable:
    if request.use_case_id is None:
        return Value(0, output_field=IntegerField())
    stated = ReferenceProfile.objects.filter(use_cases=request.use_case_id)
    proven = StoryFeature.objects.filter(
        story__use_case_id=request.use_case_id, story__status=StoryStatus.PUBLISHED
    )
    return points(sets.has(stated) | sets.has(proven), WEIGHTS["use_case"])


def _product_areas(area_ids: list[int], sets: Membership) -> Combinable:
    """15 × shared areas / requested areas, rounded down; the most shared tested first."""
    requested = len(area_ids)
    if not requested:
        return Value(0, output_field=IntegerField())
    shared = Champion.product_areas.through.objects.filter(productarea_id__in=area_ids)
    whens = [
        When(
            sets.has(shared, at_least=k),
            then=Value(WEIGHTS["product_areas"] * k // requested),
        )
        for k in range(requested, 0, -1)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _size_band(request: ReferenceRequest) -> Case:
    index = SIZE_ORDER.index(request.prospect_size_band)
    adjacent = [SIZE_ORDER[i] for i in (index - 1, index + 1) if 0 <= i < len(SIZE_ORDER)]
    return Case(
        When(account__size_band=request.prospect_size_band, then=Value(WEIGHTS["size_band"])),
        When(account__size_band__in=adjacent, then=Value(ADJACENT_SIZE_POINTS)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _timezone(request: ReferenceRequest, at: datetime) -> Combinable:
    if not request.prospect_timezone:
        return Value(0, output_field=IntegerField())
    near = zones_near(request.prospect_timezone, at=at)
    return points(Q(timezone__in=near), WEIGHTS["timezone"])


def _recent_activity(at: datetime, sets: Membership) -> Case:
    contributions = Activity.objects.filter(level__gt=ActivityLevel.OBSERVER, occurred_at__lte=at)
    recent, older = conf.RECENT_ACTIVITY_DAYS
    return Case(
        When(
            sets.has(contributions.filter(occurred_at__gt=at - timedelta(days=recent))),
            then=Value(RECENT_POINTS[0]),
        ),
        When(
            sets.has(contributions.filter(occurred_at__gt=at - timedelta(days=older))),
            then=Value(RECENT_POINTS[1]),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _fatigue(at: datetime, sets: Membership) -> Case:
    """10 × free slots / cap, rounded down (integer division on both databases)."""
    weight = WEIGHTS["fatigue_headroom"]
    cap = Cast("ref_cap", IntegerField())
    return Case(
        When(
            sets.has(slots_used(at)),
            then=(Value(weight) * (cap - Cast("ref_load", IntegerField()))) / cap,
        ),
        default=Value(weight),
        output_field=IntegerField(),
    )


def _past_acceptance(at: datetime, sets: Membership) -> Case:
    accepted = ReferenceOffer.objects.filter(response=OfferResponse.ACCEPTED, responded_at__lte=at)
    return Case(
        *[
            When(sets.has(accepted, at_least=n), then=Value(value))
            for n, value in ACCEPTANCE_POINTS
        ],
        default=Value(0),
        output_field=IntegerField(),
    )


@lru_cache(maxsize=64)
def _utc_offsets(day: str) -> dict[str, int]:
    """Every IANA zone's UTC offset in minutes at noon UTC of `day` (YYYY-MM-DD)."""
    moment = datetime.fromisoformat(f"{day}T12:00:00+00:00")
    offsets: dict[str, int] = {}
    for name in known_timezones():
        try:
            offset = moment.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            continue
        if offset is not None:
            offsets[name] = int(offset.total_seconds() // 60)
    return offsets


def zones_near(name: str, *, at: datetime, hours: int = conf.TIMEZONE_CLOSE_HOURS) -> list[str]:
    """Sorted IANA zones whose UTC offset at `at` is within `hours` of `name`'s."""
    offsets = _utc_offsets(at.date().isoformat())
    if name not in offsets:
        return []
    own = offsets[name]
    return sorted(zone for zone, minutes in offsets.items() if abs(minutes - own) <= hours * 60)
