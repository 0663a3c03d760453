"""Quarterly demos, peer clinics, live builds, pairing sessions and themed sprints.

State changes happen in `programs.events.services`; these classes hold data and constraints.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Champion, Guild, validate_timezone

# No 0/O or 1/I/L: the code is read off a slide and typed on a phone.
CHECKIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECKIN_CODE_LENGTH = 6


def new_checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_CODE_ALPHABET) for _ in range(CHECKIN_CODE_LENGTH))


class EventKind(models.TextChoices):
    QUARTERLY_DEMO = "quarterly_demo", "Quarterly demo"
    PEER_CLINIC = "peer_clinic", "Peer clinic"
    LIVE_BUILD = "live_build", "Live build"
    PAIRING_SESSION = "pairing_session", "Pairing session"
    THEMED_SPRINT = "themed_sprint", "Themed sprint"


# Attending these is a first value moment (METRICS.md).
FIRST_VALUE_KINDS = frozenset({EventKind.QUARTERLY_DEMO, EventKind.PEER_CLINIC})


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"
    HELD = "held", "Held"


class Event(models.Model):
    """One meeting of the program, with a fixed closing moment whose takeaways are kept."""

    kind = models.CharField(max_length=32, choices=EventKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guild = models.ForeignKey(
        Guild, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    starts_at = models.DateTimeField(help_text="Stored in UTC.")
    ends_at = models.DateTimeField(help_text="Stored in UTC.")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The time zone the event is announced in, for example Europe/Berlin.",
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seats; empty for unlimited."
    )
    online_url = models.URLField("online URL", blank=True)
    place = models.CharField(max_length=300, blank=True)
    hosts = models.ManyToManyField(Champion, blank=True, related_name="events_hosted")
    presenters = models.ManyToManyField(Champion, blank=True, related_name="events_presented")
    agenda = models.TextField(blank=True)
    closing_moment = models.TextField(
        blank=True, help_text="The fixed closing ritual, for example “one takeaway each”."
    )
    takeaways = models.TextField(blank=True, help_text="Recorded after the closing moment.")
    checkin_code = models.CharField(max_length=12, default=new_checkin_code)
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    held_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    WAITLISTED = "waitlisted", "Waitlisted"
    CANCELLED = "cancelled", "Cancelled"


class Registration(models.Model):
    """A champion's seat (or place on the waitlist) at an event.

    The waitlist position is derived, not stored: the order of `registered_at` among the
    waitlisted registrations of the event (`selectors.waitlist_position`).
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    champion = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(max_length=16, choices=RegistrationStatus.choices)
    registered_at = models.DateTimeField(default=now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(
        null=True, blank=True, help_text="When a freed seat moved it off the waitlist."
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    no_show = models.BooleanField(default=False)
    feedback_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_comment = models.TextField(blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registered_at", "id"]
        indexes = [models.Index(fields=["event", "status", "registered_at"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "champion"], name="registration_unique"),
            models.CheckConstraint(
                condition=Q(feedback_rating__isnull=True)
                | (Q(feedback_rating__gte=1) & Q(feedback_rating__lte=5)),
                name="registration_feedback_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.champion.full_name} at {self.event.title} ({self.status})"
