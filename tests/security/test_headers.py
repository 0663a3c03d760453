"""RELIABILITY.md items 1 and 2: what every response tells the browser, and production
settings that refuse to start without a secret.

HSTS is only sent over HTTPS (Django's SecurityMiddleware), so the requests here are secure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.templatetags.static import static

from tests.api.conftest import bearer, make_token
from tests.factories import ChampionFactory, StaffFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def assert_security_headers(response: Any) -> None:
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy


def assert_no_store(response: Any) -> None:
    assert "no-store" in response["Cache-Control"]


def test_item_2_portal_pages_carry_the_headers_and_are_not_stored(client: Any) -> None:
    champion = ChampionFactory()
    client.force_login(champion.user)

    response = client.get("/portal/", secure=True)

    assert response.status_code == 200
    assert_security_headers(response)
    assert_no_store(response)


def test_item_2_admin_pages_carry_the_headers_and_are_not_stored(client: Any) -> None:
    client.force_login(StaffFactory(is_superuser=True))

    for path in ("/admin/", "/admin/champions/champion/"):
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        assert_security_headers(response)
        assert_no_store(response)


def test_item_2_api_answers_with_personal_data_are_not_stored(db: None) -> None:
    champion = ChampionFactory()
    api = bearer(make_token(champion.user))

    response = api.get("/api/v1/me/", secure=True)

    assert response.status_code == 200
    assert champion.email in response.content.decode()
    assert_security_headers(response)
    assert_no_store(response)


def test_item_2_sign_in_page_carries_the_headers(client: Any) -> None:
    response = client.get("/accounts/login/", secure=True)

    assert response.status_code == 200
    assert_security_headers(response)
    assert_no_store(response)


def test_item_2_static_files_keep_their_cache(client: Any) -> None:
    response = client.get(static("portal/portal.css"), secure=True)

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def run_manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    keep = {"PATH", "HOME", "LANG"}
    env = {name: value for name, value in os.environ.items() if name in keep}
    env.update(environment)
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_item_3_manage_py_without_a_secret_key_says_so(db: None) -> None:
    result = run_manage("migrate", "--check")

    assert result.returncode == 1
    assert result.stderr.strip() == "SECRET_KEY must be set (or DEBUG=true for local use)."
    assert "Traceback" not in result.stderr
