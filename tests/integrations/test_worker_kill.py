"""A real Celery worker on Redis, killed with SIGKILL in the middle of a batch (RELIABILITY.md 21).

The worker runs in its own process against the test's PostgreSQL database and the sandbox;
the sandbox's latency keeps each batch call in flight for 1.5 s, long enough to kill the
worker while one is. A second worker, started afterwards and given the sync task the beat
schedule would give it, must leave HubSpot with every change exactly once: every champion is
one contact with its latest data, nothing is missing, nothing is duplicated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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
from tests.integrations.conftest import TOKEN

BROKER = "redis://127.0.0.1:6379/14"  # a database of this test's own, flushed before and after
LATENCY_MS = 1500
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the worker sees committed rows only
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="a worker process cannot share SQLite's in-memory test database: "
        "run with DATABASE_URL=postgres://…",
    ),
]


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


@pytest.fixture
def slow_sandbox(settings: Any) -> Iterator[SandboxServer]:
    """Fast while the test provisions it; then every call waits LATENCY_MS."""
    with SandboxServer(port=0, token=TOKEN, rate_limit=1000) as server:
        settings.HUBSPOT_ACCESS_TOKEN = TOKEN
        settings.HUBSPOT_API_BASE = server.url
        settings.HUBSPOT_RATE_LIMIT = 1000
        settings.REDIS_URL = ""
        yield server


class Workers:
    """Worker processes started by this test, always ended by it."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.processes = env, logs, []  # type: ignore[var-annotated]

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def wait_for(
    condition: Callable[[], bool],
    seconds: float,
    what: str,
    every: tuple[float, Callable[[], None]] | None = None,
) -> None:
    """Poll `condition`; with `every` (interval, action), do the action at that interval."""
    deadline = time.monotonic() + seconds
    next_action = time.monotonic()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        if every is not None and time.monotonic() >= next_action:
            every[1]()
            next_action = time.monotonic() + every[0]
        time.sleep(0.1)


@contextmanager
def publishing_to_the_test_broker() -> Iterator[None]:
    """Tasks from this process (the sync the test queues, the nudge after a commit) go to
    the test broker for the workers, instead of running here in process."""
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, BROKER
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        app._pool, app.amqp._producer_pool = None, None


def queue_sync(trigger: str) -> None:
    """What the beat schedule does every minute."""
    from integrations.crm.tasks import sync_outbox

    sync_outbox.apply_async(kwargs={"trigger": trigger})


def test_sigkill_mid_batch_then_a_new_worker_sends_every_change_once(
    slow_sandbox: SandboxServer, redis_db: Any, tmp_path: Path
) -> None:
    crm_provision()
    slow_sandbox.set_faults(latency_ms=LATENCY_MS)  # from now on each call takes 1.5 s
    accounts = AccountFactory.create_batch(3)
    champions = [ChampionFactory(account=accounts[i % 3], user=None) for i in range(250)]
    crm_mark_all()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "REDIS_URL": BROKER,
        "HUBSPOT_ACCESS_TOKEN": TOKEN,
        "HUBSPOT_API_BASE": slow_sandbox.url,
        "HUBSPOT_RATE_LIMIT": "1000",
        "HUBSPOT_TIMEOUT": "1,2",  # a claim's lease: 2 × 3 s + 20 s
    }
    workers = Workers(env, tmp_path)
    stack = ExitStack()
    upserts = "/crm/v3/objects/contacts/batch/upsert"
    try:
        stack.enter_context(publishing_to_the_test_broker())
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

    contacts = slow_sandbox.objects("contacts")
    emails = [c["properties"]["email"] for c in contacts]
    assert len(emails) == len(set(emails)), "no duplicate contacts"
    assert sorted(emails) == sorted(c.email for c in champions), "nothing missing"
    by_email = {c["properties"]["email"]: c for c in contacts}
    assert by_email[changed.email]["properties"]["jobtitle"] == "Changed while the worker was down"
    for champion in Champion.objects.all():
        assert champion.crm_id == by_email[champion.email]["id"]
    batches = [[i["id"] for i in call["body"]["inputs"]] for call in slow_sandbox.calls(upserts)]
    assert len(batches) == 4, "100 before the kill, 100 in flight at the kill, then 150 in two"
    assert set(batches[1]) <= set(batches[2]) | set(batches[3]), "the batch in flight went again"
    assert len(slow_sandbox.objects("companies")) == 3
