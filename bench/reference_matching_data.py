"""Data for the reference-matching benchmark: a large program, generated with bulk_create.

Deterministic (seeded); everything is dated relative to `REFERENCE`, the moment the
benchmark matches at. Shape (defaults): 10,000 accounts, 100,000 champions (80 % active),
1–3 product areas each, reference-call consent for 70 % (5 % of them withdrawn later),
20,000 reference profiles, 20,000 stories (80 % published, 1–2 featured champions, quotes
in half), 30,000 past requests with their offers (27,000 fulfilled over the last year,
3,000 still open), 300,000 activities over the last 180 days.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import connection, models, transaction

from champions.models import (
    ACTIVITY_LEVELS,
    Account,
    Activity,
    ActivityKind,
    ActivitySource,
    Champion,
    ChampionState,
    ChampionTier,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    Industry,
    ProductArea,
    Region,
    SizeBand,
    refresh_reference_call_consent,
)
from programs.references.models import (
    Deal,
    OfferResponse,
    Quote,
    ReferenceOffer,
    ReferenceProfile,
    ReferenceRequest,
    ReferenceStory,
    RequestOutcome,
    RequestStatus,
    StoryFeature,
    StoryStatus,
    TierReferenceCap,
    UseCase,
)

REFERENCE = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
LANGUAGES = ("en", "de", "fr", "es", "nl", "pt", "ja")
CONTRIBUTIONS = (
    ActivityKind.ANSWERED_QUESTION,
    ActivityKind.ASKED_QUESTION,
    ActivityKind.ATTENDED_EVENT,
    ActivityKind.SHARED_TEMPLATE,
)
BATCH = 5000


def _chunks(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _bulk(model: type[models.Model], rows: Iterable[Any]) -> int:
    count = 0
    for chunk in _chunks(rows):
        model.objects.bulk_create(chunk)  # type: ignore[attr-defined]
        count += len(chunk)
    return count


def _ago(rng: random.Random, max_days: float, min_days: float = 0) -> datetime:
    return REFERENCE - timedelta(days=rng.uniform(min_days, max_days))


def is_generated() -> bool:
    return Champion.objects.exists()


@transaction.atomic
def generate(*, champions: int = 100_000, stories: int = 20_000, seed: int = 42) -> dict[str, int]:
    """Fill an empty database; returns row counts per table."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    areas = [ProductArea(name=f"Area {i}", slug=f"area-{i}") for i in range(20)]
    ProductArea.objects.bulk_create(areas)
    areas = list(ProductArea.objects.order_by("pk"))
    use_cases = UseCase.objects.bulk_create(
        UseCase(name=f"Use case {i}", slug=f"use-case-{i}") for i in range(8)
    )
    TierReferenceCap.objects.bulk_create(
        TierReferenceCap(tier=tier, cap=cap)
        for tier, cap in zip(ChampionTier.values, (2, 3, 4), strict=True)
    )
    counts["accounts"] = _accounts(rng, champions // 10)
    account_ids = list(Account.objects.values_list("pk", flat=True))
    counts["champions"] = _champions(rng, champions, account_ids)
    champion_rows = list(Champion.objects.values_list("pk", "account_id", "state"))
    active_ids = [pk for pk, _, state in champion_rows if state == ChampionState.ACTIVE]
    counts["champion_product_areas"] = _champion_areas(rng, champion_rows, areas)
    consenting = rng.sample(active_ids, int(len(active_ids) * 0.7))
    counts["consent_records"] = _consents(rng, consenting)
    refresh_reference_call_consent()
    counts["reference_profiles"] = _profiles(rng, consenting, use_cases)
    counts["stories"] = _stories(rng, stories, consenting, areas, use_cases)
    counts["requests"] = _requests(rng, consenting)
    counts["activities"] = _activities(rng, active_ids, champions * 3)
    return counts


def _accounts(rng: random.Random, count: int) -> int:
    return _bulk(
        Account,
        (
            Account(
                name=f"Customer {i}",
                domain=f"customer{i}.example",
                industry=rng.choice(Industry.values),
                region=rng.choice(Region.values),
                size_band=rng.choice(SizeBand.values),
            )
            for i in range(count)
        ),
    )


def _champions(rng: random.Random, count: int, account_ids: list[int]) -> int:
    states = (
        [ChampionState.ACTIVE] * 16
        + [ChampionState.DORMANT] * 2
        + [
            ChampionState.ONBOARDING,
            ChampionState.ALUMNI,
        ]
    )

    def row(i: int) -> Champion:
        joined = _ago(rng, 900, 30)
        return Champion(
            account_id=rng.choice(account_ids),
            email=f"champion{i}@bench.example",
            full_name=f"Champion {i}",
            title="Operations lead",
            tier=rng.choices(ChampionTier.values, weights=(70, 22, 8))[0],
            timezone=rng.choice(ZONES),
            languages=rng.sample(LANGUAGES, rng.randint(1, 3)),
            state=rng.choice(states),
            joined_at=joined,
            state_changed_at=joined,
        )

    return _bulk(Champion, (row(i) for i in range(count)))


def _champion_areas(
    rng: random.Random, champion_rows: list[tuple[int, int, str]], areas: list[ProductArea]
) -> int:
    through = Champion.product_areas.through
    return _bulk(
        through,
        (
            through(champion_id=pk, productarea_id=area.pk)
            for pk, _, _ in champion_rows
            for area in rng.sample(areas, rng.randint(1, 3))
        ),
    )


def _consents(rng: random.Random, consenting: list[int]) -> int:
    def records(pk: int) -> Iterator[ConsentRecord]:
        granted_at = _ago(rng, 700, 200)
        for scope in (ConsentScope.REFERENCE_CALL, ConsentScope.CASE_STUDY, ConsentScope.QUOTE):
            yield ConsentRecord(
                champion_id=pk,
                scope=scope,
                granted=True,
                text_version="1",
                text_hash=hashlib.sha256(scope.encode()).hexdigest(),
                method=ConsentMethod.PORTAL,
                recorded_at=granted_at,
            )
        if rng.random() < 0.05:
            yield ConsentRecord(
                champion_id=pk,
                scope=ConsentScope.REFERENCE_CALL,
                granted=False,
                text_version="1",
                text_hash="withdrawn",
                method=ConsentMethod.PORTAL,
                recorded_at=_ago(rng, 150),
            )

    return _bulk(ConsentRecord, (r for pk in consenting for r in records(pk)))


def _profiles(rng: random.Random, consenting: list[int], use_cases: list[UseCase]) -> int:
    chosen = rng.sample(consenting, min(20_000, len(consenting)))
    made = _bulk(
        ReferenceProfile,
        (
            ReferenceProfile(
                champion_id=pk,
                cap_override=rng.choice((None,) * 9 + (1, 5)),
                paused=rng.random() < 0.02,
                cooldown_until=REFERENCE + timedelta(days=rng.randint(-60, 10))
                if rng.random() < 0.3
                else None,
            )
            for pk in chosen
        ),
    )
    through = ReferenceProfile.use_cases.through
    profile_ids = list(ReferenceProfile.objects.values_list("pk", flat=True))
    _bulk(
        through,
        (
            through(referenceprofile_id=pk, usecase_id=case.pk)
            for pk in profile_ids
            for case in rng.sample(use_cases, rng.randint(0, 2))
        ),
    )
    return made


def _stories(
    rng: random.Random,
    count: int,
    consenting: list[int],
    areas: list[ProductArea],
    use_cases: list[UseCase],
) -> int:
    featured = rng.sample(consenting, count)
    champion_info = dict(
        Champion.objects.filter(pk__in=featured).values_list("pk", "account__industry")
    )
    accounts = dict(Champion.objects.filter(pk__in=featured).values_list("pk", "account_id"))

    def story(pk: int) -> ReferenceStory:
        published = rng.random() < 0.8
        at = _ago(rng, 330)
        return ReferenceStory(
            account_id=accounts[pk],
            title=f"Story of champion {pk}",
            challenge="A challenge.",
            solution="A solution.",
            results="Results.",
            industry=champion_info[pk],
            use_case=rng.choice(use_cases),
            region=rng.choice(Region.values),
            size_band=rng.choice(SizeBand.values),
            status=StoryStatus.PUBLISHED if published else StoryStatus.DRAFT,
            version_number=1,
            content_hash=hashlib.sha256(str(pk).encode()).hexdigest(),
            published_at=at if published else None,
            review_due_at=at + timedelta(days=365) if published else None,
        )

    made = _bulk(ReferenceStory, (story(pk) for pk in featured))
    story_ids = list(ReferenceStory.objects.order_by("pk").values_list("pk", flat=True))
    _bulk(
        StoryFeature,
        (StoryFeature(story_id=s, champion_id=c) for s, c in zip(story_ids, featured, strict=True)),
    )
    _bulk(
        Quote,
        (
            Quote(story_id=s, champion_id=c, text="It works.")
            for s, c in zip(story_ids, featured, strict=True)
            if rng.random() < 0.5
        ),
    )
    through = ReferenceStory.product_areas.through
    _bulk(
        through,
        (
            through(referencestory_id=s, productarea_id=area.pk)
            for s in story_ids
            for area in rng.sample(areas, rng.randint(1, 3))
        ),
    )
    return made


def _requests(rng: random.Random, consenting: list[int]) -> int:
    deals = Deal.objects.bulk_create(
        Deal(
            name=f"Deal {i}", crm_id=f"bench-{i}", amount=Decimal(30000), created_at=_ago(rng, 400)
        )
        for i in range(2000)
    )
    open_statuses = (RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.SCHEDULED)

    def request(i: int) -> ReferenceRequest:
        requested = _ago(rng, 365, 3)
        fulfilled = i < 27_000
        return ReferenceRequest(
            requested_by_id=_bench_user_id(),
            deal=rng.choice(deals),
            prospect_company=f"Prospect {i}",
            prospect_industry=rng.choice(Industry.values),
            prospect_region=rng.choice(Region.values),
            prospect_size_band=rng.choice(SizeBand.values),
            activity_type="call",
            status=RequestStatus.COMPLETED if fulfilled else rng.choice(open_statuses),
            champion_id=rng.choice(consenting),
            requested_at=requested,
            offer_due_at=requested + timedelta(days=2),
            offered_at=requested + timedelta(hours=5),
            outcome=RequestOutcome.HELD if fulfilled else "",
            fulfilled_at=requested + timedelta(days=2) if fulfilled else None,
            completed_at=requested + timedelta(days=2) if fulfilled else None,
        )

    made = _bulk(ReferenceRequest, (request(i) for i in range(30_000)))
    rows = ReferenceRequest.objects.values_list("pk", "champion_id", "offered_at", "status")
    _bulk(
        ReferenceOffer,
        (
            ReferenceOffer(
                request_id=pk,
                champion_id=champion_id,
                offered_at=offered_at,
                response=OfferResponse.PENDING
                if status == RequestStatus.OFFERED
                else OfferResponse.ACCEPTED,
                responded_at=None if status == RequestStatus.OFFERED else offered_at,
            )
            for pk, champion_id, offered_at, status in rows.iterator()
        ),
    )
    return made


_USER_ID: list[int] = []


def _bench_user_id() -> int:
    if not _USER_ID:
        from champions.models import User

        user, _ = User.objects.get_or_create(email="seller@bench.example")
        _USER_ID.append(user.pk)
    return _USER_ID[0]


def _activities(rng: random.Random, active_ids: list[int], count: int) -> int:
    def activity() -> Activity:
        kind = rng.choice(CONTRIBUTIONS)
        return Activity(
            champion_id=rng.choice(active_ids),
            kind=kind,
            level=ACTIVITY_LEVELS[kind],
            occurred_at=_ago(rng, 180),
            source=ActivitySource.SYSTEM,
        )

    return _bulk(Activity, (activity() for _ in range(count)))


def analyze() -> None:
    """Fresh planner statistics after the bulk load."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
