"""GET /api/v1/metrics/: the window and filters checked; numbers from the registered provider."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from rest_framework.test import APIClient

from config.api.metrics import MetricsQuery, register_metrics_provider, unregister_metrics_provider
from tests.api.conftest import error_fields
from tests.factories import GuildFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/"


def test_without_a_provider_the_metrics_object_is_empty(pm_client: APIClient) -> None:
    body = pm_client.get(URL, {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}).json()
    assert body["window"] == {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    assert body["filters"] == {"guild": None, "account": None, "industry": None}
    assert body["metrics"] == {} or isinstance(body["metrics"], dict)


@pytest.fixture
def provider() -> Iterator[list[MetricsQuery]]:
    seen: list[MetricsQuery] = []

    def compute(query: MetricsQuery) -> Mapping[str, Any]:
        seen.append(query)
        return {"activation_rate": None, "silent_guilds": []}

    register_metrics_provider(compute)
    yield seen
    unregister_metrics_provider(compute)


def test_a_registered_provider_fills_the_metrics(
    pm_client: APIClient, provider: list[MetricsQuery]
) -> None:
    guild = GuildFactory()
    body = pm_client.get(URL, {"guild": guild.pk, "industry": "fintech"}).json()
    assert body["metrics"]["activation_rate"] is None
    assert provider[0].guild_id == guild.pk and provider[0].industry == "fintech"
    assert (provider[0].end - provider[0].start).days == 30


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2026-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "last week"}, "from"),
        ({"guild": 999999}, "guild"),
        ({"guild": "abc"}, "guild"),
        ({"account": 999999}, "account"),
        ({"industry": "mining"}, "industry"),
        ({"metric": "x"}, "metric"),
    ],
)
def test_bad_windows_and_filters_name_the_field(
    pm_client: APIClient, query: dict, field: str
) -> None:
    response = pm_client.get(URL, query)
    assert response.status_code == 400
    assert field in error_fields(response)
