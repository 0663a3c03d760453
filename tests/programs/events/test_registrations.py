"""Registering, the waitlist and its automatic promotion, cancelling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Activity, ActivityKind, ActivityLevel, ActivitySource
from programs.events import selectors, services
from programs.events.models import EventStatus, RegistrationStatus
from tests.factories import ChampionFactory
from tests.programs.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_registering_takes_a_seat_and_records_an_rsvp() -> None:
    event = EventFactory(capacity=10)
    champion = ChampionFactory()

    registration = services.registration_create(
        event=event, champion=champion, source=ActivitySource.PORTAL
    )

    assert registration.status == RegistrationStatus.REGISTERED
    activity = Activity.objects.get(champion=champion)
    assert activity.kind == ActivityKind.RSVP
    assert activity.level == ActivityLevel.PARTICIPANT
    assert activity.occurred_at == registration.registered_at
    assert activity.guild == event.guild
    assert activity.source == ActivitySource.PORTAL


def test_a_full_event_puts_the_champion_on_the_waitlist() -> None:
    event = EventFactory(capacity=1)
    services.registration_create(event=event, champion=ChampionFactory())

    second = services.registration_create(event=event, champion=ChampionFactory())
    third = services.registration_create(event=event, champion=ChampionFactory())

    assert second.status == RegistrationStatus.WAITLISTED
    assert selectors.waitlist_position(second) == 1
    assert selectors.waitlist_position(third) == 2
    assert Activity.objects.filter(kind=ActivityKind.RSVP).count() == 3


def test_registering_twice_changes_nothing() -> None:
    event = EventFactory()
    champion = ChampionFactory()
    first = services.registration_create(event=event, champion=champion)

    again = services.registration_create(event=event, champion=champion)

    assert again.pk == first.pk
    assert again.registered_at == first.registered_at
    assert Activity.objects.filter(kind=ActivityKind.RSVP).count() == 1


def test_cancelling_promotes_the_earliest_waitlisted_and_tells_them(
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = EventFactory(capacity=1)
    seated = services.registration_create(event=event, champion=ChampionFactory())
    earliest = services.registration_create(event=event, champion=ChampionFactory())
    later = services.registration_create(event=event, champion=ChampionFactory())

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=seated)

    earliest.refresh_from_db()
    later.refresh_from_db()
    assert earliest.status == RegistrationStatus.REGISTERED
    assert earliest.promoted_at is not None
    assert later.status == RegistrationStatus.WAITLISTED
    assert selectors.waitlist_position(later) == 1
    assert [message.to for message in mail.outbox] == [[earliest.champion.email]]
    assert "freed up" in mail.outbox[0].subject
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_cancelling_a_waitlist_place_promotes_nobody() -> None:
    event = EventFactory(capacity=1)
    services.registration_create(event=event, champion=ChampionFactory())
    waiting = services.registration_create(event=event, champion=ChampionFactory())
    last = services.registration_create(event=event, champion=ChampionFactory())

    services.registration_cancel(registration=waiting)

    last.refresh_from_db()
    assert last.status == RegistrationStatus.WAITLISTED
    assert selectors.waitlist_position(last) == 1


def test_registering_again_after_cancelling_joins_the_end_of_the_queue() -> None:
    event = EventFactory(capacity=1)
    champion = ChampionFactory()
    mine = services.registration_create(event=event, champion=champion)
    services.registration_cancel(registration=mine)
    services.registration_create(event=event, champion=ChampionFactory())

    again = services.registration_create(event=event, champion=champion)

    assert again.pk == mine.pk
    assert again.status == RegistrationStatus.WAITLISTED


def test_raising_the_capacity_and_promoting_fills_the_new_seats() -> None:
    event = EventFactory(capacity=1)
    services.registration_create(event=event, champion=ChampionFactory())
    waiting = [services.registration_create(event=event, champion=ChampionFactory()) for _ in "ab"]
    event.capacity = 3
    event.save()

    promoted = services.event_promote_waitlist(event=event)

    assert {r.pk for r in promoted} == {r.pk for r in waiting}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": EventStatus.CANCELLED}, "cancelled"),
        ({"starts_at_offset": timedelta(hours=-1)}, "already started"),
    ],
)
def test_registration_is_closed_for_cancelled_or_started_events(
    change: dict[str, object], message: str
) -> None:
    now = timezone.now()
    offset = change.pop("starts_at_offset", None)
    event = EventFactory(**change)
    if offset is not None:
        event.starts_at = now + offset  # type: ignore[operator]
        event.save()

    with pytest.raises(DomainError, match=message) as error:
        services.registration_create(event=event, champion=ChampionFactory())
    assert error.value.field == "event"


def test_invited_champions_cannot_register() -> None:
    with pytest.raises(DomainError) as error:
        services.registration_create(event=EventFactory(), champion=ChampionFactory(invited=True))
    assert error.value.field == "champion"
