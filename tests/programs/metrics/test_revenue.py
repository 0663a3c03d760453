"""References and revenue: each expected value worked out by hand from METRICS.md."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from champions.models import Account, Champion, ChampionState, ChampionTier, ConsentScope
from programs.references.models import (
    Attribution,
    Deal,
    ReferenceProfile,
    ReferenceRequest,
    RequestOutcome,
    RequestStatus,
    TierReferenceCap,
)
from tests.factories import AccountFactory
from tests.programs.metrics.build import TO, at, champion, march, value
from tests.programs.references.factories import (
    DealFactory,
    ReferenceRequestFactory,
    grant,
    withdraw,
)

pytestmark = pytest.mark.django_db
REF = ConsentScope.REFERENCE_CALL


def fulfilled(
    person: Champion | None,
    when: datetime | None,
    *,
    deal: Deal | None = None,
    requested: datetime | None = None,
    outcome: str = RequestOutcome.HELD,
    completed: datetime | None = None,
) -> ReferenceRequest:
    """A closed request; held ones are fulfilled at `when` and attributed to their deal."""
    held = outcome == RequestOutcome.HELD
    request: ReferenceRequest = ReferenceRequestFactory(
        deal=deal or DealFactory(),
        champion=person,
        requested_at=requested or at(1, 1),
        status=RequestStatus.COMPLETED,
        outcome=outcome,
        completed_at=completed or when,
        fulfilled_at=when if held else None,
    )
    if held and person is not None and when is not None:
        Attribution.objects.create(
            request=request,
            champion=person,
            deal=request.deal,
            type=request.activity_type,
            date=when,
        )
    return request


def test_reference_supply() -> None:
    TierReferenceCap.objects.create(tier=ChampionTier.AMBASSADOR, cap=3)
    consented = at(2, 1)

    def supplier(**fields: Any) -> Champion:
        person = champion(**fields)
        grant(person, REF, at=consented)
        return person

    supplier()  # c1: no references given: in supply
    c2 = supplier()
    fulfilled(c2, at(1, 5))
    fulfilled(c2, march(5))  # c2: 2 of a default cap of 2: at cap
    c3 = supplier()
    fulfilled(c3, datetime(2025, 12, 31, 23, tzinfo=UTC))  # before [to − 90 d, to)
    fulfilled(c3, march(6))  # c3: 1 counted (< 2): in supply
    c4 = supplier(tier=ChampionTier.AMBASSADOR)
    fulfilled(c4, march(7))
    fulfilled(c4, march(8))  # c4: 2 of the ambassador cap 3: in supply
    c5 = supplier(tier=ChampionTier.AMBASSADOR)
    ReferenceProfile.objects.create(champion=c5, cap_override=1)
    fulfilled(c5, march(9))  # c5: 1 of its own cap 1: at cap
    c6 = supplier()
    withdraw(c6, REF, at=march(15))  # withdrawn: out
    c7 = supplier()
    withdraw(c7, REF, at=at(2, 10))
    grant(c7, REF, at=at(2, 20))  # granted again: in supply
    c8 = champion()
    grant(c8, REF, at=TO)  # granted at `to`: not current before `to`
    supplier(staff=True)  # staff: invisible
    supplier(erased=True)  # erased: removed
    supplier(state=ChampionState.ALUMNI, state_changed_at=march(1))  # alumni before `to`
    c12 = supplier()
    fulfilled(c12, TO)  # at `to`: not before it
    fulfilled(c12, at(1, 1))  # exactly 90 days before `to`: counted -> 1 < 2: in supply
    # In supply: c1, c3, c4, c7, c12 = 5.
    assert value("reference_supply") == 5


def test_reference_fulfilment() -> None:
    giver = champion()
    fulfilled(giver, march(3, 12), requested=at(2, 27))  # f1: 4.5 days
    fulfilled(giver, None, outcome=RequestOutcome.NO_SHOW, completed=march(4))  # f2
    fulfilled(None, None, outcome=RequestOutcome.CANCELLED, completed=march(5))  # f3
    fulfilled(giver, TO)  # f4: closed at `to`
    fulfilled(champion(erased=True), march(6))  # f5: an erased giver's: removed
    fulfilled(giver, march(7), requested=march(1))  # f6: 6 days
    # Closed in the window: f1, f2, f3, f6 = 4; fulfilled: f1, f6 = 2.
    assert value("reference_fulfilment_rate") == pytest.approx(0.5)
    # Fulfilled in the window: 4.5 and 6 days -> 5.25.
    assert value("reference_fulfilment_days") == pytest.approx(5.25)


def test_reference_fulfilment_empty() -> None:
    assert value("reference_fulfilment_rate") is None
    assert value("reference_fulfilment_days") is None


def deal(
    created: datetime,
    amount: int,
    *,
    closed: datetime | None = None,
    won: bool = False,
    reference: datetime | None = None,
    giver: Champion | None = None,
    account: Account | None = None,
) -> Deal:
    made: Deal = DealFactory(
        created_at=created,
        amount=Decimal(amount),
        is_closed=closed is not None,
        is_won=won,
        close_date=closed,
        account=account or AccountFactory(),
    )
    if reference is not None:
        fulfilled(giver or champion(), reference, deal=made)
    return made


@pytest.fixture
def deals() -> Account:
    acme = AccountFactory(name="Acme", industry="retail")
    deal(march(2), 1000, reference=march(10), account=acme)  # d1
    deal(march(3), 2000)  # d2
    deal(at(1, 5), 5000, reference=at(2, 1))  # d3
    deal(at(1, 10), 3000, closed=march(15), won=True, reference=march(1), account=acme)  # d4
    deal(at(1, 11), 4000, closed=march(16), won=True, reference=march(20))  # d5: after close
    deal(at(2, 1), 6000, closed=march(17), reference=at(2, 20))  # d6: lost
    deal(at(2, 2), 7000, closed=TO, won=True, reference=march(5))  # d7: closes at `to`: open
    deal(at(2, 3), 8000, closed=march(18))  # d8: lost
    deal(march(20), 9000, reference=TO)  # d9: the reference comes at `to`
    deal(march(21), 500, reference=march(22), giver=champion(staff=True))  # d10: staff giver
    deal(at(2, 5), 1500, closed=march(19), won=True)  # d11
    return acme


def test_deals_with_reference_share(deals: Account) -> None:
    # Created in the window: d1, d2, d9, d10 = 4; with a reference at `to`: d1.
    assert value("deals_with_reference_share") == pytest.approx(0.25)


def test_influenced_pipeline_and_won_amount(deals: Account) -> None:
    # Open at `to` with a reference: d1 1000 + d3 5000 + d7 7000 = 13,000.
    assert value("influenced_pipeline") == pytest.approx(13_000.0)
    # Won in the window with a reference: d4 3000.
    assert value("influenced_won_amount") == pytest.approx(3_000.0)


def test_win_rates(deals: Account) -> None:
    # Closed in the window with a reference: d4 won, d6 lost -> 1 / 2.
    assert value("win_rate_with_reference") == pytest.approx(0.5)
    # Without: d5 won, d8 lost, d11 won -> 2 / 3.
    assert value("win_rate_without_reference") == pytest.approx(2 / 3)


def test_deals_are_filtered_by_their_company_account(deals: Account) -> None:
    # Acme's deals: d1 (created in the window, referenced, open) and d4 (won, referenced).
    assert value("deals_with_reference_share", account_id=deals.pk) == 1.0
    assert value("influenced_pipeline", account_id=deals.pk) == pytest.approx(1_000.0)
    assert value("win_rate_with_reference", industry="retail") == 1.0
    assert value("win_rate_without_reference", industry="retail") is None  # no such deals


def test_revenue_empty() -> None:
    assert value("deals_with_reference_share") is None
    assert value("influenced_pipeline") == 0.0
    assert value("influenced_won_amount") == 0.0
    assert value("win_rate_with_reference") is None
    assert value("win_rate_without_reference") is None
