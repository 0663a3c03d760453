"""Every change to a reference request: creation, offers, the champion's answer, fulfilment.

requested → offered → accepted | declined → scheduled → completed (held, no-show, cancelled).
A declined request goes back to the queue and is offered to someone else; declining never
counts against the champion. A held reference is fulfilled: attribution, activity, thanks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import (
    ActivityKind,
    ActivitySource,
    Champion,
    ChampionState,
    ConsentScope,
    ProductArea,
    User,
)
from champions.selectors import consents_current
from champions.services import activity_record
from integrations.crm.outbox import crm_mark_dirty
from programs.references.errors import ChampionUnavailable
from programs.references.models import (
    Attribution,
    Deal,
    DeclineReason,
    OfferResponse,
    ReferenceOffer,
    ReferenceProfile,
    ReferenceRequest,
    ReferenceStory,
    RequestOutcome,
    RequestStatus,
    UseCase,
)
from programs.references.selectors import (
    champion_availability,
    offer_due_at,
    program_settings,
    reference_call_consent_withdrawn_at,
    story_is_visible_to_sales,
)
from programs.references.services.stories import queue_thanks

R = RequestStatus


def _lock(request: ReferenceRequest) -> None:
    request.refresh_from_db(from_queryset=ReferenceRequest.objects.select_for_update())


def _refuse_status(request: ReferenceRequest, action: str, allowed: Iterable[str]) -> None:
    if request.status not in allowed:
        options = " or ".join(R(s).label.lower() for s in allowed)
        raise DomainError(
            f"This request is {R(request.status).label.lower()}; it can only be {action} "
            f"when it is {options}.",
            field="status",
            code="illegal_transition",
        )


def _deal_closed_error(deal: Deal) -> DomainError:
    result = "won" if deal.is_won else "lost"
    when = f" on {deal.close_date:%d %b %Y}" if deal.close_date else ""
    return DomainError(
        f"The deal “{deal.name}” was closed ({result}){when}; references are for open deals.",
        field="deal",
        code="deal_closed",
    )


@transaction.atomic
def request_create(
    *,
    requested_by: User,
    deal: Deal,
    activity_type: str,
    prospect_company: str = "",
    prospect_industry: str = "",
    prospect_region: str = "",
    prospect_size_band: str = "",
    prospect_timezone: str = "",
    language: str = "en",
    use_case: UseCase | None = None,
    product_areas: Iterable[ProductArea] = (),
    needed_by: date | None = None,
    notes: str = "",
    at: datetime | None = None,
) -> ReferenceRequest:
    """Sales asks for a reference for an open deal; the prospect defaults to the deal's account.

    When the program has auto-offer on, a request whose top match leads clearly is offered
    to that champion at once.
    """
    at = at or timezone.now()
    if deal.is_closed:
        raise _deal_closed_error(deal)
    if not requested_by.is_active:
        raise DomainError(f"{requested_by} is deactivated.", field="requested_by")
    if needed_by is not None and needed_by < at.date():
        raise DomainError("The needed-by date is in the past.", field="needed_by")
    account = deal.account
    request = ReferenceRequest(
        requested_by=requested_by,
        deal=deal,
        activity_type=activity_type,
        prospect_company=(prospect_company or (account.name if account else deal.name)).strip(),
        prospect_industry=prospect_industry or (account.industry if account else ""),
        prospect_region=prospect_region or (account.region if account else ""),
        prospect_size_band=prospect_size_band or (account.size_band if account else ""),
        prospect_timezone=prospect_timezone.strip(),
        language=language.strip().lower() or "en",
        use_case=use_case,
        needed_by=needed_by,
        notes=notes,
        requested_at=at,
        offer_due_at=offer_due_at(at),
    )
    try:
        request.full_clean(exclude=["requested_by", "deal", "use_case", "champion", "story"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(" ".join(messages), field=field) from None
    request.save()
    request.product_areas.set(list(product_areas))
    if program_settings().auto_offer_enabled:
        request_auto_offer(request=request, at=at)
    return request


@transaction.atomic
def request_auto_offer(
    *, request: ReferenceRequest, at: datetime | None = None
) -> ReferenceOffer | None:
    """Offer to the top match if it leads the second by the program's margin (or stands
    alone with at least that score); otherwise leave the request to the team."""
    from programs.references.matching import match_request

    top = match_request(request=request, limit=2, at=at)
    if not top:
        return None
    lead = top[0].score - (top[1].score if len(top) > 1 else 0)
    if lead < program_settings().auto_offer_margin:
        return None
    best_story = top[0].stories[0] if top[0].stories else None
    return request_offer(
        request=request,
        champion=top[0].champion,
        offered_by=None,
        story=best_story,
        automatic=True,
        score=top[0].score,
        at=at,
    )


def champion_assert_can_be_offered(*, champion: Champion, at: datetime | None = None) -> None:
    """Refuse, with the reason and when they become available, a champion who cannot be
    offered a reference now."""
    at = at or timezone.now()
    name = champion.full_name
    if champion.erased_at is not None or champion.state != ChampionState.ACTIVE:
        raise ChampionUnavailable(
            f"{name} is {champion.get_state_display().lower()}; only active champions give "
            "references.",
            code="inactive",
        )
    if champion.user is not None and champion.user.is_staff:
        raise ChampionUnavailable(
            f"{name} is on the program team; their references would not count.", code="staff"
        )
    if not consents_current(champion=champion, at=at)[ConsentScope.REFERENCE_CALL]:
        withdrawn = reference_call_consent_withdrawn_at(champion=champion, at=at)
        why = (
            f"withdrew consent to reference calls on {withdrawn:%d %b %Y}"
            if withdrawn
            else ("has not consented to reference calls")
        )
        raise ChampionUnavailable(
            f"{name} {why}; they become available once they consent again.", code="no_consent"
        )
    availability = champion_availability(champion=champion, at=at)
    if availability.state == "paused":
        raise ChampionUnavailable(
            f"{name} has paused references; they become available when they resume.",
            code="paused",
        )
    if availability.state == "at_cap":
        until = f"{availability.until:%d %b %Y}" if availability.until else "never (cap 0)"
        raise ChampionUnavailable(
            f"{name} is at their cap: {availability.given_90d} references in the last 90 days "
            f"(cap {availability.cap}); available from {until}.",
            available_from=availability.until,
            code="at_cap",
        )
    if availability.state == "cooldown" and availability.until is not None:
        raise ChampionUnavailable(
            f"{name} gave a reference recently and is cooling down; available from "
            f"{availability.until:%d %b %Y}.",
            available_from=availability.until,
            code="cooldown",
        )
    if availability.given_90d + availability.committed >= availability.cap:
        raise ChampionUnavailable(
            f"{name} has {availability.committed} reference request(s) in progress and "
            f"{availability.given_90d} given in the last 90 days (cap {availability.cap}); "
            "available when one of the open requests ends.",
            code="fully_booked",
        )


@transaction.atomic
def request_offer(
    *,
    request: ReferenceRequest,
    champion: Champion,
    offered_by: User | None,
    story: ReferenceStory | None = None,
    automatic: bool = False,
    score: int | None = None,
    at: datetime | None = None,
) -> ReferenceOffer:
    """Offer the request to a champion (one click in the match view, or automatically)."""
    at = at or timezone.now()
    _lock(request)
    # Serialise offers to the same champion, so two cannot both take their last slot.
    champion = (
        Champion.objects.select_for_update(of=("self",)).select_related("user").get(pk=champion.pk)
    )
    _refuse_status(request, "offered", (R.REQUESTED, R.DECLINED))
    deal = request.deal
    if deal.is_closed:
        raise _deal_closed_error(deal)
    earlier = ReferenceOffer.objects.filter(request=request, champion=champion).first()
    if earlier is not None:
        raise DomainError(
            f"{champion.full_name} was already offered this request on "
            f"{earlier.offered_at:%d %b %Y} ({earlier.get_response_display().lower()}).",
            field="champion",
            code="already_offered",
        )
    if deal.account_id is not None and champion.account_id == deal.account_id:
        raise DomainError(
            f"{champion.full_name} works at the prospect's own company.", field="champion"
        )
    champion_assert_can_be_offered(champion=champion, at=at)
    if story is not None and not (
        story.features.filter(champion=champion).exists()
        and story_is_visible_to_sales(story=story, at=at)
    ):
        raise DomainError(
            f"“{story.title}” is not a published story featuring {champion.full_name}.",
            field="story",
        )
    offer = ReferenceOffer.objects.create(
        request=request,
        champion=champion,
        offered_by=offered_by,
        automatic=automatic,
        score=score,
        offered_at=at,
    )
    request.champion = champion
    request.story = story
    request.status = R.OFFERED
    request.offered_at = request.offered_at or at
    request.save(update_fields=["champion", "story", "status", "offered_at"])
    crm_mark_dirty(champion_ids=[champion.pk])  # their reference availability
    offer_notify_champion(offer=offer)
    return offer


def _current_offer(request: ReferenceRequest) -> ReferenceOffer:
    assert request.champion_id is not None  # offered, accepted and scheduled requests have one
    return ReferenceOffer.objects.get(request=request, champion_id=request.champion_id)


@transaction.atomic
def request_accept(*, request: ReferenceRequest, at: datetime | None = None) -> ReferenceRequest:
    """The champion says yes (in the portal, or the team records their reply)."""
    at = at or timezone.now()
    _lock(request)
    _refuse_status(request, "accepted", (R.OFFERED,))
    offer = _current_offer(request)
    offer.response, offer.responded_at = OfferResponse.ACCEPTED, at
    offer.save(update_fields=["response", "responded_at"])
    request.status, request.accepted_at = R.ACCEPTED, at
    request.save(update_fields=["status", "accepted_at"])
    crm_mark_dirty(champion_ids=[offer.champion_id])
    return request


@transaction.atomic
def request_decline(
    *,
    request: ReferenceRequest,
    reason: str,
    note: str = "",
    at: datetime | None = None,
) -> ReferenceRequest:
    """The champion says no (or backs out): the request returns to the queue for another
    champion. Nothing about it counts against the champion."""
    at = at or timezone.now()
    _lock(request)
    _refuse_status(request, "declined", (R.OFFERED, R.ACCEPTED, R.SCHEDULED))
    if reason not in DeclineReason.values:
        raise DomainError(f"“{reason}” is not a decline reason.", field="reason")
    offer = _current_offer(request)
    offer.response, offer.responded_at = OfferResponse.DECLINED, at
    offer.decline_reason, offer.decline_note = reason, note.strip()[:300]
    offer.save(update_fields=["response", "responded_at", "decline_reason", "decline_note"])
    crm_mark_dirty(champion_ids=[offer.champion_id])
    request.status = R.DECLINED
    request.champion = request.story = None
    request.accepted_at = request.scheduled_for = None
    request.save(update_fields=["status", "champion", "story", "accepted_at", "scheduled_for"])
    return request


@transaction.atomic
def request_schedule(
    *, request: ReferenceRequest, scheduled_for: datetime, at: datetime | None = None
) -> ReferenceRequest:
    at = at or timezone.now()
    _lock(request)
    _refuse_status(request, "scheduled", (R.ACCEPTED, R.SCHEDULED))
    if timezone.is_naive(scheduled_for):
        raise DomainError("Give the time with its time zone.", field="scheduled_for")
    request.status, request.scheduled_for = R.SCHEDULED, scheduled_for
    request.save(update_fields=["status", "scheduled_for"])
    crm_mark_dirty(champion_ids=[request.champion_id])
    return request


@transaction.atomic
def request_complete(
    *,
    request: ReferenceRequest,
    outcome: str,
    feedback: str = "",
    rating: int | None = None,
    actor: User | None = None,
    at: datetime | None = None,
    source: str = ActivitySource.ADMIN,
) -> ReferenceRequest:
    """Close the request. Held means fulfilled: attribution to the deal, a gave-reference
    activity, the champion's cooldown, and thanks."""
    at = at or timezone.now()
    _lock(request)
    allowed: dict[str, tuple[str, ...]] = {
        RequestOutcome.HELD: (R.ACCEPTED, R.SCHEDULED),
        RequestOutcome.NO_SHOW: (R.SCHEDULED,),
        RequestOutcome.CANCELLED: (R.REQUESTED, R.OFFERED, R.ACCEPTED, R.DECLINED, R.SCHEDULED),
    }
    if outcome not in allowed:
        raise DomainError(f"“{outcome}” is not an outcome.", field="outcome")
    _refuse_status(request, f"closed as {RequestOutcome(outcome).label.lower()}", allowed[outcome])
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError("Rate from 1 to 5.", field="rating")
    request.status, request.outcome, request.completed_at = R.COMPLETED, outcome, at
    request.feedback, request.feedback_rating = feedback.strip(), rating
    fields = ["status", "outcome", "completed_at", "feedback", "feedback_rating"]
    if outcome == RequestOutcome.HELD:
        request.fulfilled_at = at
        fields.append("fulfilled_at")
    request.save(update_fields=fields)
    crm_mark_dirty(champion_ids=[request.champion_id])
    if outcome == RequestOutcome.HELD:
        _fulfil(request, actor=actor, at=at, source=source)
    return request


def _fulfil(request: ReferenceRequest, *, actor: User | None, at: datetime, source: str) -> None:
    champion = request.champion
    assert champion is not None  # accepted and scheduled requests always have one
    Attribution.objects.create(
        request=request,
        champion=champion,
        story=request.story,
        deal=request.deal,
        type=request.activity_type,
        date=at,
    )
    # The contact's references, the company's adoption figures, the deal's references.
    crm_mark_dirty(
        champion_ids=[champion.pk], account_ids=[champion.account_id], deal_ids=[request.deal_id]
    )
    profile = reference_profile_for(champion=champion)
    profile.cooldown_until = at + timedelta(days=profile.cooldown_days)
    profile.save(update_fields=["cooldown_until", "updated_at"])
    activity_record(
        kind=ActivityKind.GAVE_REFERENCE,
        source=source,
        champion=champion,
        actor=actor,
        occurred_at=at,
        subject=request,
        idempotency_key=f"references:gave_reference:{request.pk}",
    )
    queue_thanks(kind="reference", champion_id=champion.pk, subject_id=request.pk)


@transaction.atomic
def request_record_feedback(
    *, request: ReferenceRequest, feedback: str, rating: int | None = None
) -> ReferenceRequest:
    _refuse_status(request, "given feedback", (R.COMPLETED,))
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError("Rate from 1 to 5.", field="rating")
    request.feedback, request.feedback_rating = feedback.strip(), rating
    request.save(update_fields=["feedback", "feedback_rating"])
    return request


# --- the champion's reference profile -------------------------------------------------------


def reference_profile_for(*, champion: Champion) -> ReferenceProfile:
    profile, _ = ReferenceProfile.objects.get_or_create(
        champion=champion,
        defaults={"cooldown_days": program_settings().default_cooldown_days},
    )
    return profile


@transaction.atomic
def champion_pause_references(
    *, champion: Champion, paused: bool, at: datetime | None = None
) -> ReferenceProfile:
    """The champion takes a break from references (or ends it)."""
    profile = reference_profile_for(champion=champion)
    profile.paused = paused
    profile.paused_at = (at or timezone.now()) if paused else None
    profile.save(update_fields=["paused", "paused_at", "updated_at"])
    crm_mark_dirty(champion_ids=[champion.pk])
    return profile


@transaction.atomic
def reference_profile_update(
    *,
    champion: Champion,
    cap_override: int | None = None,
    cooldown_days: int | None = None,
    use_cases: Iterable[UseCase] | None = None,
) -> ReferenceProfile:
    profile = reference_profile_for(champion=champion)
    profile.cap_override = cap_override
    if cooldown_days is not None:
        profile.cooldown_days = cooldown_days
    profile.save(update_fields=["cap_override", "cooldown_days", "updated_at"])
    if use_cases is not None:
        profile.use_cases.set(list(use_cases))
    crm_mark_dirty(champion_ids=[champion.pk])
    return profile


# --- the champion proposes times ------------------------------------------------------------

MAX_PROPOSED_TIMES = 3


@transaction.atomic
def request_propose_times(
    *,
    request: ReferenceRequest,
    champion: Champion,
    times: Iterable[datetime],
    note: str = "",
    at: datetime | None = None,
) -> ReferenceRequest:
    """The champion says yes and proposes when: the request is accepted (if it was only
    offered) and the requester and program team get the times by email to agree on one.

    Scheduling the agreed time stays with the program team (`request_schedule`).
    """
    at = at or timezone.now()
    _lock(request)
    if request.champion_id != champion.pk:
        raise DomainError("This request is not offered to you.", field="champion")
    _refuse_status(request, "given times", (R.OFFERED, R.ACCEPTED))
    proposed = sorted(set(times))
    if not proposed:
        raise DomainError("Propose at least one time.", field="times")
    if len(proposed) > MAX_PROPOSED_TIMES:
        raise DomainError(f"Propose at most {MAX_PROPOSED_TIMES} times.", field="times")
    for moment in proposed:
        if timezone.is_naive(moment):
            raise DomainError("Give each time with its time zone.", field="times")
        if moment <= at:
            raise DomainError(f"{moment:%d %b %Y %H:%M} is in the past.", field="times")
    if request.status == R.OFFERED:
        request_accept(request=request, at=at)
    from programs.references.tasks import send_times_proposed

    request_id, iso_times, text = request.pk, [m.isoformat() for m in proposed], note.strip()
    transaction.on_commit(
        lambda: send_times_proposed.delay(request_id=request_id, times=iso_times, note=text)
    )
    return request


def offer_notify_champion(*, offer: ReferenceOffer) -> None:
    """Queue the "a reference request is offered to you" email for after the commit; the
    task asks the champion's notification preferences when it runs."""
    from programs.references.tasks import send_request_offered

    offer_id = offer.pk
    transaction.on_commit(lambda: send_request_offered.delay(offer_id=offer_id))
