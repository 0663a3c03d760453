"""Reads of events and registrations that more than one door needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from programs.events.models import Event, EventStatus, Registration, RegistrationStatus

REMINDER_BEFORE = timedelta(hours=24)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next in line; None when the registration is not on the waitlist."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=RegistrationStatus.WAITLISTED
    ).filter(
        Q(registered_at__lt=registration.registered_at)
        | Q(registered_at=registration.registered_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def waitlist(event: Event) -> QuerySet[Registration]:
    """The waitlisted registrations of an event, next in line first."""
    return (
        event.registrations.filter(status=RegistrationStatus.WAITLISTED)
        .select_related("champion")
        .order_by("registered_at", "id")
    )


def events_with_counts() -> QuerySet[Event]:
    """Events annotated with `registered_count`, `waitlisted_count` and `attended_count`."""
    return Event.objects.annotate(
        registered_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)
        ),
        waitlisted_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
        ),
        attended_count=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False)),
    )


def registrations_due_reminder(*, now: datetime | None = None) -> QuerySet[Registration]:
    """Seats at scheduled events starting within the next 24 hours, not yet reminded."""
    now = now or timezone.now()
    return Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        reminder_sent_at__isnull=True,
        event__status=EventStatus.SCHEDULED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMINDER_BEFORE,
    ).select_related("event", "champion")
