"""`GET /healthz`: can this instance serve? Database, cache and (when there is one) broker.

Plain Django, outside the API: no authentication, no throttling, never cached. The answer
names each check and says only "ok" or "unavailable" — no hostnames, versions or errors.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def broker_configured() -> bool:
    """A broker exists only when tasks leave the process (not the embedded eager mode)."""
    return bool(settings.CELERY_BROKER_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


def check_broker() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options={"socket_timeout": BROKER_TIMEOUT_SECONDS},
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)


def _run(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception:
        logger.exception("healthz: %s unavailable", name)
        return "unavailable"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _run("database", check_database), "cache": _run("cache", check_cache)}
    checks["broker"] = _run("broker", check_broker) if broker_configured() else "not configured"
    healthy = all(result != "unavailable" for result in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
