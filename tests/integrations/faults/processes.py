"""Real processes for the tests that kill, stop and restart things: Celery workers, a private
`redis-server` and a private PostgreSQL cluster, each on a free loopback port of its own.

The machine's shared PostgreSQL (5432) and Redis (6379) are used concurrently by other test
runs, so nothing here ever stops, restarts or flushes them: a fault is always done to a server
the test started itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path
from typing import Any

from tests.integrations.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def worker_env(*, database_url: str, broker: str, sandbox_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process: the service's own settings, pointed at the test's
    database, broker and sandbox."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "REDIS_URL": broker,
        "HUBSPOT_ACCESS_TOKEN": TOKEN,
        "HUBSPOT_API_BASE": sandbox_url,
        "HUBSPOT_RATE_LIMIT": "1000",
        **extra,
    }


def database_url(settings_dict: dict[str, Any]) -> str:
    """`postgres://…` for a Django connection's settings (the test database)."""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return (
        f"postgres://{settings_dict['USER']}{password}@{settings_dict['HOST']}:"
        f"{settings_dict['PORT']}/{settings_dict['NAME']}"
    )


class Workers:
    """Worker processes started by a test, always ended by it. `app` is the Celery app module:
    `config` (the service's own) or `tests.integrations.faults.worker` (faster retries)."""

    def __init__(self, env: dict[str, str], logs: Path, app: str = "config") -> None:
        self.env, self.logs, self.app = env, logs, app
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                self.app,
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

    def queue_sync(self, trigger: str = "beat") -> None:
        """What the beat schedule does every minute, on the workers' broker."""
        with publishing_to(self.env["CELERY_BROKER_URL"]):
            queue_sync(trigger)

    def sync_until(self, condition: Callable[[], bool] | None = None, seconds: float = 50) -> None:
        """Queue a sync every 3 s (the beat schedule's minute, shortened) until `condition`
        holds; by default, until every outbox entry of the test database is sent."""
        wait_for(condition or all_sent, seconds, "the sync to finish", every=(3.0, self.queue_sync))

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def wait_ready(self, *names: str, seconds: float = 30) -> None:
        wait_for(
            lambda: all(" ready." in self.log(name) for name in names),
            seconds,
            f"workers {', '.join(names)} to be ready",
        )

    def stop_all(self) -> None:
        """SIGTERM, then SIGKILL after 3 s: a worker draining a sync would finish it first,
        and the test has nothing more to learn from it."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextmanager
def publishing_to(broker: str) -> Iterator[None]:
    """Tasks from this process (the sync the test queues, the nudge after a commit) go to
    `broker` for the workers, instead of running here in process."""
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, broker
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


def all_sent() -> bool:
    from integrations.crm.models import OutboxEntry, OutboxStatus

    return not OutboxEntry.objects.exclude(status=OutboxStatus.SENT).exists()


def assert_hubspot_has(server: Any, champions: list[tuple[str, str | None, str]]) -> None:
    """HubSpot has exactly these champions (email, CRM id, title): each one contact, with
    that id and job title, none missing, none twice."""
    contacts = server.objects("contacts")
    emails = [c["properties"]["email"] for c in contacts]
    assert len(emails) == len(set(emails)), "no duplicate contacts"
    assert sorted(emails) == sorted(email for email, _, _ in champions), "nothing missing"
    by_email = {c["properties"]["email"]: c for c in contacts}
    for email, crm_id, title in champions:
        assert by_email[email]["id"] == crm_id, email
        assert by_email[email]["properties"]["jobtitle"] == (title or ""), email


class PrivateRedis:
    """A `redis-server` of the test's own (no persistence, `noeviction` like production)."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.directory, self.port = directory, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> PrivateRedis:
        assert self.binary, "redis-server is not installed"
        self.process = subprocess.Popen(  # noqa: S603
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / f"redis-{self.port}.log"),
            ],
        )
        wait_for(self.answers, 10, f"redis-server on port {self.port}")
        return self

    def answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return True
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own in a temporary directory, run as `postgres`."""

    def __init__(self) -> None:
        binaries = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        self.bin = Path(binaries[-1]).parent if binaries else None
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="champions-faults-pg-"))
        self.data = self.directory / "data"

    @staticmethod
    def unavailable() -> str | None:
        """Why a private cluster cannot run here, or None."""
        if not glob("/usr/lib/postgresql/*/bin/initdb"):
            return "PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin)"
        if os.geteuid() != 0 or not shutil.which("runuser"):
            return "a private PostgreSQL cluster is started as `postgres` with runuser (needs root)"
        return None

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(  # noqa: S603
            ["runuser", "-u", "postgres", "--", *command],  # noqa: S607
            check=True,
            capture_output=True,
            cwd=self.directory,
        )

    def start(self) -> PrivatePostgres:
        assert self.bin is not None
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"
        )
        self._ctl("start")
        return self

    def _ctl(self, action: str, *options: str) -> None:
        assert self.bin is not None
        settings = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "server.log"),
            "-o",
            settings,
            "-w",
            *options,
            action,
        )

    def restart(self) -> None:
        """Ends every connection (`-m fast`), then serves again."""
        self._ctl("restart", "-m", "fast")

    def copy_database(self, source_url: str, name: str) -> str:
        """A copy of the database at `source_url` (schema and rows) in this cluster."""
        assert self.bin is not None
        self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), name)
        dump = subprocess.run(  # noqa: S603
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", source_url],
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603
            [str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
