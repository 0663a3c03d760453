"""Every metric on two database connections at once, reading one snapshot (PostgreSQL).

A computation of every metric is some thirty statements, each a single process's pass over
its tables; the machine has more than one core, and the statements fall in two groups that
share nothing:

- the metrics that read the window's answers (a temporary table of `compute.window`), with
  the newcomers, first answers, solved chains, templates and references: on the caller's
  connection;
- the metrics in `ALONGSIDE`: the levels (the other temporary table) and what reads them,
  collaboration included, with cohorts, referral chains, the hour counts, reports and deals:
  on a second connection meanwhile, in a thread.

A temporary table lives in the connection that built it, so no table is read by both groups.

Both read the same data: the caller's transaction is REPEATABLE READ and exports its snapshot
(`pg_export_snapshot`), and the second connection's transaction imports it before its first
statement (`SET TRANSACTION SNAPSHOT`), as `pg_dump --jobs` does. The values are therefore
those of one serial computation at that moment (tests compare the two).

Only where the computation owns its transaction: inside a caller's transaction (a test's,
a task that wrote first) the second connection could not see what that transaction wrote,
so the metrics are then computed serially, on one connection. SQLite (the demo) is always
serial. docs/decisions/0007-metrics-on-two-connections.md says why and what it costs.

The second connection belongs to one thread per process, kept like a request's connection:
opened on first use, closed when `CONN_MAX_AGE` says so or when it is unusable (checked
before and after each computation, as Django does around a request). A fresh connection
cost the second group 30–50 ms more: a new PostgreSQL backend reads the catalog afresh
for every table and index it plans with. One thread serves the computations of its process
one at a time (web and task workers compute one at a time anyway).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from programs.metrics.compute import MetricContext
from programs.metrics.scope import MetricScope, Population
from programs.metrics.sql import execute, run

# The metrics computed on the second connection: they read none of the temporary tables the
# others read, and share no piece with them. A test computes them alone and checks which
# tables they create.
ALONGSIDE = frozenset(
    {
        # The levels of the window's champions, and what reads them (collaboration reads
        # its pairs from the program's tables, not from the window's answers).
        "contribution_depth",
        "referral_velocity",
        "invitation_acceptance_days",
        "peer_invitations_per_person",
        "collaboration_density",
        "referral_chain_depth",
        "retention_by_cohort",
        "moderation_effort_per_interaction",
        "report_response_hours",
        "open_reports_over_sla",
        "silent_guilds",
        "activity_heatmap",
        "deals_with_reference_share",
        "influenced_pipeline",
        "influenced_won_amount",
        "win_rate_with_reference",
        "win_rate_without_reference",
    }
)

Compute = Callable[[MetricContext, Sequence[str]], dict[str, Any]]

_thread: tuple[int, ThreadPoolExecutor] | None = None
_thread_lock = threading.Lock()


def _second_thread() -> ThreadPoolExecutor:
    """This process's thread for the second connection (a new one after a fork: the
    parent's thread does not exist in the child)."""
    global _thread
    with _thread_lock:
        if _thread is None or _thread[0] != os.getpid():
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics")
            _thread = (os.getpid(), pool)
        return _thread[1]


def close_second_connection() -> None:
    """Close the second connection now (before its database is dropped, say)."""
    if _thread is not None and _thread[0] == os.getpid():
        _thread[1].submit(_close).result()


def _close() -> None:
    connection.close()  # in the thread: its own connection


def possible(keys: Sequence[str]) -> bool:
    """Whether `keys` are worth two connections here (see the module's docstring)."""
    return (
        settings.METRICS_TWO_CONNECTIONS
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and any(key in ALONGSIDE for key in keys)
        and any(key not in ALONGSIDE for key in keys)
    )


def compute(context: MetricContext, keys: Sequence[str], compute_in: Compute) -> dict[str, Any]:
    """The `keys` of `context`'s scope, `ALONGSIDE` on a second connection, the others on
    this one, in one snapshot; in the order of `keys`."""
    here = [key for key in keys if key not in ALONGSIDE]
    there = [key for key in keys if key in ALONGSIDE]
    population = context.population
    population.fetch()  # its few lists once, here, then read by both threads
    logged = connection.queries_logged
    with transaction.atomic():
        execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        snapshot = run("SELECT pg_export_snapshot()", ())[0][0]
        context.one_snapshot = True
        other = _second_thread().submit(
            _on_second_connection, context.scope, population, there, snapshot, logged, compute_in
        )
        try:
            values = compute_in(context, here)
        finally:
            # Before the transaction ends, also when this side failed: the snapshot lives
            # only as long as it.
            wait([other])
        other_values, queries = other.result()
    if logged:  # the caller sees every statement of the computation (debug, tests, bench)
        connection.queries_log.extend(queries)
    values.update(other_values)
    return {key: values[key] for key in keys}


def _on_second_connection(
    scope: MetricScope,
    population: Population,
    keys: Sequence[str],
    snapshot: str,
    logged: bool,
    compute_in: Compute,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """In the thread: this thread's own connection, in the caller's snapshot."""
    close_old_connections()  # unusable, or older than CONN_MAX_AGE: a new one
    try:
        connection.force_debug_cursor = logged
        connection.queries_log.clear()
        with transaction.atomic():
            execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            context = MetricContext(scope, population=population)
            context.one_snapshot = True
            values = compute_in(context, keys)
        return values, list(connection.queries_log)
    finally:
        close_old_connections()
