"""HubSpot answers 30 % of calls with 500/502/503 and a worker is killed with SIGKILL in the
middle of a batch (RELIABILITY.md 20, 21).

Failed batches back off and go again, the killed worker's batch goes again once its lease
ends, a change made while no worker runs is sent too; at the end HubSpot has exactly the
database's champions, each once, with their latest data, and no entry has given up (dead).
The sandbox draws its failures from a seeded generator, so a run repeats the same faults.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from champions.models import Champion
from integrations.crm.models import OutboxEntry, OutboxStatus
from integrations.crm.outbox import crm_mark_dirty
from integrations.crm.services import crm_mark_all, crm_provision
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import AccountFactory, ChampionFactory
from tests.integrations.faults.conftest import on_postgres
from tests.integrations.faults.processes import (
    PrivateRedis,
    Workers,
    assert_hubspot_has,
    publishing_to,
    wait_for,
)

pytestmark = on_postgres

LATENCY_MS = 1000


def test_thirty_percent_failures_and_a_killed_worker_end_with_hubspot_equal_to_the_database(
    worker_sandbox: SandboxServer,
    private_redis: PrivateRedis,
    workers: Callable[..., Workers],
) -> None:
    crm_provision()
    accounts = AccountFactory.create_batch(3)
    champions = [ChampionFactory(account=accounts[i % 3], user=None) for i in range(250)]
    crm_mark_all()
    worker_sandbox.set_faults(fail_rate=0.3, latency_ms=LATENCY_MS, seed=7)

    broker = private_redis.url()
    group = workers(
        broker,
        HUBSPOT_TIMEOUT="1,2",
        FAULTS_BATCH_SIZE="50",
        FAULTS_LEASE_SECONDS="8",  # a batch whose pass died goes again 8 s after its claim
    )
    sent = OutboxEntry.objects.filter(status=OutboxStatus.SENT)
    claimed = OutboxEntry.objects.filter(claimed_until__isnull=False)
    first = group.start("first")
    group.queue_sync("nudge")
    wait_for(
        lambda: sent.count() >= 50 and claimed.exists(),
        40,
        "some batches recorded and one in flight",
    )
    time.sleep(LATENCY_MS / 1000 / 2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert sent.count() < 253, "the worker was killed in the middle of the sync"

    changed = champions[-1]
    Champion.objects.filter(pk=changed.pk).update(title="Changed while no worker ran")
    with publishing_to(broker):
        crm_mark_dirty(champion_ids=[changed.pk])

    group.start("second")
    group.sync_until()

    failures = [c for c in worker_sandbox.calls() if c["status"] and c["status"] >= 500]
    assert failures, "the sandbox did fail calls"
    assert not OutboxEntry.objects.filter(status=OutboxStatus.DEAD).exists()
    # Every champion's latest title, the one changed while no worker ran included.
    assert_hubspot_has(
        worker_sandbox, list(Champion.objects.values_list("email", "crm_id", "title"))
    )
    assert len(worker_sandbox.objects("companies")) == 3
