"""Events in the portal: list, calendar, detail, register / cancel / waitlist, .ics, check-in
and feedback; two champions in two accounts, query budgets, forms that write nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from champions.models import GuildVisibility
from programs.events.models import EventKind, EventStatus, Registration, RegistrationStatus
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory, StaffFactory
from tests.programs.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _url(name: str, *args: Any) -> str:
    return reverse(f"portal:events:{name}", args=args)


@pytest.fixture
def guild(db: None) -> Any:
    return GuildFactory(name="Finance ops", slug="finance-ops")


@pytest.fixture
def demo(guild: Any) -> Any:
    return EventFactory(title="Spring demo day", guild=guild, capacity=2)


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, demo: Any) -> None:
    response = client.get(_url("detail", demo.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_users_without_a_champion_record_get_404(client: Client, demo: Any) -> None:
    client.force_login(StaffFactory())
    assert client.get(_url("index")).status_code == 404
    assert client.get(_url("detail", demo.pk)).status_code == 404


def test_list_shows_upcoming_events_with_seats_and_my_place(
    client_a: Client, champion_a: Any, demo: Any
) -> None:
    RegistrationFactory(event=demo, champion=champion_a)
    EventFactory(title="Last year's demo", starts_at=timezone.now() - timedelta(days=300))
    response = client_a.get(_url("index"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Spring demo day" in page
    assert "You have a seat" in page
    assert "Last year&#x27;s demo" not in page
    past = client_a.get(_url("index"), {"when": "past"}).content.decode()
    assert "Last year&#x27;s demo" in past and "Spring demo day" not in past


def test_list_filters_by_kind_and_guild(client_a: Client, guild: Any, demo: Any) -> None:
    EventFactory(title="Pairing on exports", kind=EventKind.PAIRING_SESSION, guild=None)
    by_kind = client_a.get(_url("index"), {"kind": EventKind.PAIRING_SESSION}).content.decode()
    assert "Pairing on exports" in by_kind and "Spring demo day" not in by_kind
    by_guild = client_a.get(_url("index"), {"guild": guild.slug}).content.decode()
    assert "Spring demo day" in by_guild and "Pairing on exports" not in by_guild
    unknown = client_a.get(_url("index"), {"guild": "no-such-guild", "kind": "party"})
    assert unknown.status_code == 200  # an invalid filter is ignored, not an error


def test_events_of_a_hidden_guild_exist_only_for_its_members(
    client_a: Client, client_b: Client, champion_b: Any
) -> None:
    hidden = GuildFactory(name="B's circle", slug="b-circle", visibility=GuildVisibility.HIDDEN)
    MembershipFactory(guild=hidden, champion=champion_b)
    secret = EventFactory(title="Circle meeting", guild=hidden)
    for name in ("detail", "ics"):
        assert client_a.get(_url(name, secret.pk)).status_code == 404
    for name in ("register", "cancel", "check_in", "feedback"):
        assert client_a.post(_url(name, secret.pk), {"code": "X"}).status_code == 404
    assert "Circle meeting" not in client_a.get(_url("index")).content.decode()
    month = secret.starts_at.strftime("%Y-%m")
    assert "Circle meeting" not in client_a.get(_url("calendar"), {"month": month}).content.decode()
    assert not Registration.objects.filter(event=secret).exists()
    assert client_b.get(_url("detail", secret.pk)).status_code == 200


def test_list_query_count_is_the_same_for_few_and_many_events(
    client_a: Client, champion_a: Any, guild: Any, django_assert_max_num_queries: Any
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(_url("index")).status_code == 200
        return len(queries)

    EventFactory(guild=guild)
    few = count()
    for number in range(30):
        event = EventFactory(guild=GuildFactory(), capacity=3)
        RegistrationFactory(event=event, champion=champion_a if number % 2 else ChampionFactory())
    assert count() == few
    with django_assert_max_num_queries(8):
        client_a.get(_url("index"), {"guild": guild.slug, "page": "2"})


def test_calendar_puts_events_on_their_day_in_my_time_zone(
    client_a: Client, champion_a: Any, django_assert_max_num_queries: Any
) -> None:
    champion_a.timezone = "America/Los_Angeles"
    champion_a.save()
    # 03:00 UTC on 5 March is still 4 March in Los Angeles.
    starts = datetime(2031, 3, 5, 3, 0, tzinfo=UTC)
    EventFactory(title="Late demo", starts_at=starts, ends_at=starts + timedelta(hours=1))
    with django_assert_max_num_queries(6):
        response = client_a.get(_url("calendar"), {"month": "2031-03"})
    page = response.content.decode()
    assert "March 2031" in page
    assert "Late demo" in page
    assert "Tue 4 Mar 2031, 19:00" in page
    assert client_a.get(_url("calendar"), {"month": "2031-13"}).status_code == 200


def test_register_gives_a_seat_then_the_waitlist_with_its_position(
    client_a: Client, champion_a: Any, demo: Any
) -> None:
    RegistrationFactory(event=demo)
    RegistrationFactory(event=demo)  # both seats taken
    RegistrationFactory(event=demo, status=RegistrationStatus.WAITLISTED)
    response = client_a.post(_url("register", demo.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="registration"' in page and "<html" not in page  # the box, swapped in place
    assert "number 2" in page
    mine = Registration.objects.get(event=demo, champion=champion_a)
    assert mine.status == RegistrationStatus.WAITLISTED


def test_cancel_frees_the_seat_for_the_waitlist(
    client_a: Client, champion_a: Any, demo: Any
) -> None:
    RegistrationFactory(event=demo, champion=champion_a)
    RegistrationFactory(event=demo)
    waiting = RegistrationFactory(event=demo, status=RegistrationStatus.WAITLISTED)
    response = client_a.post(_url("cancel", demo.pk))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    mine = Registration.objects.get(event=demo, champion=champion_a)
    assert mine.status == RegistrationStatus.CANCELLED


def test_b_cannot_cancel_as_a_and_posting_owner_fields_changes_nothing(
    client_a: Client, client_b: Client, champion_a: Any, champion_b: Any, demo: Any
) -> None:
    RegistrationFactory(event=demo, champion=champion_a)
    assert client_b.post(_url("cancel", demo.pk)).status_code == 404
    client_b.post(
        _url("register", demo.pk),
        {"champion": champion_a.pk, "status": "cancelled", "event": 999},
    )
    mine = Registration.objects.get(event=demo, champion=champion_a)
    assert mine.status == RegistrationStatus.REGISTERED
    theirs = Registration.objects.get(event=demo, champion=champion_b)
    assert theirs.status == RegistrationStatus.REGISTERED
    page = client_a.get(_url("detail", demo.pk)).content.decode()
    assert champion_b.full_name not in page and champion_b.email not in page


def test_registration_is_refused_with_a_message_once_the_event_started(
    client_a: Client, champion_a: Any, guild: Any
) -> None:
    running = EventFactory(
        guild=guild,
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(minutes=50),
    )
    response = client_a.post(_url("register", running.pk), follow=True)
    assert "has already started" in response.content.decode()
    assert not Registration.objects.filter(event=running).exists()


def test_ics_download(client_a: Client, demo: Any) -> None:
    response = client_a.get(_url("ics", demo.pk))
    assert response["Content-Type"].startswith("text/calendar")
    assert f'filename="event-{demo.pk}.ics"' in response["Content-Disposition"]
    assert "SUMMARY:Spring demo day" in response.content.decode()


def test_online_link_only_for_people_with_a_seat(
    client_a: Client, champion_a: Any, demo: Any
) -> None:
    assert demo.online_url not in client_a.get(_url("detail", demo.pk)).content.decode()
    RegistrationFactory(event=demo, champion=champion_a)
    assert demo.online_url in client_a.get(_url("detail", demo.pk)).content.decode()


@pytest.fixture
def starting_now(guild: Any, champion_a: Any) -> Any:
    event = EventFactory(
        title="Clinic now",
        kind=EventKind.PEER_CLINIC,
        guild=guild,
        starts_at=timezone.now() + timedelta(minutes=20),
        ends_at=timezone.now() + timedelta(minutes=80),
        checkin_code="ABC234",
    )
    RegistrationFactory(event=event, champion=champion_a)
    return event


def test_check_in_with_a_wrong_code_shows_the_error_and_changes_nothing(
    client_a: Client, champion_a: Any, starting_now: Any
) -> None:
    response = client_a.post(_url("check_in", starting_now.pk), {"code": "WRONG1"})
    assert response.status_code == 200
    assert "That check-in code is not right" in response.content.decode()
    registration = Registration.objects.get(event=starting_now, champion=champion_a)
    assert registration.checked_in_at is None


def test_check_in_without_registering_says_to_register_first(
    client_a: Client, client_b: Client, champion_b: Any, starting_now: Any
) -> None:
    response = client_b.post(_url("check_in", starting_now.pk), {"code": "ABC234"})
    assert "Register for the event first" in response.content.decode()
    assert not Registration.objects.filter(event=starting_now, champion=champion_b).exists()


def test_check_in_with_the_code_then_feedback(
    client_a: Client, champion_a: Any, starting_now: Any
) -> None:
    page = client_a.get(_url("detail", starting_now.pk)).content.decode()
    assert 'id="check-in"' in page and 'id="feedback"' not in page
    response = client_a.post(_url("check_in", starting_now.pk), {"code": " abc234 "})
    assert response.status_code == 302
    registration = Registration.objects.get(event=starting_now, champion=champion_a)
    assert registration.checked_in_at is not None
    starting_now.starts_at = timezone.now() - timedelta(minutes=30)
    starting_now.save()
    response = client_a.post(
        _url("feedback", starting_now.pk),
        {"rating": "5", "comment": "Great", "feedback_at": "2000-01-01", "status": "cancelled"},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.feedback_rating, registration.feedback_comment) == (5, "Great")
    assert registration.status == RegistrationStatus.REGISTERED


def test_feedback_without_attending_is_refused_on_the_form(
    client_a: Client, champion_a: Any, starting_now: Any
) -> None:
    response = client_a.post(_url("feedback", starting_now.pk), {"rating": "4"})
    assert "Only people who attended" in response.content.decode()
    response = client_a.post(_url("feedback", starting_now.pk), {"rating": "9"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    registration = Registration.objects.get(event=starting_now, champion=champion_a)
    assert registration.feedback_rating is None


def test_detail_query_budget(
    client_a: Client, champion_a: Any, demo: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        demo.hosts.add(ChampionFactory())
    RegistrationFactory(event=demo, champion=champion_a, status=RegistrationStatus.WAITLISTED)
    with django_assert_max_num_queries(9):
        assert client_a.get(_url("detail", demo.pk)).status_code == 200


def test_cancelled_event_says_so_and_offers_no_registration(client_a: Client, guild: Any) -> None:
    called_off = EventFactory(guild=guild, status=EventStatus.CANCELLED)
    page = client_a.get(_url("detail", called_off.pk)).content.decode()
    assert "This event was cancelled" in page
    assert _url("register", called_off.pk) not in page


def test_home_lists_my_upcoming_events_and_the_guild_page_the_guilds(
    client_a: Client, champion_a: Any, guild: Any, demo: Any
) -> None:
    RegistrationFactory(event=demo, champion=champion_a)
    home = client_a.get(reverse("portal:home")).content.decode()
    assert "My upcoming events" in home and "Spring demo day" in home
    guild_page = client_a.get(reverse("portal:guild", args=[guild.slug])).content.decode()
    assert "Spring demo day" in guild_page
    assert "will appear here" not in guild_page.split("panel-events")[1].split("</section>")[0]


def test_ics_query_budget(client_a: Client, demo: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(5):
        demo.hosts.add(ChampionFactory())
    with django_assert_max_num_queries(5):
        assert client_a.get(_url("ics", demo.pk)).status_code == 200
