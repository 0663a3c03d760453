"""Matching a reference request to champions: a documented, deterministic score, in SQL.

See docs/matching.md. The candidates are pre-filtered in the database (active, current
reference-call consent, not paused, below their cap, not cooling down, not at the prospect's
company, not offered this request before); every score component is an annotation
(`scoring`), the total is their sum, and the database orders by score then id and returns
the top N. A second query reads the N winners' component points, a third their best stories;
Python only turns points into sentences (`explain`). The number of queries does not depend
on the number of champions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from champions.models import Champion, ChampionState, ConsentScope
from programs.references import conf
from programs.references.consent import champions_with_consent
from programs.references.matching.explain import LABELS, reasons
from programs.references.matching.scoring import (
    PROBING,
    RANKING,
    WEIGHTS,
    cap_expression,
    component_expressions,
    load_expression,
    points,
    total_expression,
    zones_near,
)
from programs.references.models import (
    ReferenceOffer,
    ReferenceProgramSettings,
    ReferenceRequest,
    ReferenceStory,
    StoryFeature,
)
from programs.references.selectors import program_settings, stories_visible_to_sales, tier_caps

__all__ = [
    "LABELS",
    "WEIGHTS",
    "MatchCandidate",
    "ScoreComponent",
    "candidates",
    "match_request",
    "zones_near",
]


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


def candidates(
    *,
    request: ReferenceRequest,
    at: datetime,
    area_ids: list[int],
    caps: tuple[ReferenceProgramSettings, dict[str, int]] | None = None,
) -> QuerySet[Any]:
    """Every eligible champion with its total `match_score` (the components as aliases).

    `caps`: the program settings and the tier caps, if the caller has read them already.
    """
    caps = caps or (program_settings(), tier_caps())
    deal_account = ReferenceRequest.objects.filter(pk=request.pk).values("deal__account_id")[:1]
    consented = champions_with_consent(ConsentScope.REFERENCE_CALL, at=at)
    return (
        Champion.objects.filter(state=ChampionState.ACTIVE, erased_at__isnull=True)
        # > 0 rather than a bare IN: see `_hashed_filter`.
        .alias(consented=_hashed_filter(consented))
        .filter(consented__gt=0)
        .filter(Q(user__isnull=True) | Q(user__is_staff=False))
        .exclude(reference_profile__paused=True)
        .exclude(reference_profile__cooldown_until__gt=at)
        .exclude(pk__in=ReferenceOffer.objects.filter(request=request).values("champion_id"))
        # Not the prospect's own company. Coalesce: a deal without an account must exclude
        # nobody (a NULL comparison would exclude everybody).
        .exclude(account_id=Coalesce(Subquery(deal_account, output_field=IntegerField()), Value(0)))
        .alias(ref_cap=cap_expression(*caps), ref_load=load_expression(at, RANKING))
        .filter(ref_load__lt=F("ref_cap"))
        .alias(**component_expressions(request=request, at=at, area_ids=area_ids, sets=RANKING))
        .annotate(match_score=total_expression())
    )


def _hashed_filter(ids: QuerySet[Any]) -> Any:
    """SQL: 1 when the champion is in the id set, else 0, to be filtered with > 0.

    This keeps the set a hashed filter at the scan of champions. A bare `pk IN (...)` lets
    the planner turn it into a semi-join above the sort (sorting every active champion
    first); an equality test on the CASE gets a 1/200 row estimate, with which it nests
    loops over every account for every champion. A range test gets 1/3. (EXPLAIN ANALYZE on
    100,000 champions: BENCHMARKS.md.)
    """
    return points(Q(pk__in=ids), 1)


def match_request(
    *, request: ReferenceRequest, limit: int | None = None, at: datetime | None = None
) -> list[MatchCandidate]:
    """The top `limit` (20) champions for a request, best first (score, then id), each with
    component points, an explanation and their best matching published stories.

    Eight queries, whatever the number of champions.
    """
    at = at or timezone.now()
    limit = limit or conf.match_limit()
    area_ids = sorted(request.product_areas.values_list("pk", flat=True))
    caps = (program_settings(), tier_caps())
    ranked = list(
        candidates(request=request, at=at, area_ids=area_ids, caps=caps)
        .order_by("-match_score", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ranked:
        return []
    scored = _scored(request, ranked, at=at, area_ids=area_ids, caps=caps)
    areas = _overlapping_areas(ranked, area_ids)
    stories = _best_stories(request, ranked, at=at, area_ids=area_ids)
    found = [
        _candidate(scored[pk], request, areas.get(pk, []), len(area_ids), stories.get(pk, []))
        for pk in ranked
        if pk in scored
    ]
    # The points were read a moment after the ranking; order by them so what is shown agrees.
    return sorted(found, key=lambda c: (-c.score, c.champion.pk))


def _scored(
    request: ReferenceRequest,
    ids: list[int],
    *,
    at: datetime,
    area_ids: list[int],
    caps: tuple[ReferenceProgramSettings, dict[str, int]],
) -> dict[int, Champion]:
    """The winners with their component points (correlated probes: a few rows only)."""
    rows = (
        Champion.objects.filter(pk__in=ids)
        .select_related("account")
        .annotate(ref_cap=cap_expression(*caps), ref_load=load_expression(at, PROBING))
        .annotate(**component_expressions(request=request, at=at, area_ids=area_ids, sets=PROBING))
    )
    return {champion.pk: champion for champion in rows}


def _candidate(
    champion: Champion,
    request: ReferenceRequest,
    areas: list[str],
    requested_areas: int,
    stories: list[ReferenceStory],
) -> MatchCandidate:
    values = {
        name: int(getattr(champion, name))
        for name in ["ref_cap", "ref_load", *(f"pts_{key}" for key in WEIGHTS)]
    }
    why = reasons(
        champion=champion,
        request=request,
        values=values,
        areas=areas,
        requested_areas=requested_areas,
    )
    components = tuple(
        ScoreComponent(
            key=key,
            label=LABELS[key],
            points=values[f"pts_{key}"],
            max_points=WEIGHTS[key],
            reason=why[key],
        )
        for key in WEIGHTS
    )
    return MatchCandidate(
        champion=champion,
        score=sum(c.points for c in components),
        components=components,
        stories=tuple(stories),
    )


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
    # A correlated count is fine here: it runs for the few stories of the top N only.
    story_areas: QuerySet[Any] = ReferenceStory.product_areas.through.objects.filter(
        referencestory_id=OuterRef("story_id"), productarea_id__in=area_ids or [0]
    )
    shared = (
        story_areas.order_by().values("referencestory_id").annotate(n=Count("pk")).values("n")[:1]
    )
    features = (
        StoryFeature.objects.filter(
            champion_id__in=ids, story__in=stories_visible_to_sales(at=at).values("pk")
        )
        .select_related("story")
        .annotate(
            relevance=points(Q(story__industry=request.prospect_industry), 4)
            + points(Q(story__use_case_id=request.use_case_id), 3)
            + Coalesce(Subquery(shared, output_field=IntegerField()), Value(0))
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
