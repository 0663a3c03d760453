"""Thin glue between the API and the reference program's own selectors and matching.

The rules live in `programs.references` (consent in SQL, visibility to sales, matching, SLA);
this module only shapes querysets for list endpoints — filters, prefetches for a constant
number of queries per page — and adapts a prospect profile to `match_request`.

Two pieces would better live in `programs.references` itself (see the API hand-over):
- `with_availability` annotates availability's inputs in SQL, so a search can filter on "available
  now" across every champion; `reference_page` decides from them with the same
  `availability_state` that `champions_availability` uses.
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
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone

from champions.models import (
    Champion,
    ChampionState,
    ProductArea,
    User,
)
from config.precompiled import AnyOf, Ids, Moment, Number, Precompiled
from programs.references import conf
from programs.references.matching import MatchCandidate, match_request
from programs.references.models import (
    ActivityType,
    Deal,
    ProvenMetric,
    ReferenceProfile,
    ReferenceProgramSettings,
    ReferenceRequest,
    ReferenceStory,
    StoryFeature,
    TierReferenceCap,
    UseCase,
)
from programs.references.models.program import default_cap as settings_default_cap
from programs.references.selectors import visible_story_ids
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
    current reference-call consent (`Champion.reference_call_consent_at`, kept with every
    consent record, so a withdrawal takes them out at once). Lean — the columns the search
    filters and orders by, all in the `champion_reference_pool` index — so a page reads only
    the rows it returns; `reference_page` reads the rest for those rows."""
    at = at or timezone.now()
    return (
        Champion.objects.filter(state=ChampionState.ACTIVE, erased_at__isnull=True)
        .filter(reference_call_consent_at__lte=at)
        .filter(Q(user__isnull=True) | Q(user__is_staff=False))
        .only("pk", "full_name", "joined_at")
    )


def with_availability(
    queryset: QuerySet[Champion], *, at: datetime | None = None, default_cap: int | None = None
) -> QuerySet[Champion]:
    """Annotated with what `availability_state` needs: `ref_cap`, `ref_given` (fulfilled in the
    rolling window), `ref_committed` (offered, accepted or scheduled), `ref_busy` (accepted
    or scheduled), `ref_paused`, `ref_cooldown_until`.

    The cap is `champion_cap`'s rule in SQL — the profile's override, else the tier's cap,
    else the program's default (the model's default until the team saves the settings) — so
    the settings are read by the same query, with no round trip of their own per request.
    """
    at = at or timezone.now()
    window_start = at - timedelta(days=conf.CAP_WINDOW_DAYS)
    tier_cap = TierReferenceCap.objects.filter(tier=OuterRef("tier")).values("cap")[:1]
    program_cap = ReferenceProgramSettings.objects.filter(pk=1).values("default_cap")[:1]
    requests = ReferenceRequest.objects.filter(champion=OuterRef("pk"))
    return queryset.annotate(
        ref_cap=Coalesce(
            F("reference_profile__cap_override"),
            Subquery(tier_cap, output_field=IntegerField()),
            Subquery(program_cap, output_field=IntegerField()),
            Value(default_cap if default_cap is not None else settings_default_cap()),
            output_field=IntegerField(),
        ),
        ref_given=_count(requests.filter(fulfilled_at__gt=window_start, fulfilled_at__lte=at)),
        ref_committed=_count(requests.filter(status__in=COMMITTED_STATUSES)),
        ref_busy=Exists(requests.filter(status__in=BUSY_STATUSES)),
        ref_paused=Coalesce(F("reference_profile__paused"), Value(False)),
        ref_cooldown_until=F("reference_profile__cooldown_until"),
    )


def available_now(*, at: datetime | None = None) -> Q:
    """SQL: `availability_state` would say "available" (on `with_availability`'s annotations)."""
    at = at or timezone.now()
    return (
        Q(ref_paused=False)
        & (Q(ref_cooldown_until__isnull=True) | Q(ref_cooldown_until__lte=at))
        & Q(ref_busy=False)
        & Q(ref_given__lt=F("ref_cap") - F("ref_committed"))
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


# The three reads of a search page, compiled once per process (`config.precompiled`): the
# queryset-building and compiling would cost more Python than the database needs to answer.
_CAP_WINDOW = {"window_start": ("at", lambda at: at - timedelta(days=conf.CAP_WINDOW_DAYS))}
_PAGE_CHAMPIONS = Precompiled(
    lambda ids, at, default_cap: (
        with_availability(Champion.objects.filter(AnyOf("pk", ids)), at=at, default_cap=default_cap)
        .order_by()
        .values_list(  # type: ignore[misc]  # the annotations of `with_availability`
            "pk",
            "full_name",
            "title",
            "languages",
            "email",
            "tier",
            "private_notes",
            "account__name",
            "account__industry",
            "account__region",
            "account__size_band",
            "ref_paused",
            "ref_cap",
            "ref_given",
            "ref_committed",
            "ref_busy",
            "ref_cooldown_until",
        )
    ),
    ids=Ids,
    at=Moment,
    default_cap=Number,
    derived=_CAP_WINDOW,
)
# The stories sales may use that feature these champions, each with its proven metrics: one
# row per metric, joined (a story without metrics has one row of NULLs).
_PAGE_STORIES = Precompiled(
    lambda ids, at: (
        StoryFeature.objects.filter(
            AnyOf("champion_id", ids), story_id__in=visible_story_ids(at=at)
        )
        .order_by("id", "story__metrics__position", "story__metrics__id")
        .values_list(
            "champion_id",
            "story_id",
            "story__title",
            "story__video_url",
            "story__use_case__slug",
            "story__metrics__name",
            "story__metrics__before",
            "story__metrics__after",
            "story__metrics__unit",
            "story__metrics__period",
        )
    ),
    ids=Ids,
    at=Moment,
)
# Slugs are all a reference shows of its areas and stated use cases: both kinds of pairs,
# tagged, in one read.
_PAGE_SLUGS = Precompiled(
    lambda ids: (
        Champion.product_areas.through.objects.filter(AnyOf("champion_id", ids))
        .annotate(kind=Value("area"))
        .values_list("kind", "champion_id", "productarea__name", "productarea__slug")  # type: ignore[misc]  # the stubs do not see annotations on through models
        .union(
            ReferenceProfile.use_cases.through.objects.filter(
                AnyOf("referenceprofile__champion_id", ids)
            )
            .annotate(kind=Value("use_case"))
            .values_list("kind", "referenceprofile__champion_id", "usecase__name", "usecase__slug"),  # type: ignore[misc]
            all=True,
        )
    ),
    ids=Ids,
)


def reference_page(
    page: Sequence[Champion], *, program_team: bool = False, at: datetime | None = None
) -> list[dict[str, Any]]:
    """The page's references, in its order, as the search shows them (the program team's
    fields too with `program_team`): company, product areas, use cases, availability, the
    stories sales may use with their metrics — in three queries whatever the page size, read
    as plain rows (model instances and nested serializers cost more CPU than the queries)."""
    if not page:
        return []
    at = at or timezone.now()
    ids = [c.pk for c in page]
    stories: dict[int, list[dict[str, Any]]] = {}
    proven: dict[int, set[str]] = {}
    story_rows: dict[tuple[int, int], dict[str, Any]] = {}
    for champion_id, story_id, title, video_url, use_case, *metric in _PAGE_STORIES.rows(
        ids=ids, at=at
    ):
        story = story_rows.get((champion_id, story_id))
        if story is None:
            story = {"id": story_id, "title": title, "has_video": bool(video_url), "metrics": []}
            story_rows[(champion_id, story_id)] = story
            stories.setdefault(champion_id, []).append(story)
            if use_case is not None:
                proven.setdefault(champion_id, set()).add(use_case)
        name, before, after, unit, period = metric
        if name is not None:
            # Decimals as DRF writes them: a string with the column's two places.
            story["metrics"].append(
                {
                    "name": name,
                    "before": f"{before:.2f}",
                    "after": f"{after:.2f}",
                    "unit": unit,
                    "period": period,
                }
            )
    areas: dict[int, list[str]] = {}
    stated: dict[int, list[str]] = {}
    for kind, champion_id, _, slug in sorted(_PAGE_SLUGS.rows(ids=ids)):
        (areas if kind == "area" else stated).setdefault(champion_id, []).append(slug)
    rows: dict[int, dict[str, Any]] = {}
    for (
        pk,
        full_name,
        title,
        languages,
        email,
        tier,
        private_notes,
        company,
        industry,
        region,
        size_band,
        *availability,
    ) in _PAGE_CHAMPIONS.rows(ids=ids, at=at, default_cap=settings_default_cap()):
        paused, cap, given, committed, busy, cooldown_until = availability
        row = {
            "id": pk,
            "full_name": full_name,
            "title": title,
            "company": company,
            "industry": industry,
            "region": region,
            "size_band": size_band,
            "languages": list(languages),
            "product_areas": areas.get(pk, []),
            "use_cases": sorted(set(stated.get(pk, [])) | proven.get(pk, set())),
            "availability": availability_state(
                paused=bool(paused),
                cap=int(cap),
                given=int(given),
                committed=int(committed),
                busy=bool(busy),
                cooldown_until=cooldown_until,
                at=at,
            ),
            "stories": stories.get(pk, []),
        }
        if program_team:
            row |= {"email": email, "tier": tier, "private_notes": private_notes}
        rows[pk] = row
    return [rows[pk] for pk in ids if pk in rows]


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
