"""Two champions at two customer accounts: the fixture every access-control test uses."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from champions.models import ConsentScope, Industry
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
