"""Bearer tokens: hashed, expiring, revocable, never in a query string (RELIABILITY.md 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from champions.models import ApiToken, ApiTokenScope, User
from tests.api.conftest import bearer, error_fields, make_token

pytestmark = pytest.mark.django_db


def test_a_valid_token_authenticates_and_is_stored_only_as_a_hash(users: dict[str, User]) -> None:
    raw = make_token(users["sales"])
    response = bearer(raw).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "sales@example.com"
    assert not ApiToken.objects.filter(token_hash=raw).exists()
    assert ApiToken.objects.get(user=users["sales"]).token_hash != raw


@pytest.mark.parametrize("param", ["token", "access_token", "api_key"])
def test_a_token_in_the_query_string_is_refused(users: dict[str, User], param: str) -> None:
    raw = make_token(users["sales"])
    response = APIClient().get(f"/api/v1/me/?{param}={raw}")
    assert response.status_code == 401
    assert "query string" in response.json()["error"]["message"]
    # Even together with a valid header: the URL has leaked the token, so it fails loudly.
    assert bearer(raw).get(f"/api/v1/me/?{param}={raw}").status_code == 401


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"expires_in": timedelta(seconds=-1)}, "expired"),
        ({"revoked": True}, "revoked"),
    ],
)
def test_expired_and_revoked_tokens_get_401(
    users: dict[str, User], kwargs: dict[str, object], words: str
) -> None:
    raw = make_token(users["sales"], **kwargs)  # type: ignore[arg-type]
    response = bearer(raw).get("/api/v1/me/")
    assert response.status_code == 401
    assert words in response.json()["error"]["message"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_deactivated_users_token_gets_401(users: dict[str, User]) -> None:
    raw = make_token(users["sales"])
    User.objects.filter(pk=users["sales"].pk).update(is_active=False)
    assert bearer(raw).get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer wrong-token", "Bearer \u00e9"])
def test_malformed_or_unknown_tokens_get_401(users: dict[str, User], header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert error_fields(response) == {}


def test_last_used_is_written_at_most_once_a_minute(
    users: dict[str, User], django_assert_num_queries: object
) -> None:
    raw = make_token(users["sales"])
    client = bearer(raw)
    client.get("/api/v1/me/")
    first = ApiToken.objects.get(user=users["sales"]).last_used_at
    assert first is not None
    client.get("/api/v1/me/")
    assert ApiToken.objects.get(user=users["sales"]).last_used_at == first
    ApiToken.objects.filter(user=users["sales"]).update(
        last_used_at=timezone.now() - timedelta(minutes=2)
    )
    client.get("/api/v1/me/")
    assert ApiToken.objects.get(user=users["sales"]).last_used_at > first


def test_an_ingest_token_works_only_on_ingestion_endpoints(users: dict[str, User]) -> None:
    raw = make_token(users["program_team"], scope=ApiTokenScope.INGEST)
    client = bearer(raw)
    assert client.get("/api/v1/me/").status_code == 403
    assert client.get("/api/v1/metrics/").status_code == 403
    assert client.get("/api/v1/tokens/").status_code == 403
    assert (
        client.post("/api/v1/activities/bulk/", {"items": [{}]}, format="json").status_code == 200
    )


def test_session_authentication_enforces_csrf(users: dict[str, User]) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["program_team"])
    assert client.get("/api/v1/me/").status_code == 200
    response = client.post("/api/v1/activities/bulk/", {"items": [{}]}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
