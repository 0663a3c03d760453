"""Benchmark: the REST API served by gunicorn, against a throwaway PostgreSQL database.

    createdb -h 127.0.0.1 -U postgres champions_apibench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/champions_apibench \\
        .venv/bin/python bench/bench_api.py [--seconds 20] [--concurrency 2]

On first use it migrates the database and fills it with `bench.reference_matching_data`
(100,000 champions, 20,000 stories, consents, requests, 300,000 activities); each run starts
with VACUUM ANALYZE. Then, in one run,
against one gunicorn (2 sync workers, DEBUG off, throttles lifted) on 127.0.0.1:
1. latency (p50, p95) and throughput of `GET /api/v1/me/` — the framework's floor: bearer
   authentication, roles, throttles and JSON for an endpoint that does nothing else — then of
   reference search (`GET /api/v1/references/`, rotating filter sets) and of matching
   (`POST /api/v1/references/match/`, rotating prospect profiles), each for a bounded time
   from a thread pool of `--concurrency` clients in this process;
2. bulk ingestion: 100,000 activity events in calls of 1,000 (`POST /api/v1/activities/
   bulk/`, one client) in events per second, against the floor: a plain `bulk_create` of the
   same rows in batches of 1,000 from this process.
Everything it adds (users, tokens, activities) is removed again at the end.
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")  # this process only; gunicorn runs with DEBUG off

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import reference_matching_data as data  # noqa: E402
from bench.machine import machine  # noqa: E402
from champions.models import (  # noqa: E402
    ACTIVITY_LEVELS,
    Activity,
    ActivityKind,
    ActivitySource,
    ApiToken,
    ApiTokenScope,
    Champion,
    ChampionState,
    User,
)
from champions.roles import Role  # noqa: E402
from champions.services import hash_token  # noqa: E402
from programs.references.models import ReferenceStory  # noqa: E402

SEARCHES = [
    "industry=fintech&region=emea",
    "industry=software&size_band=200-999",
    "region=na&language=en&available_now=true",
    "use_case=use-case-3",
    "product_area=area-7&industry=retail",
    "q=Champion 12",
]
PROFILES = [
    {"prospect_industry": "fintech", "prospect_size_band": "200-999", "prospect_region": "emea"},
    {
        "prospect_industry": "software",
        "prospect_size_band": "1000-4999",
        "prospect_region": "na",
        "language": "de",
        "use_case": "use-case-2",
        "product_areas": ["area-1", "area-4"],
        "prospect_timezone": "Europe/Berlin",
    },
    {"prospect_industry": "retail", "prospect_size_band": "50-199", "prospect_region": "apac"},
]
KINDS = [ActivityKind.ANSWERED_QUESTION, ActivityKind.LOGIN, ActivityKind.RSVP]


@dataclass
class Phase:
    name: str
    latencies: list[float]
    errors: int
    seconds: float

    def row(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000
        rate = len(ordered) / self.seconds
        return (
            f"| {self.name} | {len(ordered):,} | {self.errors} | {p50:.1f} | {p95:.1f} "
            f"| {rate:.1f} |"
        )

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * 0.95) - 1)]


# --- set-up ---------------------------------------------------------------------------------


def token_for(user: User, scope: str) -> str:
    raw = "chp_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name="bench",
        scope=scope,
        prefix=raw[:12],
        token_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=1),
    )
    return raw


def callers() -> dict[str, str]:
    sales, _ = User.objects.get_or_create(email="bench-sales@example.com")
    sales.groups.add(Group.objects.get_or_create(name=Role.SALES)[0])
    pipeline, _ = User.objects.get_or_create(email="bench-pipeline@example.com", is_staff=True)
    return {
        "sales": token_for(sales, ApiTokenScope.PERSONAL),
        "ingest": token_for(pipeline, ApiTokenScope.INGEST),
        "ingest_user": str(pipeline.pk),
    }


def start_server(port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_RATES": ",".join(
            f"{scope}=1000000/min"
            for scope in ("anon", "user", "references", "match", "ingest", "requests")
        ),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass  # still booting
        time.sleep(0.2)
    server.terminate()
    server.wait(timeout=30)
    sys.exit("gunicorn did not answer /healthz in time; see its log")


# --- load -----------------------------------------------------------------------------------


def load(
    name: str, seconds: float, concurrency: int, send: Callable[[requests.Session, int], int]
) -> Phase:
    """Each client sends requests back to back until the deadline; bounded in time."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = itertools.count()

    def client() -> None:
        session = requests.Session()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status = send(session, next(counter))
            except requests.RequestException:
                status = 0  # a time-out or a dropped connection counts as an error
            took = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(took)
                else:
                    errors[0] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    return Phase(name, latencies, errors[0], time.perf_counter() - started)


def ingest_items(
    run: str, champion_ids: list[int], emails: dict[int, str], n: int
) -> Iterator[dict[str, Any]]:
    at = timezone.now() - timedelta(days=2)
    for i in range(n):
        champion = champion_ids[i % len(champion_ids)]
        item: dict[str, Any] = {
            "external_id": f"{run}-{i}",
            "kind": KINDS[i % len(KINDS)],
            "occurred_at": (at + timedelta(seconds=i)).isoformat(),
        }
        if i % 10 == 0:
            item["champion_email"] = emails[champion]
        else:
            item["champion_id"] = champion
        yield item


def bench_ingestion(
    base: str, token: str, events: int, batch: int, run: str
) -> tuple[float, float]:
    champions = list(
        Champion.objects.filter(state=ChampionState.ACTIVE)
        .order_by("pk")
        .values_list("pk", "email")[:5000]
    )
    ids = [pk for pk, _ in champions]
    emails = dict(champions)
    items = list(ingest_items(run, ids, emails, events))
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    for offset in range(0, events, batch):
        response = session.post(
            f"{base}/api/v1/activities/bulk/",
            json={"items": items[offset : offset + batch]},
            headers=headers,
            timeout=120,
        )
        body = response.json()
        if response.status_code != 200 or body["accepted"] != len(items[offset : offset + batch]):
            sys.exit(f"ingestion refused a batch: {response.status_code} {str(body)[:300]}")
    api_seconds = time.perf_counter() - started

    # The floor: the same rows, written by a plain bulk_create in batches of the same size.
    now = timezone.now()
    rows = [
        Activity(
            champion_id=item.get("champion_id") or ids[i % len(ids)],
            kind=item["kind"],
            level=ACTIVITY_LEVELS[item["kind"]],
            occurred_at=now - timedelta(days=2, seconds=-i),
            source=ActivitySource.API,
            idempotency_key=f"floor:{run}:{i}",
            metadata={"external_id": item["external_id"]},
        )
        for i, item in enumerate(items)
    ]
    started = time.perf_counter()
    for offset in range(0, events, batch):
        with transaction.atomic():
            Activity.objects.bulk_create(rows[offset : offset + batch])
    floor_seconds = time.perf_counter() - started
    return events / api_seconds, events / floor_seconds


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="per latency phase")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL to a throwaway database.")
    call_command("migrate", verbosity=0)
    if not data.is_generated():
        started = time.perf_counter()
        counts = data.generate()
        data.analyze()
        print(f"generated in {time.perf_counter() - started:.0f} s: {counts}")
    with connection.cursor() as cursor:
        # Fresh statistics and visibility map: earlier runs added and removed rows, and the
        # consent probes are index-only scans once the bulk-loaded pages are marked visible
        # (what autovacuum does for a live database).
        cursor.execute("VACUUM ANALYZE")
    tokens = callers()
    base = f"http://127.0.0.1:{args.port}"
    log = (Path(os.environ.get("TMPDIR", "/tmp")) / "bench_api_gunicorn.log").open("w")  # noqa: S108
    server = start_server(args.port, log)
    run = uuid.uuid4().hex[:8]
    load_at_start = os.getloadavg()[0]
    try:
        sales = {"Authorization": f"Bearer {tokens['sales']}"}

        def floor(session: requests.Session, i: int) -> int:
            return session.get(f"{base}/api/v1/me/", headers=sales, timeout=120).status_code

        def search(session: requests.Session, i: int) -> int:
            query = SEARCHES[i % len(SEARCHES)]
            url = f"{base}/api/v1/references/?{query}"
            return session.get(url, headers=sales, timeout=120).status_code

        def match(session: requests.Session, i: int) -> int:
            body = {**PROFILES[i % len(PROFILES)], "limit": 20}
            url = f"{base}/api/v1/references/match/"
            return session.post(url, json=body, headers=sales, timeout=120).status_code

        # Warm each endpoint (connections, caches, the time zone table of matching).
        for send in (floor, search, match):
            with requests.Session() as session:
                for i in range(6):
                    send(session, i)
        phases = [
            load("floor: GET /me/", args.seconds, args.concurrency, floor),
            load("search: GET /references/", args.seconds, args.concurrency, search),
            load("match: POST /references/match/", args.seconds, args.concurrency, match),
        ]
        api_rate, floor_rate = bench_ingestion(base, tokens["ingest"], args.events, args.batch, run)
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        Activity.objects.filter(idempotency_key__startswith=f"floor:{run}:").delete()
        Activity.objects.filter(
            idempotency_key__startswith=f"api:{tokens['ingest_user']}:{run}-"
        ).delete()
        ApiToken.objects.filter(name="bench").delete()

    champions, stories = Champion.objects.count(), ReferenceStory.objects.count()
    print(f"\ndata: {champions:,} champions, {stories:,} stories; {machine()}")
    load_at_end = os.getloadavg()[0]
    print(f"load average (1 min): {load_at_start:.1f} at the start, {load_at_end:.1f} at the end")
    print(f"gunicorn 2 sync workers, {args.concurrency} clients, {args.seconds:.0f} s per phase\n")
    print("| endpoint | requests | errors | p50 ms | p95 ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for phase in phases:
        print(phase.row())
    floor_p95 = phases[0].p95
    print(f"\nsearch p95 / floor p95: {phases[1].p95 / floor_p95:.1f}x (goal <= 3x)")
    print(f"match p95 / floor p95: {phases[2].p95 / floor_p95:.1f}x")
    print(
        f"ingestion: {api_rate:,.0f} events/s through the API, {floor_rate:,.0f} events/s "
        f"plain bulk_create: {api_rate / floor_rate:.2f}x (goal >= 0.5x)"
    )


if __name__ == "__main__":
    main()
