"""Fixtures of the fault tests: a private Redis, workers that are always stopped (the sandbox
they reach, `worker_sandbox`, is in tests/integrations/conftest.py). Each test runs real worker
processes against the test's PostgreSQL database."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from integrations.hubspot.sandbox import SandboxServer
from tests.integrations.faults.processes import PrivateRedis, Workers, database_url, worker_env

FAST_WORKER = "tests.integrations.faults.worker"

on_postgres = [
    pytest.mark.django_db(transaction=True),  # the workers see committed rows only
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="a worker process cannot share SQLite's in-memory test database: "
        "run with DATABASE_URL=postgres://…",
    ),
]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if PrivateRedis(tmp_path).binary is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path: Path, worker_sandbox: SandboxServer) -> Iterator[Callable[..., Workers]]:
    """`workers(broker, database=…, **environment)`: a group of workers on the fast-retry app,
    against the test database (or `database`) and `worker_sandbox`, stopped after the test."""
    made: list[Workers] = []

    def make(broker: str, database: str | None = None, **environment: str) -> Workers:
        env = worker_env(
            database_url=database or database_url(connection.settings_dict),
            broker=broker,
            sandbox_url=worker_sandbox.url,
            **environment,
        )
        made.append(Workers(env, tmp_path, FAST_WORKER))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()
