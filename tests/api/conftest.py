"""Fixtures for the API tests: one caller per role, each with a real bearer token.

Roles: anonymous, champion (a customer's user), sales, another sales user (a second tenant of
the sales side: their own requests only), program team (staff), and an ingestion service token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from champions.models import ApiToken, ApiTokenScope, User
from champions.roles import Role
from champions.services import hash_token
from tests.factories import ChampionFactory, StaffFactory, UserFactory

ROLES = ["anonymous", "champion", "sales", "other_sales", "program_team", "service"]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_token(
    user: User,
    *,
    scope: str = ApiTokenScope.PERSONAL,
    expires_in: timedelta = timedelta(days=30),
    revoked: bool = False,
) -> str:
    raw = "chp_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=f"{scope} token",
        scope=scope,
        prefix=raw[:12],
        token_hash=hash_token(raw),
        expires_at=timezone.now() + expires_in,
        revoked_at=timezone.now() if revoked else None,
    )
    return raw


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def with_mfa(user: User) -> User:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


def in_group(user: User, role: str) -> User:
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


@pytest.fixture
def users(db: None) -> dict[str, User]:
    champion = ChampionFactory(email="champ@customer.example")
    return {
        "champion": champion.user,
        "sales": in_group(UserFactory(email="sales@example.com"), Role.SALES),
        "other_sales": in_group(UserFactory(email="sales2@example.com"), Role.SALES),
        "program_team": StaffFactory(email="pm@example.com"),
        "service": in_group(UserFactory(email="pipeline@example.com"), Role.PROGRAM_MANAGER),
    }


@pytest.fixture
def clients(users: dict[str, User]) -> dict[str, APIClient]:
    made = {"anonymous": APIClient()}
    for role, user in users.items():
        scope = ApiTokenScope.INGEST if role == "service" else ApiTokenScope.PERSONAL
        made[role] = bearer(make_token(user, scope=scope))
    return made


@pytest.fixture
def client_for(clients: dict[str, APIClient]) -> Callable[[str], APIClient]:
    return clients.__getitem__


@pytest.fixture
def pm_client(clients: dict[str, APIClient]) -> APIClient:
    return clients["program_team"]


def error_fields(response: Any) -> dict[str, list[str]]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]["fields"]
