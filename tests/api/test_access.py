"""Every endpoint × every role, with the status each must get (RELIABILITY.md items 9–10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from champions.models import ApiToken, User
from tests.api.conftest import ROLES
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _bulk_body(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "items": [
            {
                "external_id": "evt-1",
                "champion_id": ctx["champion_id"],
                "kind": "asked_question",
                "occurred_at": "2026-01-05T10:00:00Z",
            }
        ]
    }


def _adoption_body(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"figures": [{"date": "2026-01-05", "metric": "seats_used", "value": "12"}]}


# (method, path template, body builder, {role: expected status})
CASES: list[tuple[str, str, Callable[[dict[str, Any]], Any] | None, dict[str, int]]] = [
    (
        "get",
        "/api/v1/me/",
        None,
        {
            "anonymous": 401,
            "champion": 200,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "get",
        "/api/v1/tokens/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        # Tokens are created from a browser session only; with a token it is always refused.
        "post",
        "/api/v1/tokens/",
        lambda ctx: {"name": "script"},
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 403,
            "other_sales": 403,
            "program_team": 403,
            "service": 403,
        },
    ),
    (
        # The sales user's own token: only they may revoke it; others do not see it exists.
        "delete",
        "/api/v1/tokens/{sales_token_id}/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 204,
            "other_sales": 404,
            "program_team": 404,
            "service": 403,
        },
    ),
    (
        "post",
        "/api/v1/activities/bulk/",
        _bulk_body,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 403,
            "other_sales": 403,
            "program_team": 200,
            "service": 200,
        },
    ),
    (
        "get",
        "/api/v1/accounts/{account_id}/adoption/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "post",
        "/api/v1/accounts/{account_id}/adoption/",
        _adoption_body,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 403,
            "other_sales": 403,
            "program_team": 200,
            "service": 200,
        },
    ),
    (
        "get",
        "/api/v1/metrics/",
        None,
        {
            "anonymous": 401,
            "champion": 403,
            "sales": 403,
            "other_sales": 403,
            "program_team": 200,
            "service": 403,
        },
    ),
    (
        "get",
        "/api/v1/schema/",
        None,
        {
            "anonymous": 401,
            "champion": 200,
            "sales": 200,
            "other_sales": 200,
            "program_team": 200,
            "service": 403,
        },
    ),
]


def _context(users: dict[str, User]) -> dict[str, Any]:
    sales_token = ApiToken.objects.filter(user=users["sales"]).get()
    return {
        "sales_token_id": sales_token.pk,
        "account_id": AccountFactory().pk,
        "champion_id": users["champion"].champion_records.get().pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), CASES, ids=lambda c: c if isinstance(c, str) else ""
)
def test_endpoint_answers_each_role_as_allowed(
    role: str,
    method: str,
    path: str,
    body: Callable[[dict[str, Any]], Any] | None,
    expected: dict[str, int],
    clients: dict[str, APIClient],
    users: dict[str, User],
) -> None:
    ctx = _context(users)
    client = clients[role]
    kwargs = {"format": "json", "data": body(ctx)} if body else {}
    response = getattr(client, method)(path.format(**ctx), **kwargs)
    assert response.status_code == expected[role], (role, path, response.content[:300])
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("path", "viewer"), [("/api/v1/docs/", b"swagger-ui"), ("/api/v1/redoc/", b"<redoc")]
)
def test_docs_need_a_login_outside_debug(
    client: Any, users: dict[str, User], path: str, viewer: bytes
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(users["sales"])
    page = client.get(path)
    assert page.status_code == 200
    assert viewer in page.content.lower()
    # Packaged sidecar assets, no CDN, no web fonts, no inline script.
    assert b"cdn" not in page.content.lower() and b"googleapis" not in page.content
    assert b"<script>" not in page.content
