"""The demo seeder: a reference program in every state, built through the services."""

from __future__ import annotations

import pytest

from champions.models import Activity, ActivityKind, ChampionTier
from programs.references import selectors
from programs.references.demo import seed_references
from programs.references.models import (
    Attribution,
    ReferenceRequest,
    RequestStatus,
    StoryStatus,
)
from tests.factories import AccountFactory, ChampionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_holds_stories_and_requests_in_every_state() -> None:
    accounts = [
        AccountFactory(name="Acme", industry="retail"),
        AccountFactory(name="Globex", industry="fintech"),
        AccountFactory(name="Initech", industry="software"),
    ]
    champions = [
        ChampionFactory(account=accounts[i % 3], tier=ChampionTier.ADVOCATE, languages=["en"])
        for i in range(9)
    ]
    users = [UserFactory(email="sales@vendor.example"), StaffFactory(email="pm@vendor.example")]

    demo = seed_references(champions=champions, accounts=accounts, users=users)

    assert set(demo.stories) == set(StoryStatus.values)
    assert len(demo.stories[StoryStatus.PUBLISHED]) == 2
    assert set(demo.requests) == set(RequestStatus.values)
    outcomes = set(
        ReferenceRequest.objects.filter(status=RequestStatus.COMPLETED).values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == {"held", "no_show", "cancelled"}
    assert Attribution.objects.count() == 3
    assert Activity.objects.filter(kind=ActivityKind.GAVE_REFERENCE).count() == 3
    assert Activity.objects.filter(kind=ActivityKind.WROTE_STORY).exists()
    overdue = [
        r
        for r in demo.requests[RequestStatus.REQUESTED]
        if selectors.request_sla(request=r).overdue
    ]
    assert len(overdue) == 1
    influenced = [d for d in demo.deals if selectors.deal_has_reference(deal=d)]
    assert len(influenced) == 2  # the third reference came after its deal was won


def test_the_demo_needs_enough_champions() -> None:
    account = AccountFactory()
    with pytest.raises(ValueError, match="5 active champions"):
        seed_references(
            champions=[ChampionFactory(account=account)], accounts=[account], users=[UserFactory()]
        )
