"""The emails of events: a reminder the day before and a seat freed from the waitlist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from champions.emails import templated_email
from champions.models import zone_or_utc
from programs.events.ics import event_ics, event_ics_filename
from programs.events.models import Registration


def _local(moment: datetime, timezone_name: str) -> datetime:
    return moment.astimezone(zone_or_utc(timezone_name))


def _context(registration: Registration) -> dict[str, Any]:
    event, champion = registration.event, registration.champion
    return {
        "event": event,
        "champion": champion,
        "starts_local": _local(event.starts_at, champion.timezone),
        "ends_local": _local(event.ends_at, champion.timezone),
        "timezone_name": champion.timezone,
        "link": f"{settings.SITE_URL}/portal/events/{event.pk}/",
    }


def _message(registration: Registration, template: str) -> EmailMultiAlternatives:
    context = _context(registration)
    message = templated_email(f"events/email/{template}", context, to=[registration.champion.email])
    message.attach(
        event_ics_filename(registration.event),
        event_ics(registration.event),
        "text/calendar; charset=utf-8",
    )
    return message


def reminder_message(registration: Registration) -> EmailMultiAlternatives:
    return _message(registration, "reminder")


def promotion_message(registration: Registration) -> EmailMultiAlternatives:
    return _message(registration, "promoted")
