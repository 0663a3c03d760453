"""Event emails ask the champion's notification preferences before they go out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from champions import services as champion_services
from champions.models import NotificationKind
from programs.events import services
from programs.events.models import RegistrationStatus
from programs.events.tasks import send_event_reminders
from tests.programs.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _switch_off(user: Any) -> None:
    champion_services.notification_preference_set(
        user=user, kind=NotificationKind.EVENT_REMINDER, enabled=False
    )


def test_no_reminder_for_someone_who_switched_them_off_until_switched_on_again() -> None:
    event = EventFactory(starts_at=timezone.now() + timedelta(hours=5))
    quiet = RegistrationFactory(event=event)
    loud = RegistrationFactory(event=event)
    _switch_off(quiet.champion.user)
    assert send_event_reminders() == 1
    assert [m.to for m in mail.outbox] == [[loud.champion.email]]
    champion_services.notification_preference_set(
        user=quiet.champion.user, kind=NotificationKind.EVENT_REMINDER, enabled=True
    )
    assert send_event_reminders() == 1  # it was skipped, not used up
    assert mail.outbox[-1].to == [quiet.champion.email]


def test_waitlist_promotion_email_respects_the_preference(
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = EventFactory(capacity=1)
    seated = RegistrationFactory(event=event)
    waiting = RegistrationFactory(event=event, status=RegistrationStatus.WAITLISTED)
    _switch_off(waiting.champion.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=seated)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    assert mail.outbox == []
