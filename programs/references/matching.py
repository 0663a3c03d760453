"""Matching a reference request to champions: a documented, deterministic score, in SQL.

See docs/matching.md. The candidates are pre-filtered in the database (active, current
reference-call consent, not paused, below their cap, not cooling down, not at the prospect's
company, not offered this request before); every score component is an annotation
(Case/When over joins, Exists, counting subqueries), the total is their sum, and the database
orders by score then id and returns the top N. Python only turns the N winners' component
points into sentences. The number of queries does not depend on the number of champions.
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
from django.utils import timezone

from champions.models import (
    Activity,
    ActivityLevel,
    Champion,
    ChampionState,
    ConsentScope,
    Industry,
    Region,
    SizeBand,
)
from programs.references import conf
from programs.references.consent import consent_granted
from programs.references.models import (
    OfferResponse,
    ReferenceOffer,
    ReferenceProfile,
    ReferenceRequest,
    ReferenceStory,
    StoryFeature,
    StoryStatus,
)
from programs.references.selectors import program_settings, stories_visible_to_sales, tier_caps
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
LABELS: dict[str, str] = {
    "industry": "Industry",
    "use_case": "Use case",
    "product_areas": "Product areas",
    "size_band": "Company size",
    "region": "Region",
    "timezone": "Time zone",
    "language": "Language",
    "recent_activity": "Recent activity",
    "fatigue_headroom": "Fatigue headroom",
    "past_acceptance": "Past acceptance",
}
SIZE_ORDER = list(SizeBand.values)
ADJACENT_SIZE_POINTS = 5
RECENT_POINTS = (5, 3)  # contribution within 30 days, within 90 days
ACCEPTANCE_POINTS = {1: 2, 2: 4}  # and 5 for three or more
LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "pl": "Polish",
    "sv": "Swedish",
    "ja": "Japanese",
}


@dataclass(frozen=True)
class ScoreComponent:
    key: str
    label: str
    points: int
    max_points: int
    reason: str


@dataclass(frozen=True)
class MatchCandidate:
    champion: Champion
    score: int
    components: tuple[ScoreComponent, ...]
    stories: tuple[ReferenceStory, ...]

    @property
    def points(self) -> dict[str, int]:
        return {c.key: c.points for c in self.components}

    @property
    def explanation(self) -> list[str]:
        return [f"{c.reason} (+{c.points})" for c in self.components]


# --- helpers --------------------------------------------------------------------------------


def _points(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


@lru_cache(maxsize=64)
def _utc_offsets(day: str) -> dict[str, int]:
    """Every IANA zone's UTC offset in minutes at noon UTC of `day` (YYYY-MM-DD)."""
    moment = datetime.fromisoformat(f"{day}T12:00:00+00:00")
    offsets: dict[str, int] = {}
    for name in zoneinfo.available_timezones():
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


def _count_subquery(queryset: QuerySet[Any], group: str = "champion_id") -> Coalesce:
    """SQL: how many rows the correlated `queryset` has (0 when none)."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _value(champion: Champion, name: str) -> int:
    """An annotated number of a candidate row."""
    return int(getattr(champion, name))


# --- the candidate set and its scores -------------------------------------------------------


def candidates(*, request: ReferenceRequest, at: datetime, area_ids: list[int]) -> QuerySet[Any]:
    """All eligible champions with their component points and total `match_score`, unordered."""
    program = program_settings()
    caps = tier_caps()
    window_start = at - timedelta(days=conf.CAP_WINDOW_DAYS)
    tier_cap = Case(
        *[When(tier=tier, then=Value(cap)) for tier, cap in sorted(caps.items())],
        default=Value(program.default_cap),
        output_field=IntegerField(),
    )
    load = _count_subquery(
        ReferenceRequest.objects.filter(champion=OuterRef("pk")).filter(
            Q(status__in=COMMITTED_STATUSES)
            | Q(fulfilled_at__gt=window_start, fulfilled_at__lte=at)
        )
    )
    eligible = (
        Champion.objects.filter(state=ChampionState.ACTIVE, erased_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user__is_staff=False))
        .exclude(reference_profile__paused=True)
        .exclude(reference_profile__cooldown_until__gt=at)
        .exclude(Exists(ReferenceOffer.objects.filter(request=request, champion=OuterRef("pk"))))
        .alias(reference_consent=consent_granted(ConsentScope.REFERENCE_CALL, at=at))
        .filter(reference_consent=True)
        .annotate(
            ref_cap=Coalesce(F("reference_profile__cap_override"), tier_cap),
            ref_load=load,
        )
        .filter(ref_load__lt=F("ref_cap"))
    )
    deal_account_id = ReferenceRequest.objects.filter(pk=request.pk).values("deal__account_id")[:1]
    # Not the prospect's own company. Coalesce: a deal without an account must exclude
    # nobody (a NULL comparison would exclude everybody).
    eligible = eligible.exclude(
        account_id=Coalesce(Subquery(deal_account_id, output_field=IntegerField()), Value(0))
    )
    return _annotate_scores(eligible, request=request, at=at, area_ids=area_ids)


def _annotate_scores(
    queryset: QuerySet[Any], *, request: ReferenceRequest, at: datetime, area_ids: list[int]
) -> QuerySet[Any]:
    w = WEIGHTS
    size_index = SIZE_ORDER.index(request.prospect_size_band)
    adjacent = [SIZE_ORDER[i] for i in (size_index - 1, size_index + 1) if 0 <= i < len(SIZE_ORDER)]
    contributed = Activity.objects.filter(
        champion=OuterRef("pk"), level__gt=ActivityLevel.OBSERVER, occurred_at__lte=at
    )
    recent, older = conf.RECENT_ACTIVITY_DAYS
    accepted = _count_subquery(
        ReferenceOffer.objects.filter(
            champion=OuterRef("pk"), response=OfferResponse.ACCEPTED, responded_at__lte=at
        )
    )
    annotated = queryset.annotate(
        pts_industry=_points(Q(account__industry=request.prospect_industry), w["industry"]),
        pts_use_case=_use_case_points(request),
        area_overlap=_area_overlap(area_ids),
        pts_size_band=Case(
            When(account__size_band=request.prospect_size_band, then=Value(w["size_band"])),
            When(account__size_band__in=adjacent, then=Value(ADJACENT_SIZE_POINTS)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        pts_region=_points(Q(account__region=request.prospect_region), w["region"]),
        pts_timezone=_points(
            Q(timezone__in=zones_near(request.prospect_timezone, at=at)), w["timezone"]
        )
        if request.prospect_timezone
        else Value(0, output_field=IntegerField()),
        # JSON text contains "de": portable across SQLite and PostgreSQL.
        pts_language=_points(Q(languages__icontains=f'"{request.language}"'), w["language"]),
        pts_recent_activity=Case(
            When(
                Exists(contributed.filter(occurred_at__gt=at - timedelta(days=recent))),
                then=Value(RECENT_POINTS[0]),
            ),
            When(
                Exists(contributed.filter(occurred_at__gt=at - timedelta(days=older))),
                then=Value(RECENT_POINTS[1]),
            ),
            default=Value(0),
            output_field=IntegerField(),
        ),
        # Integer division on both databases: 10 × free slots / cap, rounded down.
        pts_fatigue_headroom=(
            Value(w["fatigue_headroom"])
            * (Cast("ref_cap", IntegerField()) - Cast("ref_load", IntegerField()))
        )
        / Cast("ref_cap", IntegerField()),
        accepted_count=accepted,
    )
    annotated = annotated.annotate(
        pts_product_areas=_area_points(len(area_ids)),
        pts_past_acceptance=Case(
            When(accepted_count__gte=3, then=Value(w["past_acceptance"])),
            *[When(accepted_count=n, then=Value(p)) for n, p in ACCEPTANCE_POINTS.items()],
            default=Value(0),
            output_field=IntegerField(),
        ),
    )
    total: Combinable = Value(0)
    for key in WEIGHTS:
        total = total + F(f"pts_{key}")
    return annotated.annotate(match_score=total)


def _use_case_points(request: ReferenceRequest) -> Case | Value:
    if request.use_case_id is None:
        return Value(0, output_field=IntegerField())
    stated = ReferenceProfile.use_cases.through.objects.filter(
        referenceprofile__champion_id=OuterRef("pk"), usecase_id=request.use_case_id
    )
    proven = StoryFeature.objects.filter(
        champion_id=OuterRef("pk"),
        story__use_case_id=request.use_case_id,
        story__status=StoryStatus.PUBLISHED,
    )
    return _points(Q(Exists(stated)) | Q(Exists(proven)), WEIGHTS["use_case"])


def _area_overlap(area_ids: list[int]) -> Coalesce | Value:
    if not area_ids:
        return Value(0, output_field=IntegerField())
    return _count_subquery(
        Champion.product_areas.through.objects.filter(
            champion_id=OuterRef("pk"), productarea_id__in=area_ids
        )
    )


def _area_points(requested: int) -> Case | Value:
    """15 × overlap / requested areas, rounded down, as a lookup table (no SQL division)."""
    if not requested:
        return Value(0, output_field=IntegerField())
    whens = [
        When(area_overlap=k, then=Value(WEIGHTS["product_areas"] * k // requested))
        for k in range(1, requested + 1)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


# --- the entry point ------------------------------------------------------------------------


def match_request(
    *, request: ReferenceRequest, limit: int | None = None, at: datetime | None = None
) -> list[MatchCandidate]:
    """The top `limit` (20) champions for a request, best first (score, then id), each with
    component points, an explanation and their best matching published stories.

    Four to six queries, whatever the number of champions.
    """
    at = at or timezone.now()
    limit = limit or conf.match_limit()
    area_ids = sorted(request.product_areas.values_list("pk", flat=True))
    top = list(
        candidates(request=request, at=at, area_ids=area_ids)
        .select_related("account")
        .order_by("-match_score", "pk")[:limit]
    )
    if not top:
        return []
    ids = [c.pk for c in top]
    areas = _overlapping_areas(ids, area_ids)
    stories = _best_stories(request, ids, at=at, area_ids=area_ids)
    return [
        MatchCandidate(
            champion=champion,
            score=_value(champion, "match_score"),
            components=_components(champion, request, areas.get(champion.pk, []), len(area_ids)),
            stories=tuple(stories.get(champion.pk, [])),
        )
        for champion in top
    ]


def _overlapping_areas(ids: list[int], area_ids: list[int]) -> dict[int, list[str]]:
    if not area_ids:
        return {}
    rows = (
        Champion.product_areas.through.objects.filter(
            champion_id__in=ids, productarea_id__in=area_ids
        )
        .order_by("productarea__name")
        .values_list("champion_id", "productarea__name")
    )
    found: dict[int, list[str]] = {}
    for champion_id, name in rows:
        found.setdefault(champion_id, []).append(name)
    return found


def _best_stories(
    request: ReferenceRequest, ids: list[int], *, at: datetime, area_ids: list[int]
) -> dict[int, list[ReferenceStory]]:
    """Per candidate, their stories sales may use, most relevant first (one query)."""
    shared_areas = _count_subquery(
        ReferenceStory.product_areas.through.objects.filter(
            referencestory_id=OuterRef("story_id"), productarea_id__in=area_ids or [0]
        ),
        group="referencestory_id",
    )
    features = (
        StoryFeature.objects.filter(
            champion_id__in=ids, story__in=stories_visible_to_sales(at=at).values("pk")
        )
        .select_related("story")
        .annotate(
            relevance=_points(Q(story__industry=request.prospect_industry), 4)
            + _points(Q(story__use_case_id=request.use_case_id), 3)
            + shared_areas
        )
        .order_by("champion_id", "-relevance", "-story__published_at", "story_id")
    )
    per_champion = conf.stories_per_candidate()
    found: dict[int, list[ReferenceStory]] = {}
    for feature in features:
        chosen = found.setdefault(feature.champion_id, [])
        if len(chosen) < per_champion:
            chosen.append(feature.story)
    return found


# --- the explanation ------------------------------------------------------------------------


def _components(
    champion: Champion, request: ReferenceRequest, areas: list[str], requested_areas: int
) -> tuple[ScoreComponent, ...]:
    reasons = _reasons(champion, request, areas, requested_areas)
    return tuple(
        ScoreComponent(
            key=key,
            label=LABELS[key],
            points=_value(champion, f"pts_{key}"),
            max_points=WEIGHTS[key],
            reason=reasons[key],
        )
        for key in WEIGHTS
    )


def _reasons(
    champion: Champion, request: ReferenceRequest, areas: list[str], requested_areas: int
) -> dict[str, str]:
    account = champion.account
    prospect_industry = Industry(request.prospect_industry).label
    language = LANGUAGE_NAMES.get(request.language, request.language)
    cap = _value(champion, "ref_cap")
    free = cap - _value(champion, "ref_load")
    accepted = _value(champion, "accepted_count")
    return {
        "industry": f"Same industry as the prospect ({prospect_industry})"
        if _value(champion, "pts_industry")
        else f"Other industry ({Industry(account.industry).label}, prospect: {prospect_industry})",
        "use_case": _use_case_reason(champion, request),
        "product_areas": "The request names no product areas"
        if not requested_areas
        else f"Uses {len(areas)} of {requested_areas} requested product areas"
        + (f": {', '.join(areas)}" if areas else ""),
        "size_band": _size_reason(champion, request),
        "region": f"Same region ({Region(account.region).label})"
        if _value(champion, "pts_region")
        else f"Other region ({Region(account.region).label}, prospect: "
        f"{Region(request.prospect_region).label})",
        "timezone": _timezone_reason(champion, request),
        "language": f"Speaks {language}"
        if _value(champion, "pts_language")
        else f"Does not list {language} among their languages",
        "recent_activity": {
            RECENT_POINTS[0]: "Contributed in the last 30 days",
            RECENT_POINTS[1]: "Contributed in the last 90 days",
        }.get(_value(champion, "pts_recent_activity"), "No contribution in the last 90 days"),
        "fatigue_headroom": f"{free} of {cap} reference slots free in the rolling 90 days",
        "past_acceptance": f"Accepted {accepted} earlier reference request(s)"
        if accepted
        else "No earlier accepted requests (declines never count against anyone)",
    }


def _use_case_reason(champion: Champion, request: ReferenceRequest) -> str:
    if request.use_case_id is None:
        return "The request names no use case"
    name = request.use_case.name if request.use_case else ""
    if _value(champion, "pts_use_case"):
        return f"Has proven or stated experience with “{name}”"
    return f"No story or stated experience with “{name}”"


def _size_reason(champion: Champion, request: ReferenceRequest) -> str:
    own = SizeBand(champion.account.size_band).label
    prospect = SizeBand(request.prospect_size_band).label
    if _value(champion, "pts_size_band") == WEIGHTS["size_band"]:
        return f"Same company size ({own} employees)"
    if _value(champion, "pts_size_band"):
        return f"Neighbouring company size ({own}, prospect: {prospect})"
    return f"Different company size ({own}, prospect: {prospect})"


def _timezone_reason(champion: Champion, request: ReferenceRequest) -> str:
    if not request.prospect_timezone:
        return "The prospect's time zone is not known"
    hours = conf.TIMEZONE_CLOSE_HOURS
    if _value(champion, "pts_timezone"):
        return f"Time zone {champion.timezone} within {hours} h of the prospect's"
    return f"Time zone {champion.timezone} more than {hours} h from the prospect's"


__all__ = ["WEIGHTS", "MatchCandidate", "ScoreComponent", "match_request", "zones_near"]
