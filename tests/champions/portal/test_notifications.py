"""Notification preferences: the page, and the reading other apps rely on."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions import services
from champions.errors import DomainError
from champions.models import NotificationKind, NotificationPreference
from champions.selectors import notification_allowed

pytestmark = pytest.mark.django_db


def test_defaults_allow_everything(champion_a: Any) -> None:
    for kind in NotificationKind.values:
        assert notification_allowed(champion_a.user, kind)


def test_page_saves_choices(client_a: Client, champion_a: Any) -> None:
    page = client_a.get(reverse("portal:notifications")).content.decode()
    assert "Event reminders" in page and "always sent" in page.lower()
    assert "New questions that match my expertise" in page and "kudos for me" in page
    response = client_a.post(
        reverse("portal:notifications"),
        {
            "enabled_event_reminder": "",
            "enabled_request_offered": "on",
            "frequency_request_offered": "off",
            "enabled_question_answered": "on",
            "frequency_question_answered": "daily",
            "enabled_question_match": "on",
            "frequency_question_match": "weekly",
            "enabled_kudos": "",
            "frequency_kudos": "off",
            "frequency_digest": "off",
        },
    )
    assert response.status_code == 302
    user = champion_a.user
    assert not notification_allowed(user, NotificationKind.EVENT_REMINDER)
    assert notification_allowed(user, NotificationKind.REQUEST_OFFERED)
    # Held for the daily digest, so not emailed at once.
    assert not notification_allowed(user, NotificationKind.QUESTION_ANSWERED)
    assert (
        NotificationPreference.objects.get(
            user=user, kind=NotificationKind.QUESTION_ANSWERED
        ).digest_frequency
        == "daily"
    )
    assert not notification_allowed(user, NotificationKind.QUESTION_MATCH)  # weekly digest
    assert not notification_allowed(user, NotificationKind.KUDOS)  # switched off
    assert not notification_allowed(user, NotificationKind.DIGEST)
    # Sign-in codes and invitations cannot be switched off.
    assert notification_allowed(user, NotificationKind.LOGIN_CODE)


def test_always_sent_kinds_cannot_be_stored_off(champion_a: Any) -> None:
    with pytest.raises(DomainError):
        services.notification_preference_set(
            user=champion_a.user, kind=NotificationKind.LOGIN_CODE, enabled=False
        )


def test_inactive_users_get_nothing_optional(champion_a: Any) -> None:
    champion_a.user.is_active = False
    assert not notification_allowed(champion_a.user, NotificationKind.EVENT_REMINDER)
    assert notification_allowed(champion_a.user, NotificationKind.LOGIN_CODE)


def test_unknown_kind_is_a_programming_error(champion_a: Any) -> None:
    with pytest.raises(ValueError, match="not a notification kind"):
        notification_allowed(champion_a.user, "carrier_pigeon")
