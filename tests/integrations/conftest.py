"""Fixtures of the CRM integration tests: a real HubSpot sandbox over loopback HTTP, the
settings that point the service at it, and a quick way to run a sync pass.

Nothing is mocked: the official hubspot-api-client talks HTTP to `SandboxServer`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integrations.crm.ports import SyncCounts
from integrations.crm.services import crm_provision, crm_sync
from integrations.crm.sync import SyncPolicy
from integrations.hubspot.sandbox import SandboxServer

TOKEN = "pat-na1-test-token"
# Fast retries so backoff and dead entries show within a test; production: SyncPolicy().
FAST = SyncPolicy(
    backoff_base=0.05,
    backoff_cap=0.2,
    max_attempts=4,
    lease_seconds=30,
    wait_retry_seconds=0.05,
    auth_retry_seconds=0.05,
)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(port=0, token=TOKEN, rate_limit=1000) as server:
        yield server


@pytest.fixture
def hubspot(settings: Any, sandbox: SandboxServer) -> SandboxServer:
    """The service configured for the sandbox (rate limit window in the database)."""
    settings.HUBSPOT_ACCESS_TOKEN = TOKEN
    settings.HUBSPOT_API_BASE = sandbox.url
    settings.HUBSPOT_RATE_LIMIT = 1000
    settings.HUBSPOT_TIMEOUT = (2.0, 3.0)
    settings.HUBSPOT_APP_SECRET = "app-secret"
    settings.HUBSPOT_KEEP_CONTACT_ON_ERASURE = False
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    return sandbox


@pytest.fixture
def worker_sandbox(settings: Any) -> Iterator[SandboxServer]:
    """The sandbox for tests with worker processes, and this process's settings pointing at
    it (its rate-limit window in the database; the workers keep theirs in Redis)."""
    with SandboxServer(port=0, token=TOKEN, rate_limit=1000) as server:
        settings.HUBSPOT_ACCESS_TOKEN = TOKEN
        settings.HUBSPOT_API_BASE = server.url
        settings.HUBSPOT_RATE_LIMIT = 1000
        settings.REDIS_URL = ""
        yield server


@pytest.fixture
def portal(hubspot: SandboxServer, db: None) -> SandboxServer:
    """A provisioned sandbox with an empty request log."""
    crm_provision()
    hubspot.calls().clear()
    hubspot._log.clear()
    return hubspot


def sync(policy: SyncPolicy = FAST, **options: Any) -> SyncCounts:
    """One pass, waiting for retries (bounded), as a worker would run it."""
    options.setdefault("seconds", 30)
    options.setdefault("wait_for_retries", True)
    return crm_sync(trigger="test", policy=policy, **options)


def contacts_by_email(server: SandboxServer) -> dict[str, dict[str, Any]]:
    return {c["properties"]["email"]: c for c in server.objects("contacts")}
