"""Thin glue between the API and the reference program's own selectors and matching.

The rules live in `programs.references` (consent in SQL, visibility to sales, matching, SLA);
this module only shapes querysets for list endpoints — filters, prefetches for a constant
number of queries per page — and adapts a prospect profile to `match_request`.

Two pieces would better live in `programs.references` itself (see the API hand-over):
- `with_availability` annotates availability's inputs in SQL, so a search can filter on "available
  now" across every champion; `availability_of` decides from them with the same
  `availability_state` that `champions_availability` uses.
- `match_profile` runs `match_request` for a prospect profile that is not a saved request
  (today by saving a preview request in a transaction that is rolled back).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone

from champions.models import (
    Champion,
    ChampionState,
    ConsentScope,
    ProductArea,
    User,
)
from programs.references import conf
from programs.references.consent import consent_granted
from programs.references.matching import MatchCandidate, match_request
from programs.references.models import (
    ActivityType,
    Deal,
    ProvenMetric,
    ReferenceProfile,
    ReferenceRequest,
    ReferenceStory,
    StoryFeature,
    UseCase,
)
from programs.references.selectors import (
    program_settings,
    tier_caps,
    visible_story_ids,
)
from programs.references.selectors.requests import (
    BUSY_STATUSES,
    COMMITTED_STATUSES,
    availability_state,
)


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("champion_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def reference_pool(*, at: datetime | None = None) -> QuerySet[Champion]:
    """Champions sales may ask for a reference call: active, not erased, not staff, with a
    current reference-call consent. Lean — the columns the search filters and orders by — so
    a page reads only the rows it returns; `reference_page` reads the rest for those rows."""
    at = at or timezone.now()
    return (
        Champion.objects.filter(state=ChampionState.ACTIVE, erased_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user__is_staff=False))
        .alias(reference_consent=consent_granted(ConsentScope.REFERENCE_CALL, at=at))
        .filter(reference_consent=True)
        .only("pk", "full_name", "joined_at")
    )


def with_availability(
    queryset: QuerySet[Champion], *, at: datetime | None = None
) -> QuerySet[Champion]:
    """Annotated with what `availability_of` needs: `ref_cap`, `ref_given` (fulfilled in the
    rolling window), `ref_committed` (offered, accepted or scheduled), `ref_busy` (accepted
    or scheduled), `ref_paused`, `ref_cooldown_until`."""
    at = at or timezone.now()
    program, caps = program_settings(), tier_caps()
    window_start = at - timedelta(days=conf.CAP_WINDOW_DAYS)
    tier_cap = Case(
        *[When(tier=tier, then=Value(cap)) for tier, cap in sorted(caps.items())],
        default=Value(program.default_cap),
        output_field=IntegerField(),
    )
    requests = ReferenceRequest.objects.filter(champion=OuterRef("pk"))
    return queryset.annotate(
        ref_cap=Coalesce(F("reference_profile__cap_override"), tier_cap),
        ref_given=_count(requests.filter(fulfilled_at__gt=window_start, fulfilled_at__lte=at)),
        ref_committed=_count(requests.filter(status__in=COMMITTED_STATUSES)),
        ref_busy=Exists(requests.filter(status__in=BUSY_STATUSES)),
        ref_paused=Coalesce(F("reference_profile__paused"), Value(False)),
        ref_cooldown_until=F("reference_profile__cooldown_until"),
    )


def available_now(*, at: datetime | None = None) -> Q:
    """SQL: `availability_of` would say "available" (on `with_availability`'s annotations)."""
    at = at or timezone.now()
    return (
        Q(ref_paused=False)
        & (Q(ref_cooldown_until__isnull=True) | Q(ref_cooldown_until__lte=at))
        & Q(ref_busy=False)
        & Q(ref_given__lt=F("ref_cap") - F("ref_committed"))
    )


def availability_of(champion: Champion, *, at: datetime | None = None) -> str:
    """available | busy | cooldown | at_cap | paused by `availability_state`, the rule
    `champion_availability` follows, from the annotations of `with_availability` (no query
    per champion)."""
    return availability_state(
        paused=bool(champion.ref_paused),  # type: ignore[attr-defined]
        cap=int(champion.ref_cap),  # type: ignore[attr-defined]
        given=int(champion.ref_given),  # type: ignore[attr-defined]
        committed=int(champion.ref_committed),  # type: ignore[attr-defined]
        busy=bool(champion.ref_busy),  # type: ignore[attr-defined]
        cooldown_until=champion.ref_cooldown_until,  # type: ignore[attr-defined]
        at=at or timezone.now(),
    )


def featured_in_visible_story(**story_filter: Any) -> IsNull:
    """SQL, per champion: featured in a story sales may use now that matches `story_filter`.

    Per champion on purpose: a search page walks champions in its order and stops when it is
    full, so the check runs for the few champions walked (an index probe of their features,
    then that story's visibility). A scalar subquery, because PostgreSQL would hash an EXISTS
    — deciding visibility for every matching story first (0.6 s for a use case).
    """
    story = ReferenceStory.objects.filter(
        pk__in=visible_story_ids(), features__champion=OuterRef("pk"), **story_filter
    )
    return IsNull(Subquery(story.values("pk")[:1]), False)


def reference_page(
    page: Sequence[Champion], *, program_team: bool = False, at: datetime | None = None
) -> list[dict[str, Any]]:
    """The page's references, in its order, as the search shows them (the program team's
    fields too with `program_team`): company, product areas, use cases, availability, the
    stories sales may use with their metrics — in a fixed number of queries whatever the page
    size, read as plain values rows (model instances and nested serializers cost more CPU
    than the queries themselves)."""
    if not page:
        return []
    ids = [c.pk for c in page]
    champions = (
        with_availability(Champion.objects.filter(pk__in=ids), at=at)
        .select_related("account", "reference_profile")
        .only(*SHOWN_FIELDS)
    )
    features = list(
        StoryFeature.objects.filter(champion_id__in=ids, story_id__in=visible_story_ids(at=at))
        .order_by("id")
        .values_list(
            "champion_id", "story_id", "story__title", "story__video_url", "story__use_case__slug"
        )
    )
    metrics: dict[int, list[dict[str, Any]]] = {}
    for story_id, name, before, after, unit, period in (
        ProvenMetric.objects.filter(story_id__in={f[1] for f in features})
        .order_by("position", "id")
        .values_list("story_id", "name", "before", "after", "unit", "period")
    ):
        metrics.setdefault(story_id, []).append(
            # Decimals as DRF writes them: a string with the column's two places.
            {
                "name": name,
                "before": f"{before:.2f}",
                "after": f"{after:.2f}",
                "unit": unit,
                "period": period,
            }
        )
    # Slugs are all a reference shows of its areas and stated use cases: plain pairs, not
    # prefetched models.
    areas = _slugs_by_champion(
        Champion.product_areas.through.objects.filter(champion_id__in=ids)
        .order_by("productarea__name")
        .values_list("champion_id", "productarea__slug")
    )
    stated = _slugs_by_champion(
        ReferenceProfile.use_cases.through.objects.filter(referenceprofile__champion_id__in=ids)
        .order_by("usecase__name")
        .values_list("referenceprofile__champion_id", "usecase__slug")
    )
    stories: dict[int, list[dict[str, Any]]] = {}
    proven: dict[int, set[str]] = {}
    for champion_id, story_id, title, video_url, use_case in features:
        stories.setdefault(champion_id, []).append(
            {
                "id": story_id,
                "title": title,
                "has_video": bool(video_url),
                "metrics": metrics.get(story_id, []),
            }
        )
        if use_case is not None:
            proven.setdefault(champion_id, set()).add(use_case)
    rows: dict[int, dict[str, Any]] = {}
    for champion in champions:
        pk, account = champion.pk, champion.account
        row = {
            "id": pk,
            "full_name": champion.full_name,
            "title": champion.title,
            "company": account.name,
            "industry": account.industry,
            "region": account.region,
            "size_band": account.size_band,
            "languages": list(champion.languages),
            "product_areas": areas.get(pk, []),
            "use_cases": sorted(set(stated.get(pk, [])) | proven.get(pk, set())),
            "availability": availability_of(champion, at=at),
            "stories": stories.get(pk, []),
        }
        if program_team:
            row |= {
                "email": champion.email,
                "tier": champion.tier,
                "private_notes": champion.private_notes,
            }
        rows[pk] = row
    return [rows[pk] for pk in ids if pk in rows]


# What a reference shows of a champion, their company and their reference profile (the
# program team's fields included): the rest of these wide rows stays in the database.
SHOWN_FIELDS = (
    "full_name",
    "title",
    "languages",
    "tier",
    "email",
    "private_notes",
    "account__name",
    "account__industry",
    "account__region",
    "account__size_band",
    "reference_profile__champion",
)


def _slugs_by_champion(pairs: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    slugs: dict[int, list[str]] = {}
    for champion_id, slug in pairs:
        slugs.setdefault(champion_id, []).append(slug)
    return slugs


def stories_for_listing(queryset: QuerySet[ReferenceStory]) -> QuerySet[ReferenceStory]:
    return queryset.select_related("account", "use_case").prefetch_related(
        "product_areas",
        Prefetch("metrics", queryset=ProvenMetric.objects.order_by("position", "id")),
        "quotes__champion",
        Prefetch("featured_champions", queryset=Champion.objects.order_by("full_name")),
    )


@dataclass(frozen=True)
class ProspectProfile:
    industry: str
    size_band: str
    region: str
    timezone: str = ""
    language: str = "en"
    use_case: UseCase | None = None
    product_areas: Sequence[ProductArea] = ()


def match_profile(
    *,
    profile: ProspectProfile,
    requested_by: User,
    deal: Deal | None = None,
    limit: int | None = None,
) -> list[MatchCandidate]:
    """`match_request` for a prospect who has no request yet; nothing stays written.

    `match_request` takes a saved request (it reads offers, product areas and the deal's
    account through the database), so a preview request — on the given deal, or on a preview
    deal without an account — is saved inside a transaction that is rolled back.
    """
    with transaction.atomic():
        if deal is None:
            deal = Deal.objects.create(name="(match preview)")
        now = timezone.now()
        request = ReferenceRequest.objects.create(
            requested_by=requested_by,
            deal=deal,
            prospect_company=deal.name,
            prospect_industry=profile.industry,
            prospect_size_band=profile.size_band,
            prospect_region=profile.region,
            prospect_timezone=profile.timezone,
            language=profile.language,
            use_case=profile.use_case,
            activity_type=ActivityType.CALL,
            requested_at=now,
            offer_due_at=now,
        )
        request.product_areas.set(list(profile.product_areas))
        candidates = match_request(request=request, limit=limit)
        transaction.set_rollback(True)
    return candidates
