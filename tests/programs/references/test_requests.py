"""Reference requests: creation, offers and their refusals, the lifecycle, fulfilment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Activity, ActivityKind, ActivityLevel, ChampionState, ConsentScope
from programs.references import selectors, services
from programs.references.errors import ChampionUnavailable
from programs.references.models import (
    Attribution,
    DeclineReason,
    OfferResponse,
    ReferenceProfile,
    RequestOutcome,
    RequestStatus,
    TierReferenceCap,
)
from tests.factories import AccountFactory, ChampionFactory, StaffFactory, UserFactory
from tests.programs.references.factories import DealFactory, grant, withdraw

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def seller() -> Any:
    return UserFactory(email="seller@vendor.example")


@pytest.fixture
def ada(consenting_champion: Any) -> Any:
    return consenting_champion


def new_request(seller: Any, at: datetime = NOW, **fields: Any) -> Any:
    deal = fields.pop("deal", None) or DealFactory(account=AccountFactory(name="Prospect AG"))
    return services.request_create(
        requested_by=seller, deal=deal, activity_type="call", at=at, **fields
    )


def give_reference(seller: Any, champion: Any, at: datetime) -> Any:
    """A request offered to, accepted and held by the champion at `at`."""
    request = new_request(seller, at=at)
    services.request_offer(request=request, champion=champion, offered_by=None, at=at)
    services.request_accept(request=request, at=at)
    return services.request_complete(request=request, outcome=RequestOutcome.HELD, at=at)


# --- creation -------------------------------------------------------------------------------


def test_a_request_takes_the_prospect_from_the_deal_and_gets_its_sla(seller: Any) -> None:
    deal = DealFactory(account=AccountFactory(name="Prospect AG", industry="fintech"))
    request = new_request(seller, deal=deal, needed_by=NOW.date() + timedelta(days=10))
    assert request.status == RequestStatus.REQUESTED
    assert (request.prospect_company, request.prospect_industry) == ("Prospect AG", "fintech")
    assert request.offer_due_at == NOW + timedelta(days=2)


def test_a_request_for_a_closed_deal_is_refused(seller: Any) -> None:
    deal = DealFactory(is_closed=True, is_won=True, close_date=NOW - timedelta(days=3))
    with pytest.raises(DomainError, match=r"was closed \(won\) on 15 Nov 2026") as error:
        new_request(seller, deal=deal)
    assert error.value.field == "deal"
    assert error.value.code == "deal_closed"


def test_a_request_with_a_past_needed_by_date_is_refused(seller: Any) -> None:
    with pytest.raises(DomainError, match="needed-by date is in the past"):
        new_request(seller, needed_by=NOW.date() - timedelta(days=1))


def test_an_unknown_activity_type_is_refused_naming_the_field(seller: Any) -> None:
    deal = DealFactory()
    with pytest.raises(DomainError) as error:
        services.request_create(requested_by=seller, deal=deal, activity_type="lunch", at=NOW)
    assert error.value.field == "activity_type"


# --- offering and its refusals ---------------------------------------------------------------


def test_offering_moves_the_request_on_and_records_the_offer(seller: Any, ada: Any) -> None:
    request = new_request(seller)
    offer = services.request_offer(request=request, champion=ada, offered_by=seller, at=NOW)
    assert request.status == RequestStatus.OFFERED
    assert request.champion == ada and request.offered_at == NOW
    assert offer.response == OfferResponse.PENDING
    assert selectors.request_sla(request=request, at=NOW).state == "met"


def test_offering_without_reference_call_consent_is_refused_with_the_reason(
    seller: Any, ada: Any
) -> None:
    withdraw(ada, ConsentScope.REFERENCE_CALL, at=NOW - timedelta(days=2))
    request = new_request(seller)
    with pytest.raises(ChampionUnavailable) as error:
        services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    assert error.value.code == "no_consent"
    assert "withdrew consent to reference calls on 16 Nov 2026" in error.value.message
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_offering_a_champion_at_cap_is_refused_with_the_date_they_are_free(
    seller: Any, ada: Any
) -> None:
    first, second = NOW - timedelta(days=60), NOW - timedelta(days=20)
    give_reference(seller, ada, first)
    give_reference(seller, ada, second)
    request = new_request(seller)

    with pytest.raises(ChampionUnavailable) as error:
        services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)

    assert error.value.code == "at_cap"
    # Cap 2: the older reference leaves the 90-day window 90 days after it was given.
    assert error.value.available_from == first + timedelta(days=90)
    assert "2 references in the last 90 days (cap 2); available from 18 Dec 2026" in str(
        error.value
    )
    availability = selectors.champion_availability(champion=ada, at=NOW)
    assert availability.state == "at_cap"
    assert availability.label == "at cap until 18 Dec 2026"


def test_a_tier_cap_and_a_personal_override_change_the_cap(seller: Any, ada: Any) -> None:
    TierReferenceCap.objects.create(tier=ada.tier, cap=1)
    give_reference(seller, ada, NOW - timedelta(days=30))
    assert selectors.champion_availability(champion=ada, at=NOW).state == "at_cap"
    services.reference_profile_update(champion=ada, cap_override=3)
    assert selectors.champion_availability(champion=ada, at=NOW).state == "available"


def test_cooldown_after_a_reference_is_refused_with_its_end(seller: Any, ada: Any) -> None:
    given = NOW - timedelta(days=5)
    give_reference(seller, ada, given)
    request = new_request(seller)
    with pytest.raises(ChampionUnavailable) as error:
        services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    assert error.value.code == "cooldown"
    assert error.value.available_from == given + timedelta(days=14)
    assert "available from 27 Nov 2026" in error.value.message
    # After the cooldown the same offer goes through.
    services.request_offer(
        request=request, champion=ada, offered_by=None, at=given + timedelta(days=14)
    )


def test_a_paused_champion_is_refused(seller: Any, ada: Any) -> None:
    services.champion_pause_references(champion=ada, paused=True)
    with pytest.raises(ChampionUnavailable, match="paused references") as error:
        services.request_offer(request=new_request(seller), champion=ada, offered_by=None, at=NOW)
    assert error.value.code == "paused"
    assert selectors.champion_availability(champion=ada, at=NOW).label == "paused"


def test_open_requests_fill_the_cap_and_make_the_champion_busy(seller: Any, ada: Any) -> None:
    for _ in range(2):
        services.request_offer(request=new_request(seller), champion=ada, offered_by=None, at=NOW)
    with pytest.raises(ChampionUnavailable, match="2 reference request") as error:
        services.request_offer(request=new_request(seller), champion=ada, offered_by=None, at=NOW)
    assert error.value.code == "fully_booked"
    assert selectors.champion_availability(champion=ada, at=NOW).state == "busy"


@pytest.mark.parametrize(
    ("champion_kwargs", "code"),
    [
        ({"state": ChampionState.DORMANT}, "inactive"),
        ({"erased_at": NOW}, "inactive"),
    ],
)
def test_inactive_champions_are_refused(seller: Any, champion_kwargs: Any, code: str) -> None:
    champion = ChampionFactory(**champion_kwargs)
    grant(champion, at=NOW - timedelta(days=400))
    with pytest.raises(ChampionUnavailable) as error:
        services.request_offer(
            request=new_request(seller), champion=champion, offered_by=None, at=NOW
        )
    assert error.value.code == code


def test_a_staff_champion_is_refused(seller: Any) -> None:
    staff = StaffFactory(email="team@vendor.example")
    champion = ChampionFactory(user=staff, email=staff.email)
    grant(champion, at=NOW - timedelta(days=400))
    with pytest.raises(ChampionUnavailable, match="program team"):
        services.request_offer(
            request=new_request(seller), champion=champion, offered_by=None, at=NOW
        )


def test_offering_once_the_deal_closed_is_refused(seller: Any, ada: Any) -> None:
    request = new_request(seller)
    request.deal.is_closed = True
    request.deal.save()
    with pytest.raises(DomainError, match="references are for open deals"):
        services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)


def test_a_champion_of_the_prospects_own_company_is_refused(seller: Any, ada: Any) -> None:
    request = new_request(seller, deal=DealFactory(account=ada.account))
    with pytest.raises(DomainError, match="prospect's own company"):
        services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)


# --- the lifecycle ---------------------------------------------------------------------------


def test_illegal_request_transitions_are_refused(seller: Any, ada: Any) -> None:
    request = new_request(seller)
    with pytest.raises(DomainError, match="can only be accepted when it is offered") as error:
        services.request_accept(request=request, at=NOW)
    assert error.value.code == "illegal_transition"
    with pytest.raises(DomainError, match="can only be scheduled"):
        services.request_schedule(request=request, scheduled_for=NOW, at=NOW)
    with pytest.raises(DomainError, match="closed as held"):
        services.request_complete(request=request, outcome=RequestOutcome.HELD, at=NOW)
    services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    with pytest.raises(DomainError, match="can only be offered"):
        services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)


def test_a_decline_returns_the_request_and_never_counts_against_the_champion(
    seller: Any, ada: Any
) -> None:
    bob = ChampionFactory(full_name="Bob")
    grant(bob, at=NOW - timedelta(days=400))
    request = new_request(seller)
    services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    services.request_decline(request=request, reason=DeclineReason.BUSY, note="Quarter end", at=NOW)

    assert request.status == RequestStatus.DECLINED and request.champion is None
    offer = ada.reference_offers.get()
    assert (offer.response, offer.decline_reason) == (OfferResponse.DECLINED, "busy")
    availability = selectors.champion_availability(champion=ada, at=NOW)
    assert (availability.state, availability.given_90d, availability.committed) == (
        "available",
        0,
        0,
    )
    # The same champion is not asked twice for one request; someone else is.
    with pytest.raises(DomainError, match="already offered this request"):
        services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    services.request_offer(request=request, champion=bob, offered_by=None, at=NOW)
    assert request.offered_at == NOW  # the SLA counts the first offer


def test_fulfilment_attributes_records_activity_and_thanks(
    seller: Any, ada: Any, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    request = new_request(seller, notes="Private: pricing is tense")
    services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    services.request_accept(request=request, at=NOW)
    services.request_schedule(request=request, scheduled_for=NOW + timedelta(days=2), at=NOW)
    held_at = NOW + timedelta(days=2, hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(
            request=request,
            outcome=RequestOutcome.HELD,
            feedback="Convinced the CFO",
            rating=5,
            at=held_at,
        )

    assert (request.status, request.fulfilled_at, request.completed_at) == (
        RequestStatus.COMPLETED,
        held_at,
        held_at,
    )
    attribution = Attribution.objects.get()
    assert (attribution.champion, attribution.deal, attribution.type, attribution.date) == (
        ada,
        request.deal,
        "call",
        held_at,
    )
    activity = Activity.objects.get(kind=ActivityKind.GAVE_REFERENCE)
    assert (activity.champion, activity.level, activity.occurred_at) == (
        ada,
        ActivityLevel.CONTRIBUTOR,
        held_at,
    )
    assert ReferenceProfile.objects.get(champion=ada).cooldown_until == held_at + timedelta(days=14)
    [mail] = mailoutbox
    assert mail.to == [ada.email] and "Thank you" in mail.subject
    assert "reference call" in mail.body and "pricing" not in mail.body


def test_no_show_and_cancellation_do_not_fulfil(seller: Any, ada: Any) -> None:
    request = new_request(seller)
    services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    services.request_accept(request=request, at=NOW)
    with pytest.raises(DomainError, match="closed as no-show"):
        services.request_complete(request=request, outcome=RequestOutcome.NO_SHOW, at=NOW)
    services.request_schedule(request=request, scheduled_for=NOW, at=NOW)
    services.request_complete(request=request, outcome=RequestOutcome.NO_SHOW, at=NOW)
    assert request.fulfilled_at is None and not Attribution.objects.exists()

    cancelled = new_request(seller)
    services.request_complete(request=cancelled, outcome=RequestOutcome.CANCELLED, at=NOW)
    assert selectors.request_sla(request=cancelled, at=NOW).state == "closed"


def test_withdrawing_reference_call_consent_releases_open_requests(seller: Any, ada: Any) -> None:
    request = new_request(seller)
    services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    services.request_accept(request=request, at=NOW)
    withdraw(ada, ConsentScope.REFERENCE_CALL)

    effect = services.on_consent_withdrawn(champion=ada, scope=ConsentScope.REFERENCE_CALL)

    assert effect.requests_released == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED and request.champion is None
    assert ada.reference_offers.get().decline_reason == DeclineReason.CONSENT_WITHDRAWN


def test_sales_feedback_can_follow_completion(seller: Any) -> None:
    request = new_request(seller)
    with pytest.raises(DomainError, match="given feedback"):
        services.request_record_feedback(request=request, feedback="?")
    services.request_complete(request=request, outcome=RequestOutcome.CANCELLED, at=NOW)
    with pytest.raises(DomainError, match="1 to 5"):
        services.request_record_feedback(request=request, feedback="ok", rating=9)
    services.request_record_feedback(request=request, feedback="Prospect went quiet", rating=3)
    assert request.feedback_rating == 3


def test_now_defaults_are_timezone_aware(seller: Any) -> None:
    request = services.request_create(
        requested_by=seller, deal=DealFactory(), activity_type="email"
    )
    assert timezone.is_aware(request.requested_at) and request.offer_due_at > request.requested_at


def test_withdrawal_through_the_champions_service_reaches_the_reference_program(
    seller: Any, ada: Any
) -> None:
    """The portal, admin and API all withdraw through `consent_withdraw`; its hook does the rest."""
    from champions.services import consent_withdraw

    request = new_request(seller)
    services.request_offer(request=request, champion=ada, offered_by=None, at=NOW)
    services.request_accept(request=request, at=NOW)

    consent_withdraw(
        champion=ada, scope=ConsentScope.REFERENCE_CALL, method="portal", actor=ada.user
    )

    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED and request.champion is None
