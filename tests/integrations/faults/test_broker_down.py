"""The broker is down when a champion saves their profile (RELIABILITY.md 17, 18).

The save commits and the champion sees it saved; the outbox entry written in the same
transaction keeps the change. The nudge to the workers cannot be queued. When the broker is
back, the sync the beat schedule queues every minute sends the change, and HubSpot has it.
The broker is a `redis-server` of this test's own, stopped and started again on its port.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions.models import Champion
from integrations.crm.models import OutboxEntry, OutboxStatus
from integrations.crm.services import crm_provision
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import ChampionFactory
from tests.integrations.faults.conftest import on_postgres
from tests.integrations.faults.processes import PrivateRedis, Workers, publishing_to

pytestmark = on_postgres

PROFILE = {
    "title": "Saved while the broker was down",
    "expertise": "month-end close",
    "interests": "automation",
    "timezone": "Europe/Berlin",
    "languages": ["en"],
}


def contact(server: SandboxServer, email: str) -> dict[str, Any] | None:
    found = [c for c in server.objects("contacts") if c["properties"]["email"] == email]
    assert len(found) <= 1, "no duplicate contacts"
    return found[0] if found else None


def test_a_change_saved_while_the_broker_is_down_reaches_hubspot_when_it_is_back(
    worker_sandbox: SandboxServer,
    private_redis: PrivateRedis,
    workers: Callable[..., Workers],
    client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    crm_provision()
    champion = ChampionFactory(title="Before")
    client.force_login(champion.user)
    broker = private_redis.url()
    private_redis.stop()

    with publishing_to(broker), caplog.at_level(logging.WARNING):
        response = client.post(reverse("portal:profile"), PROFILE, follow=True)

    assert response.status_code == 200
    assert "Your profile is saved." in response.content.decode()
    champion.refresh_from_db()
    assert champion.title == PROFILE["title"]
    entry = OutboxEntry.objects.get(object_type="contact", object_id=champion.pk)
    assert entry.status == OutboxStatus.PENDING, "the outbox keeps the change"
    assert "the beat schedule will send it" in caplog.text
    assert worker_sandbox.calls("/crm/v3/objects/contacts") == [], "nothing was sent yet"

    private_redis.start()
    group = workers(broker)
    group.start("after-outage")
    group.sync_until(seconds=45)
    synced = contact(worker_sandbox, champion.email)
    assert synced is not None
    assert synced["properties"]["jobtitle"] == PROFILE["title"]
    assert Champion.objects.get(pk=champion.pk).crm_id == synced["id"]
