"""Signing in through allauth: verification, rate limits, enumeration, admin MFA."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from champions.models import Activity, ActivityKind
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"  # tests.factories.UserFactory


def without_csrf(page: str) -> str:
    """Pages differ only in their (per-response masked) CSRF tokens."""
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def verify(user: Any) -> None:
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def login(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_verified_champion_logs_in_to_the_portal_and_it_is_recorded(
    client: Client, champion_a: Any
) -> None:
    verify(champion_a.user)
    response = login(client, champion_a.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    logins = Activity.objects.filter(champion=champion_a, kind=ActivityKind.LOGIN)
    assert logins.count() == 1
    assert logins.get().source == "portal"


def test_unverified_email_cannot_log_in(client: Client, champion_a: Any) -> None:
    EmailAddress.objects.create(
        user=champion_a.user, email=champion_a.email, verified=False, primary=True
    )
    response = login(client, champion_a.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:home")).status_code == 302  # to the login page
    assert not Activity.objects.filter(kind=ActivityKind.LOGIN).exists()


def test_eleventh_failed_login_in_a_minute_gets_429(client: Client, db: None) -> None:
    # Ten failures from one address (different emails, so the per-email limit stays out of it).
    for attempt in range(10):
        response = login(client, f"nobody{attempt}@example.com", "wrong-password")
        assert response.status_code == 200, attempt
    response = login(client, "nobody10@example.com", "wrong-password")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_repeated_failures_on_one_email_get_429(client: Client, champion_a: Any) -> None:
    verify(champion_a.user)
    statuses = [login(client, champion_a.email, "wrong").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]


def test_password_reset_answers_the_same_for_known_and_unknown_emails(
    client: Client, champion_a: Any
) -> None:
    verify(champion_a.user)
    url = reverse("account_reset_password")
    known = client.post(url, {"email": champion_a.email})
    unknown = client.post(url, {"email": "stranger@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done_known = without_csrf(client.get(known["Location"]).content.decode())
    done_unknown = without_csrf(client.get(unknown["Location"]).content.decode())
    assert done_known == done_unknown
    # Only the real account gets an email; strangers get none.
    assert [message.to for message in mail.outbox] == [[champion_a.email]]


def test_login_by_code_is_offered_and_answers_the_same_for_unknown_emails(
    client: Client, champion_a: Any
) -> None:
    verify(champion_a.user)
    assert "sign-in code" in client.get(reverse("account_login")).content.decode()
    url = reverse("account_request_login_code")
    known = client.post(url, {"email": champion_a.email})
    other = Client()
    unknown = other.post(url, {"email": "stranger@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [message.to for message in mail.outbox] == [[champion_a.email]]


def test_staff_only_user_has_no_portal_and_lands_in_the_admin(client: Client, db: None) -> None:
    staff = StaffFactory(email="team@vendor.example")
    verify(staff)
    response = login(client, staff.email)
    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("portal:home")).status_code == 404
    assert not Activity.objects.filter(kind=ActivityKind.LOGIN).exists()


def test_alumni_and_sales_users_get_404_in_the_portal(client: Client, champion_a: Any) -> None:
    sales = UserFactory(email="seller@vendor.example")
    client.force_login(sales)
    assert client.get(reverse("portal:home")).status_code == 404
    champion_a.state = "alumni"
    champion_a.save()
    client.force_login(champion_a.user)
    assert client.get(reverse("portal:home")).status_code == 404


def test_admin_login_goes_through_allauth(client: Client, db: None) -> None:
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_without_mfa_cannot_reach_the_admin_when_required(
    client: Client, settings: Any, db: None
) -> None:
    settings.ADMIN_REQUIRE_MFA = True
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The page it sends them to works (after confirming the password: a sensitive change).
    setup = client.get(response["Location"], follow=True)
    assert setup.status_code == 200
    assert setup.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_reach_the_admin_without_mfa_when_not_required(
    client: Client, settings: Any, db: None
) -> None:
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(StaffFactory(is_superuser=True))
    assert client.get(reverse("admin:index")).status_code == 200


def test_champions_are_not_sent_to_mfa_setup_for_the_portal(
    client_a: Client, settings: Any
) -> None:
    settings.ADMIN_REQUIRE_MFA = True
    assert client_a.get(reverse("portal:home")).status_code == 200
    assert client_a.get(reverse("mfa_index")).status_code == 200
    assert client_a.get(reverse("usersessions_list")).status_code == 200


def test_sessions_page_signs_out_other_sessions(client: Client, champion_a: Any) -> None:
    verify(champion_a.user)
    other_device = Client()
    login(other_device, champion_a.email)
    login(client, champion_a.email)
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    html = page.content.decode()
    # On a phone the button comes before the list, and this device heads the list.
    assert html.index("Sign out everywhere else") < html.index('class="session-list"')
    items = html.split('class="card session"')[1:]
    assert "This device" in items[0] and "This device" not in items[1]
    assert "Signed in on 2 devices" in html
    client.post(reverse("usersessions_list"), {})
    assert other_device.get(reverse("portal:home")).status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200
