"""Every change to events and registrations goes through these functions.

Seats are counted under a lock on the event row (`select_for_update`), so two champions
registering for the last seat, or a cancellation and a registration at once, never overbook.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import ActivityKind, ActivitySource, Champion, ChampionState, User
from champions.services import activity_record, champion_record_first_value
from programs.events.models import (
    FIRST_VALUE_KINDS,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)

CHECKIN_OPENS_BEFORE_START = timedelta(hours=1)
ACTIVE_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _seats_taken(event: Event) -> int:
    return event.registrations.filter(status=RegistrationStatus.REGISTERED).count()


def _has_free_seat(event: Event) -> bool:
    return event.capacity is None or _seats_taken(event) < event.capacity


def _promote_waitlist(event: Event) -> list[Registration]:
    """Move the earliest waitlisted registrations into the free seats; the event is locked."""
    waitlisted = event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
        "registered_at", "id"
    )
    if event.capacity is None:
        chosen = list(waitlisted)
    else:
        chosen = list(waitlisted[: max(event.capacity - _seats_taken(event), 0)])
    now = timezone.now()
    for registration in chosen:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
    if chosen:
        transaction.on_commit(partial(_notify_promoted, [r.pk for r in chosen]))
    return chosen


def _notify_promoted(registration_ids: list[int]) -> None:
    from programs.events.tasks import send_waitlist_promotion

    for registration_id in registration_ids:
        send_waitlist_promotion.delay(registration_id=registration_id)


@transaction.atomic
def registration_create(
    *, event: Event, champion: Champion, source: str = ActivitySource.PORTAL
) -> Registration:
    """Register a champion; a full event puts them on the waitlist (not an error).

    Registering again while registered or waitlisted changes nothing. A cancelled
    registration comes back at the end of the queue.
    """
    event = _locked(event)
    existing = Registration.objects.filter(event=event, champion=champion).first()
    if existing is not None and existing.status in ACTIVE_STATUSES:
        return existing
    if event.status != EventStatus.SCHEDULED:
        raise DomainError(
            f"{event.title} is {event.get_status_display().lower()}; registration is closed.",
            field="event",
        )
    now = timezone.now()
    if event.starts_at <= now:
        raise DomainError(f"{event.title} has already started.", field="event")
    if champion.state in (ChampionState.INVITED, ChampionState.ALUMNI):
        raise DomainError(
            f"{champion.full_name} is {champion.get_state_display().lower()} and cannot "
            "register for events.",
            field="champion",
        )
    status = (
        RegistrationStatus.REGISTERED if _has_free_seat(event) else RegistrationStatus.WAITLISTED
    )
    registration = existing or Registration(event=event, champion=champion)
    registration.status = status
    registration.registered_at = now
    registration.cancelled_at = None
    registration.promoted_at = None
    registration.save()
    activity_record(
        kind=ActivityKind.RSVP,
        source=source,
        champion=champion,
        occurred_at=now,
        guild=event.guild,
        subject=event,
        metadata={"status": status},
    )
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration) -> Registration:
    """Cancel a seat or waitlist place; a freed seat goes to the earliest waitlisted at once."""
    event = _locked(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    if event.status != EventStatus.SCHEDULED:
        raise DomainError(
            f"{event.title} is {event.get_status_display().lower()}; nothing to cancel.",
            field="event",
        )
    freed_seat = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    if freed_seat:
        _promote_waitlist(event)
    return registration


@transaction.atomic
def event_promote_waitlist(*, event: Event) -> list[Registration]:
    """Fill free seats from the waitlist, for example after the capacity was raised."""
    event = _locked(event)
    if event.status != EventStatus.SCHEDULED:
        return []
    return _promote_waitlist(event)


def _code_matches(event: Event, code: str | None) -> bool:
    given = (code or "").strip().upper().encode()
    return hmac.compare_digest(given, event.checkin_code.upper().encode())


@transaction.atomic
def registration_check_in(
    *,
    registration: Registration,
    by_user: User | None = None,
    code: str | None = None,
    source: str = ActivitySource.PORTAL,
) -> Registration:
    """Check a champion in: by the program team, or by the champion with the event's code.

    The program team may also check in someone from the waitlist who came anyway, and may
    correct attendance after the event was marked held (the attendance is then recorded).
    """
    event = _locked(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    by_staff = by_user is not None and by_user.is_staff
    if event.status == EventStatus.CANCELLED:
        raise DomainError(f"{event.title} was cancelled.", field="event")
    if registration.checked_in_at is not None:
        return registration
    if not by_staff:
        _check_self_check_in(event, registration, code)
    if registration.status == RegistrationStatus.CANCELLED:
        raise DomainError("This registration was cancelled.", field="registration")
    registration.status = RegistrationStatus.REGISTERED
    registration.checked_in_at = timezone.now()
    registration.no_show = False
    registration.save(update_fields=["status", "checked_in_at", "no_show"])
    if event.status == EventStatus.HELD:
        _record_attendance(event, registration.champion, source=source)
    return registration


def _check_self_check_in(event: Event, registration: Registration, code: str | None) -> None:
    if not _code_matches(event, code):
        raise DomainError(
            "That check-in code is not right; it is shown at the event.", field="code"
        )
    if registration.status == RegistrationStatus.WAITLISTED:
        raise DomainError(
            "You are on the waitlist; please ask the hosts to check you in.", field="registration"
        )
    if event.status != EventStatus.SCHEDULED:
        raise DomainError(f"{event.title} is over; check-in is closed.", field="event")
    if timezone.now() < event.starts_at - CHECKIN_OPENS_BEFORE_START:
        raise DomainError("Check-in opens one hour before the event starts.", field="code")


def _is_clinic_host(event: Event, champion: Champion) -> bool:
    return event.kind == EventKind.PEER_CLINIC and event.hosts.filter(pk=champion.pk).exists()


def _record_attendance(event: Event, champion: Champion, *, source: str) -> None:
    """A checked-in champion attended, dated at the event's start; clinic hosts host instead."""
    if _is_clinic_host(event, champion):
        return
    activity_record(
        kind=ActivityKind.ATTENDED_EVENT,
        source=source,
        champion=champion,
        occurred_at=event.starts_at,
        guild=event.guild,
        subject=event,
        idempotency_key=f"event:{event.pk}:attended:{champion.pk}",
    )
    if event.kind in FIRST_VALUE_KINDS:
        champion_record_first_value(champion=champion, at=event.starts_at)


def _record_roles(event: Event, *, source: str) -> None:
    """Presenters of a demo and hosts of a clinic contributed, dated at the event's start."""
    if event.kind == EventKind.QUARTERLY_DEMO:
        people, kind, role = event.presenters.all(), ActivityKind.PRESENTED_AT_DEMO, "presented"
    elif event.kind == EventKind.PEER_CLINIC:
        people, kind, role = event.hosts.all(), ActivityKind.HOSTED_CLINIC, "hosted"
    else:
        return
    for champion in people:
        activity_record(
            kind=kind,
            source=source,
            champion=champion,
            occurred_at=event.starts_at,
            guild=event.guild,
            subject=event,
            idempotency_key=f"event:{event.pk}:{role}:{champion.pk}",
        )


@transaction.atomic
def event_mark_held(
    *, event: Event, takeaways: str | None = None, source: str = ActivitySource.ADMIN
) -> Event:
    """The event took place: record attendance and roles, mark registered no-shows.

    Running it again changes nothing that was recorded (the activities carry idempotency
    keys); it only picks up check-ins made since.
    """
    event = _locked(event)
    if event.status == EventStatus.CANCELLED:
        raise DomainError(f"{event.title} was cancelled and cannot be marked held.", field="status")
    if event.starts_at > timezone.now():
        raise DomainError(f"{event.title} has not started yet.", field="status")
    if event.status != EventStatus.HELD:
        event.status = EventStatus.HELD
        event.held_at = timezone.now()
    if takeaways is not None:
        event.takeaways = takeaways
    event.save(update_fields=["status", "held_at", "takeaways", "updated_at"])
    registered = event.registrations.filter(status=RegistrationStatus.REGISTERED)
    registered.filter(checked_in_at__isnull=True).update(no_show=True)
    for registration in registered.filter(checked_in_at__isnull=False).select_related("champion"):
        _record_attendance(event, registration.champion, source=source)
    _record_roles(event, source=source)
    return event


@transaction.atomic
def event_cancel(*, event: Event) -> Event:
    """Call an event off; its registrations stay for the record."""
    event = _locked(event)
    if event.status == EventStatus.HELD:
        raise DomainError(f"{event.title} was already held.", field="status")
    event.status = EventStatus.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    return event


@transaction.atomic
def registration_feedback(
    *, registration: Registration, rating: int, comment: str = ""
) -> Registration:
    """An attendee rates the event 1–5 and may comment; giving it again replaces it."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.checked_in_at is None:
        raise DomainError(
            "Only people who attended the event can give feedback on it.", field="registration"
        )
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("The rating is a whole number from 1 to 5.", field="rating")
    registration.feedback_rating = rating
    registration.feedback_comment = comment.strip()
    registration.feedback_at = timezone.now()
    registration.save(update_fields=["feedback_rating", "feedback_comment", "feedback_at"])
    return registration


def registration_claim_reminder(*, registration: Registration, at: datetime) -> bool:
    """Claim the right to send this registration's reminder; only one caller ever gets it."""
    claimed = Registration.objects.filter(pk=registration.pk, reminder_sent_at__isnull=True).update(
        reminder_sent_at=at
    )
    return claimed == 1


def registration_release_reminder(*, registration: Registration) -> None:
    """Sending failed: let the next run try again."""
    Registration.objects.filter(pk=registration.pk).update(reminder_sent_at=None)
