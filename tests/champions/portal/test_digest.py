"""The program digest: one email per user and period, through the real mail outbox."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from champions import digest
from champions import services as champion_services
from champions.models import DigestDelivery, DigestFrequency, NotificationKind, zone_or_utc
from champions.tasks import send_digest, send_due_digests
from programs.clinics import services as clinics
from programs.recognition import services as recognition
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise OSError("The mail server is down.")


@pytest.fixture
def news(champion_a: Any, champion_b: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Something for Ada's digest: a question for her skills, and kudos from Bob."""
    champion_a.expertise = ["forecasting"]
    champion_a.save(update_fields=["expertise"])
    guild = GuildFactory(name="Finance ops", slug="finance-ops")
    MembershipFactory(guild=guild, champion=champion_a)
    MembershipFactory(guild=guild, champion=champion_b)
    with django_capture_on_commit_callbacks(execute=True):
        clinics.question_ask(
            asker=champion_b, guild=guild, title="Forecasting with seasonality?", body="How?"
        )
        recognition.kudos_give(
            from_champion=champion_b, to_champion=champion_a, message="Thanks for the macro!"
        )
    return champion_a


def _ada_digests(mailoutbox: Any, champion: Any) -> list[Any]:
    return [m for m in mailoutbox if m.to == [champion.email] and "digest" in m.subject]


def test_weekly_by_default_with_text_and_html_and_what_is_new(news: Any, mailoutbox: Any) -> None:
    send_due_digests()
    [message] = _ada_digests(mailoutbox, news)
    assert "weekly" in message.subject and "2 things" in message.subject
    assert "Forecasting with seasonality?" in message.body
    assert "Bob Builder thanked you" in message.body
    assert "/portal/notifications/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Forecasting with seasonality?</a>" in html


def test_one_email_per_period_however_often_the_task_runs(news: Any, mailoutbox: Any) -> None:
    send_due_digests()
    send_due_digests()
    # A retry, or a second worker, of the same period's task sends nothing.
    start = _this_week(news).isoformat()
    assert send_digest(user_id=news.user_id, frequency="weekly", period_start=start) is False
    assert len(_ada_digests(mailoutbox, news)) == 1
    assert DigestDelivery.objects.filter(user=news.user).count() == 1


def test_a_period_claimed_by_another_worker_is_left_to_it(news: Any, mailoutbox: Any) -> None:
    start = _this_week(news)
    assert digest.digest_claim(user_id=news.user_id, frequency="weekly", start=start)
    assert not digest.digest_send(user_id=news.user_id, frequency="weekly", start=start)
    assert _ada_digests(mailoutbox, news) == []


def test_a_failed_send_frees_the_period_for_the_retry(news: Any, mailoutbox: Any) -> None:
    start = _this_week(news)
    with (
        override_settings(EMAIL_BACKEND=f"{__name__}.FailingBackend"),
        pytest.raises(OSError, match="mail server"),
    ):
        digest.digest_send(user_id=news.user_id, frequency="weekly", start=start)
    assert DigestDelivery.objects.get(user=news.user).sent_at is None
    assert digest.digest_send(user_id=news.user_id, frequency="weekly", start=start)
    assert len(_ada_digests(mailoutbox, news)) == 1


def test_daily_digests_come_every_day_weekly_ones_every_monday(champion_a: Any) -> None:
    champion_services.notification_preference_set(
        user=champion_a.user, kind=NotificationKind.DIGEST, enabled=True,
        digest_frequency=DigestFrequency.DAILY,
    )  # fmt: skip
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    tuesday = monday + timedelta(days=1)
    zone = zoneinfo.ZoneInfo("UTC")
    assert digest.period_start("daily", monday, zone) == date(2026, 11, 23)
    assert digest.period_start("daily", tuesday, zone) == date(2026, 11, 24)
    assert digest.period_start("weekly", tuesday, zone) == date(2026, 11, 23)
    # Before the digest hour it is still the previous period.
    assert digest.period_start("weekly", monday.replace(hour=7), zone) == date(2026, 11, 16)
    [due] = digest.digests_due(moment=tuesday)
    assert (due.user_id, due.frequency, due.period_start) == (
        champion_a.user_id,
        "daily",
        date(2026, 11, 24),
    )


def test_periods_follow_the_champions_time_zone(champion_a: Any) -> None:
    champion_a.timezone = "Asia/Tokyo"
    champion_a.save(update_fields=["timezone"])
    sunday_night_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 08:30 in Tokyo
    [due] = digest.digests_due(moment=sunday_night_utc)
    assert due.period_start == date(2026, 11, 23)


def test_no_digest_when_switched_off(news: Any, mailoutbox: Any) -> None:
    champion_services.notification_preference_set(
        user=news.user, kind=NotificationKind.DIGEST, enabled=False,
        digest_frequency=DigestFrequency.OFF,
    )  # fmt: skip
    send_due_digests()
    assert _ada_digests(mailoutbox, news) == []
    assert not DigestDelivery.objects.filter(user=news.user).exists()


def test_nothing_to_say_sends_nothing_and_the_period_counts_as_done(
    champion_a: Any, mailoutbox: Any
) -> None:
    send_due_digests()
    assert mailoutbox == []
    assert DigestDelivery.objects.get(user=champion_a.user).item_count == 0
    assert send_due_digests() == 0


def test_answers_to_my_questions_held_for_it_are_in_it(
    champion_a: Any,
    champion_b: Any,
    client_b: Client,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    champion_services.notification_preference_set(
        user=champion_a.user, kind=NotificationKind.QUESTION_ANSWERED, enabled=True,
        digest_frequency="weekly",
    )  # fmt: skip
    guild = GuildFactory(name="Finance ops", slug="finance-ops")
    MembershipFactory(guild=guild, champion=champion_a)
    MembershipFactory(guild=guild, champion=champion_b)
    with django_capture_on_commit_callbacks(execute=True):
        question = clinics.question_ask(
            asker=champion_a, guild=guild, title="Closing the books faster?", body="Ideas?"
        )
        client_b.post(reverse("portal:clinics:answer", args=[question.pk]), {"body": "Batch."})
    assert mailoutbox == []  # held for the digest
    send_due_digests()
    [message] = _ada_digests(mailoutbox, champion_a)
    assert "Closing the books faster?" in message.body
    assert f"/portal/clinics/{question.pk}/#a" in message.body


def test_erased_and_alumni_champions_get_no_digest(news: Any, mailoutbox: Any) -> None:
    ChampionFactory(state="alumni")
    news.erased_at = timezone.now()
    news.save(update_fields=["erased_at"])
    send_due_digests()
    assert _ada_digests(mailoutbox, news) == []
    assert set(DigestDelivery.objects.values_list("user__email", flat=True)) == {
        "bob@globex.example"
    }


def _this_week(champion: Any) -> date:
    return digest.period_start("weekly", timezone.now(), zone_or_utc(champion.timezone))


def test_emails_held_for_a_daily_digest_make_it_daily_even_with_the_digest_off(
    champion_a: Any,
) -> None:
    user = champion_a.user
    champion_services.notification_preference_set(
        user=user, kind=NotificationKind.DIGEST, enabled=False, digest_frequency="off"
    )
    assert digest.digests_due() == []
    champion_services.notification_preference_set(
        user=user, kind=NotificationKind.KUDOS, enabled=True, digest_frequency="daily"
    )
    [due] = digest.digests_due()
    assert due.frequency == "daily"


def test_finding_who_is_due_takes_three_queries_however_many_champions(
    champion_a: Any, django_assert_num_queries: Any
) -> None:
    for number in range(20):
        champion = ChampionFactory()
        if number % 2:
            champion_services.notification_preference_set(
                user=champion.user, kind=NotificationKind.KUDOS, enabled=True,
                digest_frequency="daily",
            )  # fmt: skip
    with django_assert_num_queries(3):
        due = digest.digests_due()
    assert len(due) == 21


def test_sending_one_digest_has_a_query_budget(
    news: Any, mailoutbox: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        assert digest.digest_send(user_id=news.user_id, frequency="weekly", start=_this_week(news))
