"""The events admin: changelists that do not grow in queries, actions that call the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from champions.models import Activity, ActivityKind
from programs.events.models import EventKind, EventStatus, Registration
from tests.factories import ChampionFactory
from tests.programs.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _event_with_people() -> None:
    event = EventFactory()
    event.hosts.add(ChampionFactory())
    RegistrationFactory(event=event)


@pytest.mark.parametrize(
    "changelist", ["admin:events_event_changelist", "admin:events_registration_changelist"]
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client_logged_in: Any, changelist: str
) -> None:
    url = reverse(changelist)
    for _ in range(2):
        _event_with_people()
    with_two = _queries(admin_client_logged_in, url)
    for _ in range(23):
        _event_with_people()

    assert _queries(admin_client_logged_in, url) == with_two


def test_event_change_page_and_calendar_download(admin_client_logged_in: Any) -> None:
    event = EventFactory()
    RegistrationFactory(event=event)

    page = admin_client_logged_in.get(reverse("admin:events_event_change", args=[event.pk]))
    ics = admin_client_logged_in.get(reverse("admin:events_event_ics", args=[event.pk]))

    assert page.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content


def test_admin_actions_check_in_and_mark_held(admin_client_logged_in: Any) -> None:
    event = EventFactory(kind=EventKind.QUARTERLY_DEMO)
    registration = RegistrationFactory(event=event)
    event.starts_at = timezone.now() - timedelta(hours=2)
    event.ends_at = event.starts_at + timedelta(hours=1)
    event.save()

    admin_client_logged_in.post(
        reverse("admin:events_registration_changelist"),
        {"action": "check_in", "_selected_action": [registration.pk]},
    )
    admin_client_logged_in.post(
        reverse("admin:events_event_changelist"),
        {"action": "mark_held", "_selected_action": [event.pk]},
    )

    registration = Registration.objects.get(pk=registration.pk)
    assert registration.checked_in_at is not None
    event.refresh_from_db()
    assert event.status == EventStatus.HELD
    assert Activity.objects.filter(kind=ActivityKind.ATTENDED_EVENT).count() == 1


def test_a_refused_action_is_reported_not_raised(admin_client_logged_in: Any) -> None:
    event = EventFactory()  # not started yet

    response = admin_client_logged_in.post(
        reverse("admin:events_event_changelist"),
        {"action": "mark_held", "_selected_action": [event.pk]},
        follow=True,
    )

    assert "has not started yet" in response.content.decode()
    event.refresh_from_db()
    assert event.status == EventStatus.SCHEDULED
