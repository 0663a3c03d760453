"""Check-in, marking an event held, no-shows, feedback and the activities they record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Activity, ActivityKind, ActivityLevel, ActivitySource
from programs.events import services
from programs.events.models import Event, EventKind, EventStatus, RegistrationStatus
from tests.factories import ChampionFactory, StaffFactory
from tests.programs.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _started(event: Event, *, hours_ago: float = 2) -> Event:
    event.starts_at = (timezone.now() - timedelta(hours=hours_ago)).replace(microsecond=0)
    event.ends_at = event.starts_at + timedelta(hours=1)
    event.save()
    return event


def test_a_champion_checks_in_with_the_events_code() -> None:
    registration = RegistrationFactory(event=_started(EventFactory(), hours_ago=0.25))

    services.registration_check_in(
        registration=registration, code=f" {registration.event.checkin_code.lower()} "
    )

    registration.refresh_from_db()
    assert registration.checked_in_at is not None


def test_a_wrong_check_in_code_is_refused_naming_the_code() -> None:
    registration = RegistrationFactory(event=_started(EventFactory(), hours_ago=0.25))

    with pytest.raises(DomainError) as error:
        services.registration_check_in(registration=registration, code="WRONG1")

    assert error.value.field == "code"
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_self_check_in_opens_an_hour_before_the_start() -> None:
    registration = RegistrationFactory(event=EventFactory())  # a week away

    with pytest.raises(DomainError, match="one hour before"):
        services.registration_check_in(
            registration=registration, code=registration.event.checkin_code
        )


def test_staff_check_in_a_waitlisted_champion_who_came_anyway() -> None:
    registration = RegistrationFactory(status=RegistrationStatus.WAITLISTED)

    services.registration_check_in(registration=registration, by_user=StaffFactory())

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.checked_in_at is not None


def test_the_waitlisted_cannot_check_themselves_in() -> None:
    event = _started(EventFactory(), hours_ago=0.1)
    registration = RegistrationFactory(event=event, status=RegistrationStatus.WAITLISTED)

    with pytest.raises(DomainError, match="waitlist"):
        services.registration_check_in(registration=registration, code=event.checkin_code)


def test_marking_a_demo_held_records_attendance_and_presenting_at_its_start() -> None:
    presenter, attendee, absent = ChampionFactory(), ChampionFactory(), ChampionFactory()
    event = _started(EventFactory(kind=EventKind.QUARTERLY_DEMO))
    event.presenters.add(presenter)
    came = RegistrationFactory(event=event, champion=attendee)
    missed = RegistrationFactory(event=event, champion=absent)
    services.registration_check_in(registration=came, by_user=StaffFactory())

    services.event_mark_held(event=event, takeaways="Schedule exports.")

    event.refresh_from_db()
    assert event.status == EventStatus.HELD
    assert event.takeaways == "Schedule exports."
    attended = Activity.objects.get(kind=ActivityKind.ATTENDED_EVENT)
    assert (attended.champion, attended.level, attended.occurred_at, attended.guild) == (
        attendee,
        ActivityLevel.PARTICIPANT,
        event.starts_at,
        event.guild,
    )
    presented = Activity.objects.get(kind=ActivityKind.PRESENTED_AT_DEMO)
    assert (presented.champion, presented.level, presented.occurred_at) == (
        presenter,
        ActivityLevel.CONTRIBUTOR,
        event.starts_at,
    )
    missed.refresh_from_db()
    came.refresh_from_db()
    assert missed.no_show is True
    assert came.no_show is False
    attendee.refresh_from_db()
    assert attendee.first_value_at == event.starts_at
    absent.refresh_from_db()
    assert absent.first_value_at is None


def test_clinic_hosts_host_and_do_not_also_attend() -> None:
    host, attendee = ChampionFactory(), ChampionFactory()
    event = _started(EventFactory(kind=EventKind.PEER_CLINIC))
    event.hosts.add(host)
    for champion in (host, attendee):
        registration = RegistrationFactory(event=event, champion=champion)
        services.registration_check_in(registration=registration, by_user=StaffFactory())

    services.event_mark_held(event=event)

    hosted = Activity.objects.get(kind=ActivityKind.HOSTED_CLINIC)
    assert (hosted.champion, hosted.level, hosted.occurred_at) == (
        host,
        ActivityLevel.LEADER,
        event.starts_at,
    )
    attended = Activity.objects.filter(kind=ActivityKind.ATTENDED_EVENT)
    assert [a.champion for a in attended] == [attendee]
    host.refresh_from_db()
    assert host.first_value_at is None


def test_marking_held_again_records_nothing_new() -> None:
    event = _started(EventFactory(kind=EventKind.PEER_CLINIC))
    event.hosts.add(ChampionFactory())
    registration = RegistrationFactory(event=event)
    services.registration_check_in(registration=registration, by_user=StaffFactory())
    services.event_mark_held(event=event)
    before = set(Activity.objects.values_list("pk", flat=True))

    services.event_mark_held(event=event)

    assert set(Activity.objects.values_list("pk", flat=True)) == before


def test_a_live_build_attendance_is_not_a_first_value_moment() -> None:
    event = _started(EventFactory(kind=EventKind.LIVE_BUILD))
    registration = RegistrationFactory(event=event)
    services.registration_check_in(registration=registration, by_user=StaffFactory())

    services.event_mark_held(event=event, source=ActivitySource.ADMIN)

    assert Activity.objects.filter(kind=ActivityKind.ATTENDED_EVENT).count() == 1
    registration.champion.refresh_from_db()
    assert registration.champion.first_value_at is None


def test_a_check_in_corrected_after_the_event_is_recorded_at_once() -> None:
    event = _started(EventFactory())
    registration = RegistrationFactory(event=event)
    services.event_mark_held(event=event)
    registration.refresh_from_db()
    assert registration.no_show is True

    services.registration_check_in(registration=registration, by_user=StaffFactory())

    registration.refresh_from_db()
    assert registration.no_show is False
    activity = Activity.objects.get(kind=ActivityKind.ATTENDED_EVENT)
    assert activity.occurred_at == event.starts_at


def test_an_event_cannot_be_marked_held_before_it_starts() -> None:
    with pytest.raises(DomainError, match="not started"):
        services.event_mark_held(event=EventFactory())


def test_a_cancelled_event_cannot_be_marked_held() -> None:
    event = _started(EventFactory())
    services.event_cancel(event=event)
    with pytest.raises(DomainError, match="cancelled"):
        services.event_mark_held(event=event)


def test_attendees_rate_the_event() -> None:
    registration = RegistrationFactory(event=_started(EventFactory()))
    services.registration_check_in(registration=registration, by_user=StaffFactory())

    services.registration_feedback(registration=registration, rating=5, comment=" Great! ")

    registration.refresh_from_db()
    assert (registration.feedback_rating, registration.feedback_comment) == (5, "Great!")


@pytest.mark.parametrize("rating", [0, 6, -1, True, 4.5])
def test_feedback_is_a_whole_number_from_1_to_5(rating: object) -> None:
    registration = RegistrationFactory(checked_in_at=timezone.now())

    with pytest.raises(DomainError) as error:
        services.registration_feedback(registration=registration, rating=rating)  # type: ignore[arg-type]

    assert error.value.field == "rating"


def test_only_attendees_give_feedback() -> None:
    registration = RegistrationFactory()

    with pytest.raises(DomainError, match="attended"):
        services.registration_feedback(registration=registration, rating=4)
