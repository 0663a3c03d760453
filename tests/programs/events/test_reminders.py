"""The reminder email the day before, sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from programs.events.models import RegistrationStatus
from programs.events.tasks import send_event_reminders
from tests.programs.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_each_registered_champion_is_reminded_once_the_day_before() -> None:
    tomorrow = EventFactory(starts_at=timezone.now() + timedelta(hours=23, minutes=30))
    seated = RegistrationFactory(event=tomorrow)
    RegistrationFactory(event=tomorrow, status=RegistrationStatus.WAITLISTED)
    RegistrationFactory(event=tomorrow, status=RegistrationStatus.CANCELLED)
    RegistrationFactory(event=EventFactory(starts_at=timezone.now() + timedelta(days=3)))

    assert send_event_reminders() == 1
    assert send_event_reminders() == 0

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [seated.champion.email]
    assert tomorrow.title in message.subject
    assert tomorrow.online_url in message.body
    assert message.alternatives[0][1] == "text/html"
    assert message.attachments[0][0] == f"event-{tomorrow.pk}.ics"
    seated.refresh_from_db()
    assert seated.reminder_sent_at is not None


def test_a_failed_send_is_tried_again_on_the_next_run(monkeypatch: pytest.MonkeyPatch) -> None:
    registration = RegistrationFactory(
        event=EventFactory(starts_at=timezone.now() + timedelta(hours=5))
    )

    def refuse(self: object, fail_silently: bool = False) -> int:
        raise OSError("SMTP down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", refuse)
        assert send_event_reminders() == 0
    registration.refresh_from_db()
    assert registration.reminder_sent_at is None

    assert send_event_reminders() == 1
