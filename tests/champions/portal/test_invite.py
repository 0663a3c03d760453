"""Inviting peers from the portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from champions import selectors, services
from champions.models import Activity, ActivityKind, Champion, Invitation
from tests.factories import AccountFactory, ChampionFactory

pytestmark = pytest.mark.django_db


def invite(client: Client, email: str, name: str = "Pat Peer", message: str = "") -> Any:
    return client.post(
        reverse("portal:invite"), {"full_name": name, "email": email, "message": message}
    )


def test_peer_invitation_sends_an_email_and_records_invited_peer(
    client_a: Client, champion_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_a, "pat@acme.example", message="You'd love the close guild.")
    assert response.status_code == 302
    invitee = Champion.objects.get(email="pat@acme.example")
    assert invitee.account == champion_a.account
    invitation = Invitation.objects.get(champion=invitee)
    assert invitation.invited_by_champion == champion_a
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@acme.example"]
    assert "/portal/join/" in mail.outbox[0].body
    assert "You'd love the close guild." in mail.outbox[0].body
    assert Activity.objects.filter(champion=champion_a, kind=ActivityKind.INVITED_PEER).exists()
    page = client_a.get(reverse("portal:invite")).content.decode()
    assert "Pat Peer" in page and "0 of 1 joined" in page


def test_invitee_at_another_customers_domain_is_filed_there(champion_a: Any) -> None:
    globex = AccountFactory(name="Globex", domain="globex.example")
    at = selectors.account_for_peer_invitation
    assert at(inviter=champion_a, email="x@globex.example") == globex
    assert at(inviter=champion_a, email="x@eu.globex.example") == globex
    assert at(inviter=champion_a, email="x@gmail.com") == champion_a.account
    assert at(inviter=champion_a, email="x@acme.example") == champion_a.account


def test_who_joined_through_me(client_a: Client, champion_a: Any) -> None:
    issued = services.champion_invite(
        account=champion_a.account,
        email="joiner@acme.example",
        full_name="Jo Joiner",
        invited_by_champion=champion_a,
    )
    services.invitation_accept(token=issued.token, password="lighthouse-keeper-42")
    page = client_a.get(reverse("portal:invite")).content.decode()
    assert "Jo Joiner" in page and "Joined" in page and "1 of 1 joined" in page
    assert "joiner@acme.example" not in page


def test_existing_champion_is_not_revealed(client_a: Client, champion_b: Any) -> None:
    response = invite(client_a, champion_b.email)
    page = response.content.decode()
    assert response.status_code == 200
    assert "already in the program or has been invited" in page
    assert champion_b.full_name not in page and "Globex" not in page


def test_bad_input_changes_nothing(client_a: Client) -> None:
    response = invite(client_a, "not-an-email", name="")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_daily_cap(client_a: Client, settings: Any) -> None:
    settings.PORTAL_PEER_INVITATIONS_PER_DAY = 2
    invite(client_a, "one@acme.example")
    invite(client_a, "two@acme.example")
    response = invite(client_a, "three@acme.example")
    assert "try again tomorrow" in response.content.decode()
    assert Invitation.objects.count() == 2


def test_dormant_champion_cannot_invite(client: Client) -> None:
    dormant = ChampionFactory(state="dormant")
    client.force_login(dormant.user)
    response = invite(client, "x@acme.example")
    assert "cannot invite peers" in response.content.decode()
    assert not Invitation.objects.exists()
