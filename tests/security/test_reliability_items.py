"""RELIABILITY.md items that no feature's own tests covered, each named after its item.

The other items are mapped to their tests in docs/security.md (checked by
tests/security/test_security_doc.py).
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from champions import privacy
from config.celery import VISIBILITY_TIMEOUT_SECONDS, app
from programs.references import services as reference_services
from tests.api.conftest import bearer, make_token
from tests.factories import ChampionFactory
from tests.programs.references.factories import grant, make_story

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-pass-123"  # tests.factories.UserFactory

# What a committed secret looks like: private keys, HubSpot private-app tokens, a literal
# Django key, AWS keys, a password or secret assigned a long literal in Python.
SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bpat-(na|eu)1-[0-9a-f]{8}-[0-9a-f]{4}-"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
]
# Outside tests/ (whose fakes such as "app-secret" configure the local sandbox): a literal
# assigned to a secret setting. A shell substitution ("$(...)") is generated, not committed.
ASSIGNED_PATTERNS = [
    re.compile(r"""\bSECRET_KEY\s*=\s*["'](?!django-insecure|test-only|\$)[^"']{20,}["']"""),
    re.compile(r"""\b(HUBSPOT_ACCESS_TOKEN|HUBSPOT_APP_SECRET)\s*=\s*["'][^"'$]{8,}["']"""),
]


def verified(champion: Any) -> Any:
    EmailAddress.objects.create(
        user=champion.user, email=champion.email, verified=True, primary=True
    )
    return champion


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_item_3_no_secret_in_the_repository() -> None:
    listing = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 (git, on our own checkout)
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    tracked = listing.stdout.decode().split("\0")
    found = []
    for name in filter(None, tracked):
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(errors="ignore")
        patterns = SECRET_PATTERNS + ([] if name.startswith("tests/") else ASSIGNED_PATTERNS)
        found += [f"{name}: {p.pattern}" for p in patterns if p.search(text)]
    assert found == []
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()


def test_item_3_every_secret_comes_from_the_environment() -> None:
    settings_source = (ROOT / "config" / "settings.py").read_text()
    for name in ("SECRET_KEY", "HUBSPOT_ACCESS_TOKEN", "HUBSPOT_APP_SECRET", "EMAIL_URL"):
        assert re.search(rf'env\.\w+\("{name}"', settings_source), name


def test_item_4_a_forged_forwarded_for_header_does_not_reset_the_login_limit(
    client: Client,
) -> None:
    statuses = [
        sign_in(
            client,
            f"nobody{attempt}@example.com",
            "wrong-password",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",  # a new "address" every time
        ).status_code
        for attempt in range(11)
    ]
    assert statuses == [200] * 10 + [429]


def request_code(client: Client, email: str) -> str:
    mail.outbox.clear()
    client.post(reverse("account_request_login_code"), {"email": email})
    return re.findall(r"^\s*([A-Z0-9-]{6,9})\s*$", mail.outbox[-1].body, re.M)[0]


def confirm_code(client: Client, code: str) -> Any:
    return client.post(reverse("account_confirm_login_code"), {"code": code})


def test_item_6_a_login_code_works_once() -> None:
    champion = verified(ChampionFactory())
    device = Client()
    code = request_code(device, champion.email)

    assert confirm_code(device, code).status_code == 302
    assert device.get(reverse("portal:home")).status_code == 200
    device.post(reverse("account_logout"))
    confirm_code(device, code)  # the same code, a second time
    assert device.get(reverse("portal:home")).status_code == 302


def test_item_6_a_login_code_allows_three_tries_and_lasts_minutes(settings: Any) -> None:
    assert settings.ACCOUNT_LOGIN_BY_CODE_ENABLED
    assert getattr(settings, "ACCOUNT_LOGIN_BY_CODE_TIMEOUT", 180) <= 300
    champion = verified(ChampionFactory())
    device = Client()
    code = request_code(device, champion.email)

    tries = [confirm_code(device, "WRONG1") for _ in range(3)]

    assert [t.status_code for t in tries] == [200, 200, 302]  # the third ends the attempt
    assert tries[-1]["Location"] == reverse("account_request_login_code")
    confirm_code(device, code)
    assert device.get(reverse("portal:home")).status_code == 302  # still signed out


def test_item_7_the_session_key_changes_at_login() -> None:
    champion = verified(ChampionFactory())
    client = Client()
    session = client.session  # an anonymous session, as a visitor has before signing in
    session["visited"] = True
    session.save()
    before = session.session_key

    sign_in(client, champion.email)

    assert client.session.session_key not in (None, before)


def test_item_7_a_password_change_ends_the_other_sessions() -> None:
    champion = verified(ChampionFactory())
    laptop, phone = Client(), Client()
    sign_in(laptop, champion.email)
    sign_in(phone, champion.email)

    changed = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Brand-new-pass-42",
            "password2": "Brand-new-pass-42",
        },
    )

    assert changed.status_code == 302
    assert laptop.get(reverse("portal:home")).status_code == 200
    assert phone.get(reverse("portal:home")).status_code == 302


def test_item_7_deactivating_a_user_ends_their_sessions_and_tokens() -> None:
    champion = verified(ChampionFactory())
    browser = Client()
    sign_in(browser, champion.email)
    api = bearer(make_token(champion.user))
    assert api.get("/api/v1/me/").status_code == 200

    champion.user.is_active = False
    champion.user.save()

    assert browser.get(reverse("portal:home")).status_code == 302
    assert api.get("/api/v1/me/").status_code == 401


def test_item_11_no_serializer_or_form_takes_all_fields() -> None:
    # The admin is left out: its forms render only the fields its fieldsets name.
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("champions", "programs", "integrations", "config")
        for path in (ROOT / folder).rglob("*.py")
        if "admin" not in path.relative_to(ROOT).parts and path.name != "admin.py"
        if re.search(r"""fields\s*=\s*["']__all__["']""", path.read_text())
    ]
    assert offenders == []


def test_item_22_a_task_times_out_before_the_broker_hands_it_out_again() -> None:
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.task_time_limit < VISIBILITY_TIMEOUT_SECONDS
    assert app.conf.broker_transport_options["visibility_timeout"] == VISIBILITY_TIMEOUT_SECONDS


def test_item_25_the_download_holds_the_persons_quotes() -> None:
    champion = ChampionFactory()
    grant(champion)
    story = make_story([champion])
    reference_services.story_set_quotes(
        story=story,
        quotes=[reference_services.QuoteInput(champion, "We close the month in two days.")],
        actor=None,
    )

    exported = privacy.champion_export(champion=champion)

    references = exported["sections"]["references"]
    assert references["quotes"] == [
        {"story": story.title, "text": "We close the month in two days."}
    ]
    assert [feature["story"] for feature in references["stories"]] == [story.title]


def test_item_26_an_erased_persons_login_and_tokens_stop_at_once() -> None:
    champion = verified(ChampionFactory())
    browser = Client()
    sign_in(browser, champion.email)
    api = bearer(make_token(champion.user, expires_in=timedelta(days=5)))

    privacy.champion_erase(champion=champion, actor=champion.user)

    assert browser.get(reverse("portal:home")).status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    assert sign_in(Client(), champion.email).status_code == 200  # the form again: no account
