"""Joining by invitation, the one way in: valid links sign in, unusable ones explain why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from champions import services
from champions.models import (
    Activity,
    ActivityKind,
    Champion,
    ChampionState,
    Invitation,
    User,
)
from tests.factories import AccountFactory, StaffFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "lighthouse-keeper-42"


@pytest.fixture
def issued(champion_a: Any) -> services.IssuedInvitation:
    account = AccountFactory(name="Initech")
    return services.champion_invite(
        account=account,
        email="new.person@initech.example",
        full_name="Nia Newcomer",
        invited_by_champion=champion_a,
        message="Come and meet the finance guild!",
    )


def join_url(token: str) -> str:
    return reverse("portal:join", args=[token])


def test_join_page_shows_who_invited_whom(client: Client, issued: Any) -> None:
    response = client.get(join_url(issued.token))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nia Newcomer" in page
    assert "Ada Lovelace" in page  # the inviting champion
    assert "Initech" in page
    assert "Come and meet the finance guild!" in page
    assert "no-store" in response["Cache-Control"]


def test_valid_invitation_signs_in_verifies_and_starts_onboarding(
    client: Client, issued: Any
) -> None:
    response = client.post(
        join_url(issued.token),
        {"full_name": "Nia N. Newcomer", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:welcome")
    champion = Champion.objects.get(email="new.person@initech.example")
    assert champion.state == ChampionState.ONBOARDING
    assert champion.full_name == "Nia N. Newcomer"
    user = champion.user
    assert user is not None and user.check_password(GOOD_PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary
    assert address.email == "new.person@initech.example"
    # Signed in: the welcome page opens, and the login was recorded.
    assert client.get(reverse("portal:welcome")).status_code == 200
    assert Activity.objects.filter(champion=champion, kind=ActivityKind.LOGIN).count() == 1
    assert Activity.objects.filter(
        champion=champion, kind=ActivityKind.ACCEPTED_INVITATION
    ).exists()


def test_weak_or_mismatched_password_is_refused_and_nothing_changes(
    client: Client, issued: Any
) -> None:
    response = client.post(
        join_url(issued.token), {"full_name": "Nia", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    response = client.post(
        join_url(issued.token),
        {"full_name": "Nia", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"},
    )
    assert "The two passwords differ" in response.content.decode()
    assert not User.objects.filter(email="new.person@initech.example").exists()
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_at is None


def _assert_unusable(client: Client, token: str, status: int, text: str) -> None:
    users_before = User.objects.count()
    response = client.get(join_url(token))
    assert response.status_code == status
    assert text in response.content.decode()
    response = client.post(
        join_url(token),
        {"full_name": "X", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == status
    assert User.objects.count() == users_before
    assert "_auth_user_id" not in client.session


def test_expired_link_explains_and_changes_nothing(client: Client, issued: Any) -> None:
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    _assert_unusable(client, issued.token, 410, "expired on")
    assert Champion.objects.get(pk=issued.invitation.champion_id).state == ChampionState.INVITED


def test_used_link_explains_and_offers_sign_in(client: Client, issued: Any) -> None:
    services.invitation_accept(token=issued.token, password=GOOD_PASSWORD)
    _assert_unusable(client, issued.token, 410, "already used")


def test_replaced_link_explains(client: Client, issued: Any) -> None:
    services.invitation_send(champion=issued.invitation.champion, invited_by_user=StaffFactory())
    _assert_unusable(client, issued.token, 410, "replaced by a newer one")


def test_invalid_link_is_not_found(client: Client, db: None) -> None:
    _assert_unusable(client, "not-a-real-token", 404, "not valid")


def test_signup_without_invitation_is_refused(client: Client, db: None) -> None:
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "Sign Up Closed" in response.content.decode()
    client.post(
        reverse("account_signup"),
        {"email": "intruder@example.com", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert not User.objects.filter(email="intruder@example.com").exists()


def test_join_and_erased_pages_query_budgets(
    client: Client, issued: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        assert client.get(join_url(issued.token)).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(join_url("no-such-token")).status_code == 404
    with django_assert_max_num_queries(2):
        assert client.get(reverse("portal:erased")).status_code == 200
