"""A hidden event is gone for every champion; an event offers a "report a concern" link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from programs.governance.services import content_hide
from tests.programs.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_a_hidden_event_is_gone_from_lists_calendar_home_and_its_page(
    client_a: Client, champion_a: Any, staff_user: Any
) -> None:
    event = EventFactory(title="Get rich quick webinar")
    RegistrationFactory(event=event, champion=champion_a)
    month = event.starts_at.strftime("%Y-%m")
    pages = [
        reverse("portal:events:index"),
        reverse("portal:events:calendar") + f"?month={month}",
        reverse("portal:home"),
    ]
    for page in pages:
        assert "Get rich quick webinar" in client_a.get(page).content.decode(), page
    content_hide(target=event, by=staff_user, reason="Not a program event")
    for page in pages:
        assert "Get rich quick webinar" not in client_a.get(page).content.decode(), page
    for name in ("portal:events:detail", "portal:events:ics"):
        assert client_a.get(reverse(name, args=[event.pk])).status_code == 404
    assert client_a.post(reverse("portal:events:cancel", args=[event.pk])).status_code == 404


def test_an_event_offers_a_report_link(client_a: Client) -> None:
    event = EventFactory()
    page = client_a.get(reverse("portal:events:detail", args=[event.pk])).content.decode()
    assert reverse("portal:governance:report", args=["event", event.pk]) in page
