"""GET /healthz: database, cache and (when configured) broker; 200 or 503, JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from config.api import health

pytestmark = pytest.mark.django_db


def test_healthy_without_a_broker(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "not configured"},
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False)
def test_an_unreachable_broker_is_a_503(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"
    assert response.json()["status"] == "unavailable"


def test_a_failing_database_or_cache_is_a_503(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("down")

    monkeypatch.setattr(health, "check_cache", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "unavailable",
        "broker": "not configured",
    }
    assert b"down" not in response.content  # no internals leak


def test_only_get(client: Any) -> None:
    assert client.post("/healthz").status_code == 405
