"""Thin glue between the API and the reference program's own selectors and matching.

The rules live in `programs.references` (consent in SQL, visibility to sales, matching, SLA);
this module only shapes querysets for list endpoints — filters, prefetches for a constant
number of queries per page — and adapts a prospect profile to `match_request`.

Two pieces would better live in `programs.references` itself (see the API hand-over):
- `reference_pool` annotates availability in SQL; `champion_availability` answers it for one
  champion with several queries, which a page of 100 cannot afford. It mirrors the order of
  `champion_availability` (paused, at cap, cooling down, busy, available).
- `match_profile` runs `match_request` for a prospect profile that is not a saved request
  (today by saving a preview request in a transaction that is rolled back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
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
from django.utils import timezone

from champions.models import (
    Account,
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
    ReferenceRequest,
    ReferenceStory,
    StoryFeature,
    UseCase,
)
from programs.references.selectors import program_settings, stories_visible_to_sales, tier_caps
from programs.references.selectors.requests import BUSY_STATUSES, COMMITTED_STATUSES


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("champion_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def reference_pool(*, at: datetime | None = None) -> QuerySet[Champion]:
    """Champions sales may ask for a reference call: active, not erased, not staff, with a
    current reference-call consent; annotated with `ref_cap`, `ref_given`, `ref_committed`
    and `availability` (available | busy | cooldown | at_cap | paused)."""
    at = at or timezone.now()
    program, caps = program_settings(), tier_caps()
    window_start = at - timedelta(days=conf.CAP_WINDOW_DAYS)
    tier_cap = Case(
        *[When(tier=tier, then=Value(cap)) for tier, cap in sorted(caps.items())],
        default=Value(program.default_cap),
        output_field=IntegerField(),
    )
    requests = ReferenceRequest.objects.filter(champion=OuterRef("pk"))
    return (
        Champion.objects.filter(state=ChampionState.ACTIVE, erased_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user__is_staff=False))
        .alias(reference_consent=consent_granted(ConsentScope.REFERENCE_CALL, at=at))
        .filter(reference_consent=True)
        .annotate(
            ref_cap=Coalesce(F("reference_profile__cap_override"), tier_cap),
            ref_given=_count(requests.filter(fulfilled_at__gt=window_start, fulfilled_at__lte=at)),
            ref_committed=_count(requests.filter(status__in=COMMITTED_STATUSES)),
            ref_busy=Exists(requests.filter(status__in=BUSY_STATUSES)),
        )
        .annotate(
            availability=Case(
                When(reference_profile__paused=True, then=Value("paused")),
                When(ref_given__gte=F("ref_cap"), then=Value("at_cap")),
                When(reference_profile__cooldown_until__gt=at, then=Value("cooldown")),
                When(ref_busy=True, then=Value("busy")),
                When(
                    Q(ref_given__gte=F("ref_cap") - F("ref_committed")),
                    then=Value("busy"),
                ),
                default=Value("available"),
                output_field=CharField(),
            )
        )
    )


def reference_search_prefetched(
    queryset: QuerySet[Champion], *, at: datetime | None = None
) -> QuerySet[Champion]:
    """What a page of references shows, in a fixed number of queries whatever the page size."""
    visible = stories_visible_to_sales(at=at)
    features = StoryFeature.objects.filter(story__in=visible.values("pk")).select_related(
        "story", "story__use_case"
    )
    return queryset.select_related("account", "reference_profile").prefetch_related(
        "product_areas",
        "reference_profile__use_cases",
        Prefetch("story_features", queryset=features, to_attr="visible_features"),
        Prefetch(  # type: ignore[misc]  # through the to_attr list above
            "visible_features__story__metrics",
            queryset=ProvenMetric.objects.order_by("position", "id"),
        ),
    )


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
    account through the database), so a preview request is saved inside a transaction that
    is rolled back. Without a deal, a preview account and deal stand in: a request whose deal
    has no account matches no one in `matching.candidates` (its `NOT (account_id = NULL ...)`
    is NULL in SQL) — reported to the reference program.
    """
    with transaction.atomic():
        if deal is None:
            account = Account.objects.create(
                name="(match preview)",
                industry=profile.industry,
                region=profile.region,
                size_band=profile.size_band,
            )
            deal = Deal.objects.create(name="(match preview)", account=account)
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
