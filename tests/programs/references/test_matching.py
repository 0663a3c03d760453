"""Matching: the pre-filter, every score component worked out by hand, ties, explanations,
auto-offer and a query count that does not grow with the number of champions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from champions.models import (
    ActivityKind,
    ChampionState,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
)
from programs.references import matching, services
from programs.references.models import (
    OfferResponse,
    ReferenceOffer,
    ReferenceProgramSettings,
    RequestStatus,
)
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ChampionFactory,
    ProductAreaFactory,
    StaffFactory,
    UserFactory,
)
from tests.programs.references.factories import (
    DealFactory,
    ReferenceRequestFactory,
    UseCaseFactory,
    grant,
    make_story,
    publish,
    withdraw,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)


def champion(name: str, *, industry: str, region: str, size: str, **fields: Any) -> Any:
    account = AccountFactory(name=f"{name} Co", industry=industry, region=region, size_band=size)
    made = ChampionFactory(account=account, full_name=name, **fields)
    grant(made, at=LONG_AGO)
    return made


@pytest.fixture
def world() -> dict[str, Any]:
    """The request and champions whose scores the tests below work out by hand."""
    payments = ProductAreaFactory(name="Payments", slug="payments")
    reporting = ProductAreaFactory(name="Reporting", slug="reporting")
    onboarding = UseCaseFactory(name="Onboarding", slug="onboarding")
    prospect = AccountFactory(name="Prospect AG", industry="fintech", region="emea")
    request = services.request_create(
        requested_by=UserFactory(),
        deal=DealFactory(account=prospect),
        activity_type="call",
        prospect_size_band="200-999",
        prospect_timezone="Europe/Berlin",
        language="de",
        use_case=onboarding,
        product_areas=[payments, reporting],
        at=NOW,
    )
    ada = champion(
        "Ada",
        industry="fintech",
        region="emea",
        size="200-999",
        timezone="Europe/Berlin",
        languages=["de", "en"],
    )
    ada.product_areas.set([payments, reporting])
    services.reference_profile_update(champion=ada, use_cases=[onboarding])
    ActivityFactory(
        champion=ada, kind=ActivityKind.ANSWERED_QUESTION, occurred_at=NOW - timedelta(days=10)
    )
    bob = champion(
        "Bob",
        industry="fintech",
        region="na",
        size="1000-4999",
        timezone="America/New_York",
        languages=["en"],
    )
    bob.product_areas.set([payments])
    ActivityFactory(
        champion=bob, kind=ActivityKind.ANSWERED_QUESTION, occurred_at=NOW - timedelta(days=60)
    )
    for _ in range(3):  # three earlier references, long enough ago to be outside the cap window
        old = ReferenceRequestFactory(
            champion=bob,
            status=RequestStatus.COMPLETED,
            requested_at=NOW - timedelta(days=300),
        )
        ReferenceOffer.objects.create(
            request=old,
            champion=bob,
            response=OfferResponse.ACCEPTED,
            offered_at=NOW - timedelta(days=300),
            responded_at=NOW - timedelta(days=299),
        )
    cleo = champion(
        "Cleo",
        industry="retail",
        region="emea",
        size="200-999",
        timezone="Europe/London",
        languages=["de"],
    )
    busy = ReferenceRequestFactory(champion=cleo, status=RequestStatus.OFFERED)
    ReferenceOffer.objects.create(request=busy, champion=cleo, offered_at=NOW)
    # Eve scores exactly what Cleo scores; she was created later, so she ranks after Cleo.
    eve = champion(
        "Eve",
        industry="retail",
        region="emea",
        size="200-999",
        timezone="Europe/London",
        languages=["de"],
    )
    busy_eve = ReferenceRequestFactory(champion=eve, status=RequestStatus.OFFERED)
    ReferenceOffer.objects.create(request=busy_eve, champion=eve, offered_at=NOW)
    return {"request": request, "ada": ada, "bob": bob, "cleo": cleo, "eve": eve}


def ineligible(world: dict[str, Any]) -> None:
    """Champions who would score well but must never be candidates."""
    same = {"industry": "fintech", "region": "emea", "size": "200-999", "languages": ["de"]}
    no_consent = champion("NoConsent", **same)
    withdraw(no_consent, ConsentScope.REFERENCE_CALL, at=NOW - timedelta(days=1))
    paused = champion("Paused", **same)
    services.champion_pause_references(champion=paused, paused=True)
    at_cap = champion("AtCap", **same)
    for days in (10, 40):
        ReferenceRequestFactory(
            champion=at_cap,
            status=RequestStatus.COMPLETED,
            outcome="held",
            fulfilled_at=NOW - timedelta(days=days),
        )
    champion("Dormant", state=ChampionState.DORMANT, **same)
    staff = StaffFactory(email="staffer@vendor.example")
    champion("Staff", user=staff, email=staff.email, **same)
    cooling = champion("Cooling", **same)
    profile = services.reference_profile_for(champion=cooling)
    profile.cooldown_until = NOW + timedelta(days=3)
    profile.save()
    own = ChampionFactory(account=world["request"].deal.account, full_name="Prospect's own")
    grant(own, at=LONG_AGO)
    declined = champion("Declined", **same)
    ReferenceOffer.objects.create(
        request=world["request"], champion=declined, response=OfferResponse.DECLINED
    )


def test_the_ranking_is_the_one_worked_out_by_hand(world: dict[str, Any]) -> None:
    ineligible(world)
    result = matching.match_request(request=world["request"], at=NOW)

    assert [(c.champion.full_name, c.score) for c in result] == [
        # industry 20, use case 15, areas 15 (2 of 2), size 10, region 5, time zone 5,
        # language 10, recent activity 5 (10 days), fatigue 10 (2 of 2 free), acceptance 0
        ("Ada", 95),
        # 20, 0, 7 (1 of 2: 15 × 1 // 2), 5 (neighbouring size), 0, 0 (6 h away), 0,
        # 3 (60 days), 10, 5 (three accepted)
        ("Bob", 50),
        # 0, 0, 0, 10, 5, 5 (London is 1 h from Berlin), 10, 0, 5 (1 of 2 slots held), 0
        ("Cleo", 35),
        ("Eve", 35),  # a tie: the lower id first
    ]
    assert result[0].points == {
        "industry": 20,
        "use_case": 15,
        "product_areas": 15,
        "size_band": 10,
        "region": 5,
        "timezone": 5,
        "language": 10,
        "recent_activity": 5,
        "fatigue_headroom": 10,
        "past_acceptance": 0,
    }
    assert sum(matching.WEIGHTS.values()) == 100


def test_each_candidate_comes_with_an_explanation(world: dict[str, Any]) -> None:
    bob = matching.match_request(request=world["request"], at=NOW)[1]
    assert bob.explanation == [
        "Same industry as the prospect (Financial services) (+20)",
        "No story or stated experience with “Onboarding” (+0)",
        "Uses 1 of 2 requested product areas: Payments (+7)",
        "Neighbouring company size (1,000–4,999, prospect: 200–999) (+5)",
        "Other region (North America, prospect: EMEA) (+0)",
        "Time zone America/New_York more than 3 h from the prospect's (+0)",
        "Does not list German among their languages (+0)",
        "Contributed in the last 90 days (+3)",
        "2 of 2 reference slots free in the rolling 90 days (+10)",
        "Accepted 3 or more earlier reference request(s) (+5)",
    ]
    assert [c.max_points for c in bob.components] == list(matching.WEIGHTS.values())


def test_matching_is_deterministic(world: dict[str, Any]) -> None:
    first = matching.match_request(request=world["request"], at=NOW)
    second = matching.match_request(request=world["request"], at=NOW)
    assert [(c.champion.pk, c.score, c.explanation) for c in first] == [
        (c.champion.pk, c.score, c.explanation) for c in second
    ]


def test_candidates_come_with_their_best_published_stories(world: dict[str, Any]) -> None:
    ada = world["ada"]
    relevant = make_story([ada], title="Fintech onboarding", use_case=world["request"].use_case)
    publish(relevant, at=NOW - timedelta(days=30))
    other = make_story([ada], title="Retail story", industry="retail")
    publish(other, at=NOW - timedelta(days=20))
    make_story([ada], title="Still a draft")

    [top, *_] = matching.match_request(request=world["request"], at=NOW)

    assert [s.title for s in top.stories] == ["Fintech onboarding", "Retail story"]


def test_the_limit_cuts_the_list(world: dict[str, Any]) -> None:
    assert len(matching.match_request(request=world["request"], limit=2, at=NOW)) == 2


def test_no_candidates_gives_an_empty_list(world: dict[str, Any]) -> None:
    for name in ("ada", "bob", "cleo", "eve"):
        withdraw(world[name], ConsentScope.REFERENCE_CALL, at=NOW - timedelta(days=1))
    assert matching.match_request(request=world["request"], at=NOW) == []


def _make_candidates(count: int, area: Any) -> None:
    for i in range(count):
        made = ChampionFactory(full_name=f"Candidate {i}", languages=["en"])
        made.product_areas.add(area)
        ActivityFactory(champion=made, occurred_at=NOW - timedelta(days=i % 100))
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            champion_id=pk,
            scope=ConsentScope.REFERENCE_CALL,
            granted=True,
            text_version="1",
            text_hash="h",
            method=ConsentMethod.PORTAL,
            recorded_at=LONG_AGO,
        )
        for pk in ChampionFactory._meta.model.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("count", [10, 200])
def test_the_query_count_does_not_grow_with_the_candidates(count: int) -> None:
    area = ProductAreaFactory(name="Payments", slug="payments")
    _make_candidates(count, area)
    request = services.request_create(
        requested_by=UserFactory(),
        deal=DealFactory(),
        activity_type="call",
        use_case=UseCaseFactory(),
        product_areas=[area],
        prospect_timezone="Europe/Berlin",
        at=NOW,
    )
    request = type(request).objects.get(pk=request.pk)  # nothing cached on the instance
    with CaptureQueriesContext(connection) as queries:
        result = matching.match_request(request=request, at=NOW)
    assert len(result) == min(count, 20)
    # settings, tier caps, the request's areas, the ranking, the top N's points, their
    # areas, their stories, and the request's use case for the explanation: the same 8 for
    # 10 or 200 champions.
    assert len(queries) == 8


# --- auto-offer ------------------------------------------------------------------------------


def test_a_clear_leader_is_offered_automatically(world: dict[str, Any]) -> None:
    ReferenceProgramSettings.objects.create(pk=1, auto_offer_enabled=True, auto_offer_margin=40)
    request = world["request"]
    offer = services.request_auto_offer(request=request, at=NOW)  # Ada 95 leads Bob 50 by 45
    assert offer is not None and offer.automatic and offer.score == 95
    assert offer.champion == world["ada"]
    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED


def test_no_auto_offer_when_the_lead_is_below_the_margin(world: dict[str, Any]) -> None:
    ReferenceProgramSettings.objects.create(pk=1, auto_offer_enabled=True, auto_offer_margin=46)
    assert services.request_auto_offer(request=world["request"], at=NOW) is None
    world["request"].refresh_from_db()
    assert world["request"].status == RequestStatus.REQUESTED


def test_a_new_request_is_auto_offered_only_when_the_program_says_so(
    world: dict[str, Any],
) -> None:
    def create() -> Any:
        return services.request_create(
            requested_by=UserFactory(),
            deal=DealFactory(account=AccountFactory(industry="fintech", region="emea")),
            activity_type="call",
            language="de",
            at=NOW,
        )

    assert create().status == RequestStatus.REQUESTED
    ReferenceProgramSettings.objects.create(pk=1, auto_offer_enabled=True, auto_offer_margin=5)
    auto = create()
    assert auto.status == RequestStatus.OFFERED and auto.champion == world["ada"]


def test_zones_near_uses_the_offset_on_the_day() -> None:
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert "Europe/London" in matching.zones_near("Europe/Berlin", at=summer)
    assert "America/New_York" not in matching.zones_near("Europe/Berlin", at=summer)
    assert matching.zones_near("Not/AZone", at=summer) == []


def test_a_deal_without_an_account_excludes_nobody(world: dict[str, Any]) -> None:
    request = services.request_create(
        requested_by=UserFactory(),
        deal=DealFactory(account=None),
        activity_type="call",
        prospect_company="Unknown Ltd",
        prospect_industry="fintech",
        prospect_region="emea",
        prospect_size_band="200-999",
        at=NOW,
    )
    names = [c.champion.full_name for c in matching.match_request(request=request, at=NOW)]
    assert names == ["Ada", "Bob", "Cleo", "Eve"]


def test_the_ranking_score_and_the_winners_points_agree_for_everyone(
    world: dict[str, Any],
) -> None:
    """Ranking uses hashed id sets, the winners' points correlated probes: same numbers."""
    request = world["request"]
    area_ids = sorted(request.product_areas.values_list("pk", flat=True))
    ranked = dict(
        matching.candidates(request=request, at=NOW, area_ids=area_ids).values_list(
            "pk", "match_score"
        )
    )
    shown = {c.champion.pk: c.score for c in matching.match_request(request=request, at=NOW)}
    assert shown == ranked
