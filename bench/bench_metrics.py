"""Benchmark: every program metric for a 90-day window, against one full scan of the log.

Run it against a throwaway PostgreSQL database (it migrates it and fills it on first use):

    createdb -h 127.0.0.1 -U postgres champions_metricsbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/champions_metricsbench DEBUG=1 \\
        .venv/bin/python bench/bench_metrics.py [--runs 5] [--requests 20]

What it measures, with the data of `bench/metrics_data.py` (window `[REFERENCE − 90 days,
REFERENCE)`):
1. the floor: `SELECT count(*), sum(level) FROM champions_activity`, one full scan;
2. `programs.metrics.registry.compute` for every key (with the hour counts rolled up, as
   the hourly task keeps them): wall time and SQL statements, the
   time of each key on its own, and of each statement of one computation against the
   floor (to show where the time goes);
3. the dashboard served from snapshots: the snapshots of the 30-day preset ending at
   `REFERENCE` (the window, the one before it, and the weekly trend points) are stored,
   then the admin index is requested through Django's test client; server time per request.
Runs are repeated and the median reported; the first run of each warms the caches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import metrics_data  # noqa: E402
from bench.machine import machine  # noqa: E402
from bench.metrics_data import REFERENCE  # noqa: E402
from champions.models import Activity, User  # noqa: E402
from programs.metrics import registry, services  # noqa: E402
from programs.metrics.dashboard import stored_windows  # noqa: E402
from programs.metrics.models import MetricSnapshot  # noqa: E402
from programs.metrics.scope import MetricScope  # noqa: E402

WINDOW = MetricScope(REFERENCE - timedelta(days=90), REFERENCE)


CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET")


def statements(captured: list[dict[str, Any]]) -> int:
    """SQL statements sent, transaction control and `SET LOCAL` not counted."""
    return sum(1 for query in captured if query["sql"].split()[0].upper() not in CONTROL)


def timed(call: Callable[[], Any], runs: int) -> tuple[list[float], int, Any]:
    """Wall times of `runs` calls after one warm-up, the statements of one, its result."""
    with CaptureQueriesContext(connection) as queries:
        result = call()
    count = statements(queries.captured_queries)
    times = []
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times, count, result


def interleaved(
    first: Callable[[], Any], second: Callable[[], Any], runs: int
) -> tuple[list[float], list[float]]:
    """Alternate the two calls so both see the same load on a shared machine."""
    first(), second()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for index, call in enumerate((first, second)):
            reset_queries()
            started = time.perf_counter()
            call()
            times[index].append(time.perf_counter() - started)
    return times


def statement_profile(floor_seconds: float) -> None:
    """Each statement of one computation (above a tenth of the floor), as a multiple of the
    floor: the next place to look."""
    timings: list[tuple[float, str]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(wrapper):
        registry.compute(WINDOW)
    print("statements of one computation, slowest first (x the floor):")
    for seconds, sql in sorted(timings, reverse=True):
        if seconds >= floor_seconds / 10:
            print(f"  {seconds / floor_seconds:5.2f}x {seconds * 1000:6.0f} ms  {sql[:80]}")


def floor() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), sum(level) FROM champions_activity")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def store_dashboard_snapshots(now: Any) -> None:
    MetricSnapshot.objects.all().delete()
    started = time.perf_counter()
    windows = stored_windows(now)
    for start, end in windows:
        services.snapshot_window(start=start, end=end, guild_id=None)
        reset_queries()
    print(f"  stored {len(windows)} windows of snapshots in {time.perf_counter() - started:.1f} s")


def dashboard(requests: int) -> tuple[list[float], int]:
    now = REFERENCE + timedelta(hours=9)
    store_dashboard_snapshots(now)
    admin = User.objects.filter(email="bench-admin@bench.example").first()
    if admin is None:
        admin = User.objects.create_superuser("bench-admin@bench.example", "bench-pass-123")
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(admin)
    with mock.patch("programs.metrics.dashboard.timezone.now", return_value=now):
        page = client.get("/admin/?preset=30")
        assert page.status_code == 200 and b"snapshots" in page.content, page.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get("/admin/?preset=30")
        page_statements = statements(queries.captured_queries)
        times = []
        for _ in range(requests):
            reset_queries()
            started = time.perf_counter()
            client.get("/admin/?preset=30")
            times.append(time.perf_counter() - started)
    return times, page_statements


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--champions", type=int, default=50_000)
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL (DATABASE_URL=postgres://...).")
    call_command("migrate", verbosity=0, skip_checks=True)
    if not metrics_data.already_generated(options.champions):
        started = time.perf_counter()
        metrics_data.generate(champions=options.champions)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    # The hourly roll-up, as production keeps it (the first time: the whole log, seconds).
    started = time.perf_counter()
    written = services.hour_counts_roll_up()
    print(f"hour counts rolled up: {written:,} rows in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics for the planner
    print(machine())
    activities = Activity.objects.count()
    print(f"window [{WINDOW.start:%Y-%m-%d}, {WINDOW.end:%Y-%m-%d}), {activities:,} activities")

    scanned = floor()
    with CaptureQueriesContext(connection) as queries:
        values = registry.compute(WINDOW)
    count = statements(queries.captured_queries)
    floor_times, all_times = interleaved(floor, lambda: registry.compute(WINDOW), options.runs)
    floor_median, all_median = statistics.median(floor_times), statistics.median(all_times)
    ratios = sorted(a / f for a, f in zip(all_times, floor_times, strict=True))
    print(
        f"floor (full scan, {scanned[0]:,} rows): median {floor_median * 1000:.0f} ms "
        f"({', '.join(f'{t * 1000:.0f}' for t in floor_times)})"
    )
    print(
        f"all {len(registry.KEYS)} metrics: median {all_median * 1000:.0f} ms "
        f"({', '.join(f'{t * 1000:.0f}' for t in all_times)}), {count} SQL statements; "
        f"{all_median / floor_median:.1f}x the floor (per run: "
        f"{', '.join(f'{r:.1f}' for r in ratios)})"
    )
    with open("/proc/loadavg") as load:
        print(f"load average during the run: {load.read().split()[:3]}")
    statement_profile(floor_median)
    print("per key (one run each, shared pieces counted where first used):")
    for key in registry.KEYS:
        key_times, key_statements, _ = timed(lambda k=key: registry.compute(WINDOW, [k]), 1)
        print(f"  {key:<36} {key_times[0] * 1000:7.0f} ms  {key_statements:2d} statements")
    shown = {k: v for k, v in values.items() if registry.REGISTRY[k].scalar}
    print(
        "values:",
        ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()),
    )

    page_times, page_statements = dashboard(options.requests)
    page_times.sort()
    print(
        f"dashboard from snapshots, {options.requests} requests: median "
        f"{statistics.median(page_times) * 1000:.1f} ms, p90 "
        f"{page_times[int(len(page_times) * 0.9) - 1] * 1000:.1f} ms, "
        f"{page_statements} SQL statements"
    )


if __name__ == "__main__":
    main()
