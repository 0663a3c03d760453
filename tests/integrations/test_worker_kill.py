"""A real Celery worker on Redis, killed with SIGKILL in the middle of a batch (RELIABILITY.md 21).

The worker runs in its own process against the test's PostgreSQL database and the sandbox;
the sandbox's latency keeps each batch call in flight for 1.5 s, long enough to kill the
worker while one is. A second worker, started afterwards and given the sync task the beat
schedule would give it, must leave HubSpot with every change exactly once: every champion is
one contact with its latest data, nothing is missing, nothing is duplicated.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from champions.models import Champion
from integrations.crm.models import OutboxEntry, OutboxStatus
from integrations.crm.outbox import crm_mark_dirty
from integrations.crm.services import crm_mark_all, crm_provision
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import AccountFactory, ChampionFactory
from tests.integrations.faults.conftest import on_postgres
from tests.integrations.faults.processes import (
    Workers,
    assert_hubspot_has,
    database_url,
    publishing_to,
    queue_sync,
    wait_for,
    worker_env,
)

BROKER = "redis://127.0.0.1:6379/14"  # a database of this test's own, flushed before and after
LATENCY_MS = 1500

pytestmark = on_postgres


@pytest.fixture
def redis_db() -> Iterator[Any]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(BROKER, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()


def test_sigkill_mid_batch_then_a_new_worker_sends_every_change_once(
    worker_sandbox: SandboxServer, redis_db: Any, tmp_path: Path
) -> None:
    crm_provision()
    worker_sandbox.set_faults(latency_ms=LATENCY_MS)  # from now on each call takes 1.5 s
    accounts = AccountFactory.create_batch(3)
    for i in range(250):
        ChampionFactory(account=accounts[i % 3], user=None)
    crm_mark_all()
    env = worker_env(
        database_url=database_url(connection.settings_dict),
        broker=BROKER,
        sandbox_url=worker_sandbox.url,
        HUBSPOT_TIMEOUT="1,2",  # a claim's lease: 2 × 3 s + 20 s
    )
    workers = Workers(env, tmp_path)
    stack = ExitStack()
    upserts = "/crm/v3/objects/contacts/batch/upsert"
    try:
        stack.enter_context(publishing_to(BROKER))
        first = workers.start("first")
        queue_sync("nudge")
        claimed = OutboxEntry.objects.filter(claimed_until__isnull=False)
        sent = OutboxEntry.objects.filter(status=OutboxStatus.SENT)
        wait_for(
            lambda: sent.count() == 100 and claimed.count() >= 100,
            60,
            "the first batch recorded and the second claimed",
        )
        time.sleep(LATENCY_MS / 1000 / 2)  # the second batch is now in flight
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        # The batch in flight, and the last 50 if it had claimed them to map while it waited.
        assert claimed.count() in (100, 150), "the killed worker held its batches"

        # A change while no worker runs, to the champion whose batch died in flight.
        changed = Champion.objects.filter(
            pk__in=OutboxEntry.objects.filter(claimed_until__isnull=False).values("object_id")
        ).first()
        assert changed is not None
        Champion.objects.filter(pk=changed.pk).update(title="Changed while the worker was down")
        crm_mark_dirty(champion_ids=[changed.pk])

        workers.start("second")
        # The beat schedule queues a sync every minute; here every 3 s, to keep the test short.
        wait_for(
            lambda: not OutboxEntry.objects.exclude(status=OutboxStatus.SENT).exists(),
            90,
            "every entry to be sent",
            every=(3.0, lambda: queue_sync("beat")),
        )
    finally:
        workers.stop_all()
        stack.close()

    # Every champion once, with its latest title: the one changed while no worker ran too.
    assert_hubspot_has(
        worker_sandbox, list(Champion.objects.values_list("email", "crm_id", "title"))
    )
    batches = [[i["id"] for i in call["body"]["inputs"]] for call in worker_sandbox.calls(upserts)]
    assert len(batches) == 4, "100 before the kill, 100 in flight at the kill, then the rest in two"
    assert set(batches[1]) <= set(batches[2]) | set(batches[3]), "the batch in flight went again"
    assert len(worker_sandbox.objects("companies")) == 3
