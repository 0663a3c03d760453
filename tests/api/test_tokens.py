"""Personal API tokens: created from a session with two-factor sign-in, shown once, revocable."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from champions.models import ApiToken, ApiTokenScope, User
from tests.api.conftest import bearer, error_fields, with_mfa

pytestmark = pytest.mark.django_db


def session(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["sales", "program_team"])
def test_staff_and_sales_need_mfa_to_create_a_token(users: dict[str, User], role: str) -> None:
    user = users[role]
    refused = session(user).post("/api/v1/tokens/", {"name": "crm script"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mfa_required"
    assert not ApiToken.objects.filter(user=user, name="crm script").exists()

    with_mfa(user)
    created = session(user).post("/api/v1/tokens/", {"name": "crm script"}, format="json")
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("chp_") and created.json()["prefix"] == raw[:12]
    assert bearer(raw).get("/api/v1/me/").status_code == 200
    listed = session(user).get("/api/v1/tokens/").json()["results"]
    assert all("token" not in row for row in listed)  # shown once, never again


def test_a_champion_cannot_create_a_token(users: dict[str, User]) -> None:
    with_mfa(users["champion"])
    response = session(users["champion"]).post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert response.status_code == 403


def test_only_the_program_team_issues_ingest_tokens(users: dict[str, User]) -> None:
    with_mfa(users["sales"])
    with_mfa(users["program_team"])
    body = {"name": "pipeline", "scope": "ingest"}
    refused = session(users["sales"]).post("/api/v1/tokens/", body, format="json")
    assert refused.status_code == 403
    assert "scope" in error_fields(refused)
    created = session(users["program_team"]).post("/api/v1/tokens/", body, format="json")
    assert created.status_code == 201
    assert created.json()["scope"] == ApiTokenScope.INGEST


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 100000}, "expires_in_days"),
        ({"name": "x", "expires_in_days": "soon"}, "expires_in_days"),
    ],
)
def test_bad_token_input_names_the_field(users: dict[str, User], body: dict, field: str) -> None:
    with_mfa(users["sales"])
    response = session(users["sales"]).post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 400
    assert field in error_fields(response)


def test_mass_assignment_on_token_creation_is_ignored(users: dict[str, User]) -> None:
    with_mfa(users["sales"])
    other = users["other_sales"]
    body = {
        "name": "x",
        "user": other.pk,
        "owner": other.pk,
        "token_hash": "0" * 64,
        "revoked_at": None,
        "is_staff": True,
        "prefix": "mine",
    }
    response = session(users["sales"]).post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.user == users["sales"]
    assert token.token_hash != "0" * 64
    assert token.prefix != "mine"
    users["sales"].refresh_from_db()
    assert not users["sales"].is_staff
    assert not ApiToken.objects.filter(user=other, name="x").exists()


def test_revoking_a_token_ends_it_and_only_the_owner_can(
    users: dict[str, User], clients: dict[str, APIClient]
) -> None:
    token = ApiToken.objects.get(user=users["sales"])
    assert clients["other_sales"].delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert clients["sales"].delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert clients["sales"].get("/api/v1/me/").status_code == 401
