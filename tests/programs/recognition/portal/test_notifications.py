"""A thanked champion hears about it by email, as their notification preferences say."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions.models import NotificationKind
from tests.factories import GuildFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def peers(champion_a: Any, champion_b: Any) -> None:
    guild = GuildFactory(slug="finance-ops")
    MembershipFactory(guild=guild, champion=champion_a)
    MembershipFactory(guild=guild, champion=champion_b)


def _thank_bob(client: Client, champion_b: Any, capture: Any) -> None:
    with capture(execute=True):
        client.post(
            reverse("portal:recognition:index"),
            {"to_champion": champion_b.pk, "message": "Thanks for the <b>macro</b>!"},
        )


def test_kudos_are_emailed_with_a_plain_text_and_html_part(
    peers: None,
    client_a: Client,
    champion_b: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _thank_bob(client_a, champion_b, django_capture_on_commit_callbacks)
    [message] = mailoutbox
    assert message.to == [champion_b.email]
    assert message.subject == "Ada Lovelace thanked you"
    assert "Thanks for the <b>macro</b>!" in message.body
    assert "Thanks for the &lt;b&gt;macro&lt;/b&gt;!" in message.alternatives[0][0]
    assert "/portal/notifications/" in message.body


def test_no_email_when_switched_off_or_held_for_the_digest(
    peers: None,
    client_a: Client,
    champion_b: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    not_emailed_at_once: Any,
) -> None:
    not_emailed_at_once(champion_b.user, NotificationKind.KUDOS)
    _thank_bob(client_a, champion_b, django_capture_on_commit_callbacks)
    assert mailoutbox == []
