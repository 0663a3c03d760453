"""Celery tasks of events: each takes ids (or nothing), loads, and calls a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from champions.models import NotificationKind
from champions.selectors import notification_allowed
from programs.events import selectors, services
from programs.events.emails import promotion_message, reminder_message
from programs.events.models import Registration, RegistrationStatus

logger = logging.getLogger(__name__)


@shared_task
def send_event_reminders() -> int:
    """Beat task, hourly: remind each registered champion once, in the 24 hours before.

    Each reminder is claimed with a conditional UPDATE before it is sent, so two workers (or
    an overlapping run) never send the same one twice; a failed send is released for the
    next run. Champions who switched event reminders off are skipped, not claimed: switching
    them back on before the event still brings the reminder.
    """
    now = timezone.now()
    sent = 0
    for registration in selectors.registrations_due_reminder(now=now).select_related(
        "champion__user"
    ):
        if not _wants_event_emails(registration):
            continue
        if not services.registration_claim_reminder(registration=registration, at=now):
            continue
        try:
            reminder_message(registration).send()
        except Exception:
            services.registration_release_reminder(registration=registration)
            logger.exception("Reminder for registration %s failed", registration.pk)
            continue
        sent += 1
    return sent


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_waitlist_promotion(self: object, *, registration_id: int) -> None:
    """Tell a champion that a seat freed up and is now theirs (the portal shows it anyway)."""
    registration = Registration.objects.select_related("event", "champion__user").get(
        pk=registration_id
    )
    if registration.status != RegistrationStatus.REGISTERED:
        return
    if not _wants_event_emails(registration):
        return
    promotion_message(registration).send()


def _wants_event_emails(registration: Registration) -> bool:
    """Event emails are time-bound: sent at once, or not at all (never held for a digest)."""
    return notification_allowed(registration.champion.user, NotificationKind.EVENT_REMINDER)
