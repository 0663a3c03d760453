"""An iCalendar file (RFC 5545) per event, written by hand: one VEVENT, times in UTC.

https://datatracker.ietf.org/doc/html/rfc5545 — lines end in CRLF and are folded at 75 octets
(3.1), TEXT values escape backslash, semicolon, comma and newlines (3.3.11).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from programs.events.models import Event, EventStatus

FOLD_AT_OCTETS = 75
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT property value: backslash, `;` and `,` escaped, newlines as `\\n`."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL_CHARACTERS.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into CRLF + space continued pieces of at most 75 octets.

    Never inside a multi-byte UTF-8 character.
    """
    pieces: list[str] = []
    current, size, limit = "", 0, FOLD_AT_OCTETS
    for character in line:
        width = len(character.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, FOLD_AT_OCTETS - 1  # the leading space counts
        current += character
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _description(event: Event) -> str:
    parts = [event.description.strip()]
    if event.agenda.strip():
        parts.append("Agenda:\n" + event.agenda.strip())
    if event.closing_moment.strip():
        parts.append("Closing moment: " + event.closing_moment.strip())
    if event.online_url:
        parts.append("Join online: " + event.online_url)
    return "\n\n".join(part for part in parts if part)


def event_ics(event: Event) -> str:
    """The event as a calendar file to download or attach; start and end in UTC."""
    host = urlsplit(settings.SITE_URL).hostname or "champions.invalid"
    status = "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED"
    properties = [
        ("UID", f"event-{event.pk}@{host}"),
        ("DTSTAMP", _utc(timezone.now())),
        ("LAST-MODIFIED", _utc(event.updated_at)),
        ("DTSTART", _utc(event.starts_at)),
        ("DTEND", _utc(event.ends_at)),
        ("SUMMARY", escape_text(event.title)),
        ("DESCRIPTION", escape_text(_description(event))),
        ("STATUS", status),
    ]
    location = event.place or event.online_url
    if location:
        properties.append(("LOCATION", escape_text(location)))
    if event.online_url:
        properties.append(("URL", event.online_url))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Champions//Events//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        *(fold(f"{name}:{value}") for name, value in properties),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def event_ics_filename(event: Event) -> str:
    return f"event-{event.pk}.ics"
