"""Two champions at two customer accounts: the fixture every access-control test uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from champions import services
from champions.models import ConsentScope, DigestFrequency, Industry
from tests.factories import AccountFactory, ChampionFactory, ConsentTextFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # allauth keeps its rate-limit counters in the cache; each test starts with none.
    cache.clear()


@pytest.fixture
def champion_a(db: None) -> Any:
    return ChampionFactory(
        account=AccountFactory(name="Acme GmbH", domain="acme.example"),
        email="ada@acme.example",
        full_name="Ada Lovelace",
        title="Finance systems lead",
    )


@pytest.fixture
def champion_b(db: None) -> Any:
    return ChampionFactory(
        account=AccountFactory(name="Globex AG", domain="globex.example", industry=Industry.RETAIL),
        email="bob@globex.example",
        full_name="Bob Builder",
        title="Operations manager",
    )


@pytest.fixture
def client_a(client: Client, champion_a: Any) -> Client:
    client.force_login(champion_a.user)
    return client


@pytest.fixture
def client_b(champion_b: Any) -> Client:
    other = Client()
    other.force_login(champion_b.user)
    return other


@pytest.fixture
def consent_texts(db: None) -> dict[str, Any]:
    return {scope: ConsentTextFactory(scope=scope) for scope in ConsentScope.values}


@pytest.fixture(
    params=[(False, DigestFrequency.OFF), (True, DigestFrequency.DAILY)],
    ids=["switched-off", "held-for-the-digest"],
)
def not_emailed_at_once(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """Sets one kind of email so it does not go out at once: switched off, or collected for
    the digest (each test using it runs once for each)."""
    enabled, frequency = request.param

    def choose(user: Any, kind: str) -> None:
        services.notification_preference_set(
            user=user, kind=kind, enabled=enabled, digest_frequency=frequency
        )

    return choose
