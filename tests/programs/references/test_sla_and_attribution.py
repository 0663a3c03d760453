"""The offer SLA in business days, and when a deal "has a reference" (METRICS.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from programs.references import selectors
from programs.references.models import Attribution, RequestStatus
from programs.references.selectors import add_business_days
from tests.factories import ChampionFactory, StaffFactory
from tests.programs.references.factories import DealFactory, ReferenceRequestFactory


def at(day: int, hour: int = 10) -> datetime:
    """A moment in November 2026: the 13th is a Friday, the 14th and 15th the weekend."""
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        (at(11), at(13)),  # Wednesday → Friday
        (at(12), at(16)),  # Thursday 10:00 → Monday 10:00 (Friday + Monday)
        (at(13), at(17)),  # Friday 10:00 → Tuesday 10:00: the weekend does not count
        (at(14), at(18, 0)),  # Saturday → the clock starts Monday 00:00 → Wednesday 00:00
        (at(15, 23), at(18, 0)),  # Sunday night, the same
        (at(12, 0), at(14, 0)),  # Thursday 00:00 → the end of Friday, exactly
    ],
)
def test_the_offer_is_due_two_business_days_later(requested: datetime, due: datetime) -> None:
    assert add_business_days(requested, 2) == due


@pytest.mark.django_db
def test_a_request_not_offered_by_its_due_time_is_overdue() -> None:
    request = ReferenceRequestFactory(requested_at=at(13))
    assert request.offer_due_at == at(17)
    assert selectors.request_sla(request=request, at=at(16)).state == "on_time"
    # Monday: still in time although four calendar days passed.
    assert not selectors.request_sla(request=request, at=at(17)).overdue
    late = selectors.request_sla(request=request, at=at(17, 11))
    assert late.overdue and late.label == "overdue since 17 Nov 10:00 UTC"
    request.offered_at = at(18)
    assert selectors.request_sla(request=request, at=at(20)).state == "missed"


@pytest.mark.django_db
def test_the_queue_puts_open_requests_first_by_due_time() -> None:
    later = ReferenceRequestFactory(requested_at=at(12))
    closed = ReferenceRequestFactory(requested_at=at(2), status=RequestStatus.COMPLETED)
    sooner = ReferenceRequestFactory(requested_at=at(11))
    assert list(selectors.request_queue()) == [sooner, later, closed]


# --- deal_has_reference ----------------------------------------------------------------------


def attribute(deal: Any, when: datetime, champion: Any = None) -> Attribution:
    champion = champion or ChampionFactory()
    request = ReferenceRequestFactory(
        deal=deal,
        champion=champion,
        status=RequestStatus.COMPLETED,
        outcome="held",
        fulfilled_at=when,
    )
    return Attribution.objects.create(
        request=request, champion=champion, deal=deal, type="call", date=when
    )


@pytest.mark.django_db
def test_an_open_deal_has_a_reference_once_fulfilled_before_the_moment() -> None:
    deal = DealFactory()
    attribute(deal, at(10))
    assert not selectors.deal_has_reference(deal=deal, at=at(10))  # "before `to`" is strict
    assert selectors.deal_has_reference(deal=deal, at=at(10, 11))


@pytest.mark.django_db
def test_a_reference_fulfilled_after_the_close_does_not_count() -> None:
    deal = DealFactory(is_closed=True, is_won=True, close_date=at(10))
    attribute(deal, at(11))
    assert not selectors.deal_has_reference(deal=deal, at=at(20))


@pytest.mark.django_db
def test_a_reference_fulfilled_exactly_at_the_close_counts() -> None:
    deal = DealFactory(is_closed=True, is_won=False, close_date=at(10))
    attribute(deal, at(10))
    assert selectors.deal_has_reference(deal=deal, at=at(20))


@pytest.mark.django_db
def test_a_deal_closing_after_the_moment_is_still_open_then() -> None:
    deal = DealFactory(is_closed=True, is_won=True, close_date=at(20))
    attribute(deal, at(12))
    assert selectors.deal_has_reference(deal=deal, at=at(15))


@pytest.mark.django_db
def test_a_staff_champions_reference_does_not_count() -> None:
    staff = StaffFactory(email="team@vendor.example")
    deal = DealFactory()
    attribute(deal, at(10), champion=ChampionFactory(user=staff, email=staff.email))
    assert not selectors.deal_has_reference(deal=deal, at=at(20))


@pytest.mark.django_db
def test_an_erased_champions_reference_does_not_count() -> None:
    deal = DealFactory()
    attribute(deal, at(10), champion=ChampionFactory(erased_at=at(12)))
    assert not selectors.deal_has_reference(deal=deal, at=at(20))


@pytest.mark.django_db
def test_the_sql_expression_filters_many_deals_at_once() -> None:
    with_ref, without_ref = DealFactory(), DealFactory()
    attribute(with_ref, at(10))
    deals = type(with_ref).objects.filter(selectors.deal_reference_exists(at=at(20)))
    assert list(deals) == [with_ref]
    assert without_ref not in deals
