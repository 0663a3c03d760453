"""The calendar file of an event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from programs.events.ics import event_ics
from tests.programs.factories import EventFactory

pytestmark = pytest.mark.django_db


def _unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def _properties(text: str) -> dict[str, str]:
    lines = _unfold(text)
    start, end = lines.index("BEGIN:VEVENT"), lines.index("END:VEVENT")
    return dict(line.split(":", 1) for line in lines[start + 1 : end])


def test_the_calendar_file_is_one_event_in_utc() -> None:
    event = EventFactory(
        title="Demo day; Q3, live",
        starts_at=datetime(2026, 9, 10, 14, 0, tzinfo=UTC),
        ends_at=datetime(2026, 9, 10, 15, 30, tzinfo=UTC),
        timezone="Europe/Berlin",
        agenda="1. Welcome\n2. Live build",
        place="Berlin office",
    )

    text = event_ics(event)

    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    props = _properties(text)
    assert props["DTSTART"] == "20260910T140000Z"
    assert props["DTEND"] == "20260910T153000Z"
    assert props["SUMMARY"] == "Demo day\\; Q3\\, live"
    assert "1. Welcome\\n2. Live build" in props["DESCRIPTION"]
    assert props["LOCATION"] == "Berlin office"
    assert props["UID"].startswith(f"event-{event.pk}@")
    assert props["STATUS"] == "CONFIRMED"


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    event = EventFactory(title="Ümlaut " * 25, description="back\\slash")

    text = event_ics(event)

    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    props = _properties(text)
    assert props["SUMMARY"] == "Ümlaut " * 25
    assert props["DESCRIPTION"].startswith("back\\\\slash")
