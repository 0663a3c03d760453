"""Bad input gets a 4xx in one JSON shape naming the field, never a 500 (RELIABILITY.md 16)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from champions.models import Activity, AdoptionFigure
from tests.api.conftest import error_fields
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
BULK = "/api/v1/activities/bulk/"


def raw_post(
    client: APIClient, url: str, body: bytes, content_type: str = "application/json"
) -> Any:
    return client.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize(
    "body",
    [b"{", b"{'items': []}", b"\xff\xfe", b"NaN", b'{"items": [Infinity]}', b""],
)
def test_malformed_json_is_a_400_about_the_body(clients: dict[str, APIClient], body: bytes) -> None:
    response = raw_post(clients["service"], BULK, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("parse_error", "invalid")
    assert not Activity.objects.exists()


def test_another_content_type_is_a_415(clients: dict[str, APIClient]) -> None:
    response = raw_post(clients["service"], BULK, b"items=1", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "body" in error_fields(response)


@override_settings(API_MAX_BODY_BYTES=10_000)
def test_a_huge_body_is_a_413(clients: dict[str, APIClient]) -> None:
    body = b'{"items": [' + b",".join([b'{"external_id": "x"}'] * 2000) + b"]}"
    response = raw_post(clients["service"], BULK, body)
    assert response.status_code == 413
    assert "body" in error_fields(response)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            b'{"figures": [{"date": "2026-01-01", "metric": "a\\u0000b", "value": "1"}]}',
            "figures.0.metric",
        ),
        (
            b'{"figures": [{"date": "2026-01-01", "metric": "\\ud800", "value": "1"}]}',
            "figures.0.metric",
        ),
        (
            b'{"figures": [{"date": "2026-01-01", "metric": "caf\xc3\xa9", "value": "1"}]}',
            "figures.0.metric",
        ),
        (b'{"figures": [{"date": 20260101, "metric": "x", "value": "1"}]}', "figures.0.date"),
        (
            b'{"figures": [{"date": "2026-01-01", "metric": ["x"], "value": "1"}]}',
            "figures.0.metric",
        ),
        (b'{"figures": [{"date": "2026-01-01", "metric": "x", "value": true}]}', "figures.0.value"),
        (b'{"figures": {"date": "2026-01-01"}}', "figures"),
    ],
)
def test_wrong_types_and_unicode_edge_cases_name_the_field(
    clients: dict[str, APIClient], body: bytes, field: str
) -> None:
    account = AccountFactory()
    response = raw_post(clients["service"], f"/api/v1/accounts/{account.pk}/adoption/", body)
    assert response.status_code == 400, response.content
    assert field in error_fields(response)
    assert not AdoptionFigure.objects.exists()


def test_unknown_query_parameters_are_refused_by_name(clients: dict[str, APIClient]) -> None:
    account = AccountFactory()
    response = clients["sales"].get(f"/api/v1/accounts/{account.pk}/adoption/?metrik=seats")
    assert response.status_code == 400
    assert "metrik" in error_fields(response)
    response = clients["program_team"].get("/api/v1/metrics/?window=90")
    assert response.status_code == 400
    assert "window" in error_fields(response)


@pytest.mark.parametrize(
    "query",
    [
        "date_from=yesterday",
        "date_from=2026-13-45",
        "metric=" + "x" * 100,
        "metric=%00",
        "page=abc",
        "page=99",
    ],
)
def test_bad_filter_values_are_4xx(clients: dict[str, APIClient], query: str) -> None:
    account = AccountFactory()
    response = clients["sales"].get(f"/api/v1/accounts/{account.pk}/adoption/?{query}")
    assert response.status_code in (400, 404), response.content
    assert set(response.json()) == {"error"}


def test_wrong_method_is_a_405_in_the_same_shape(clients: dict[str, APIClient]) -> None:
    response = clients["program_team"].put("/api/v1/metrics/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_throttled_requests_get_429_with_retry_after(clients: dict[str, APIClient]) -> None:
    rates = {"anon": "60/min", "user": "1000/min", "metrics": "2/min"}
    from django.conf import settings

    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        client = clients["program_team"]
        assert client.get("/api/v1/metrics/").status_code == 200
        assert client.get("/api/v1/metrics/").status_code == 200
        response = client.get("/api/v1/metrics/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1
        assert response.json()["error"]["code"] == "throttled"
        # Per user: another user's allowance is their own.
        assert clients["service"].post(BULK, {"items": [{}]}, format="json").status_code == 200
