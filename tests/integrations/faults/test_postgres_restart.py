"""PostgreSQL restarts while a worker is syncing: the sync completes and HubSpot ends up with
exactly what the database has.

The worker runs against a PostgreSQL cluster of this test's own (a copy of the test database
in a temporary directory, on a free port), so restarting it disturbs nobody. `pg_ctl restart
-m fast` ends the worker's connection in the middle of the pass; the batch it was recording
is claimed until its lease ends, then sent again by a later pass (the beat schedule's, every
3 s here), and HubSpot's upsert by email keeps it one contact per champion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from integrations.crm.services import crm_mark_all, crm_provision
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import AccountFactory, ChampionFactory
from tests.integrations.faults.conftest import on_postgres
from tests.integrations.faults.processes import (
    PrivatePostgres,
    PrivateRedis,
    Workers,
    assert_hubspot_has,
    database_url,
    wait_for,
)

pytestmark = on_postgres


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    reason = PrivatePostgres.unavailable()
    if reason:
        pytest.skip(reason)
    cluster = PrivatePostgres().start()
    yield cluster
    cluster.stop()


def rows(url: str, sql: str) -> list[tuple[Any, ...]] | None:
    """The rows, or None while the cluster does not answer (it is restarting)."""
    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            return db.execute(sql).fetchall()  # type: ignore[arg-type]
    except psycopg.OperationalError:
        return None


def count(url: str, sql: str) -> int:
    found = rows(url, sql)
    return -1 if found is None else int(found[0][0])


def test_a_restart_mid_sync_ends_with_hubspot_equal_to_the_database(
    worker_sandbox: SandboxServer,
    private_redis: PrivateRedis,
    private_postgres: PrivatePostgres,
    workers: Callable[..., Workers],
) -> None:
    crm_provision()
    accounts = AccountFactory.create_batch(3)
    for i in range(250):
        ChampionFactory(account=accounts[i % 3], user=None)
    crm_mark_all()
    url = private_postgres.copy_database(database_url(connection.settings_dict), "champions")
    worker_sandbox.set_faults(latency_ms=700)  # a pass of 6 calls takes about 4 s

    group = workers(
        private_redis.url(),
        database=url,
        HUBSPOT_TIMEOUT="1,3",
        FAULTS_BATCH_SIZE="50",
        FAULTS_LEASE_SECONDS="8",  # a batch whose pass died goes again 8 s after its claim
    )
    group.start("worker")
    sent = "select count(*) from crm_outboxentry where status = 'sent'"
    group.queue_sync("nudge")
    wait_for(lambda: 50 <= count(url, sent) < 253, 30, "the sync to be half way")
    private_postgres.restart()
    assert count(url, sent) < 253, "the restart came in the middle of the sync"
    group.sync_until(
        lambda: count(url, "select count(*) from crm_outboxentry where status <> 'sent'") == 0
    )

    worker_log = group.log("worker")
    assert " ready." in worker_log
    # The pass the restart cut short says so and ends; no task dies with a traceback.
    assert "the database went away; the next run resumes" in worker_log
    local = rows(url, "select email, crm_id, title from champions_champion")
    assert local is not None and len(local) == 250
    assert_hubspot_has(worker_sandbox, local)
    assert len(worker_sandbox.objects("companies")) == 3
