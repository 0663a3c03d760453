"""The load scenario (RELIABILITY.md 28): signed-in champions on the portal, sales searching
for references with an API token, the company's systems pushing activity batches.

Run through `bench/load/run.py`, which prepares the database, the sessions and tokens
(`LOAD_CREDENTIALS`, a JSON file) and gunicorn. Of 50 users, 25 are champions and 17 sales
tools, each waiting 3-8 s between requests (a person reading), and 8 ingestion clients
sending 50 events every 5-10 s: about 8 requests per second offered in all.

At the end the run fails (exit code 1) when more than `LOAD_MAX_FAILURE_RATIO` (1 %) of
requests failed or the 95th percentile of all requests is over `LOAD_P95_MS` (1,000 ms); an
error in this file itself fails it through Locust's `--exit-code-on-error`.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

CREDENTIALS: dict[str, Any] = json.loads(Path(os.environ["LOAD_CREDENTIALS"]).read_text())
P95_BUDGET_MS = float(os.environ.get("LOAD_P95_MS", "1000"))
MAX_FAILURE_RATIO = float(os.environ.get("LOAD_MAX_FAILURE_RATIO", "0.01"))
PORTAL_PAGES = ["/portal/", "/portal/guilds/", "/portal/profile/", "/portal/privacy/"]
SEARCHES = [
    {"industry": "fintech"},
    {"region": "emea", "available_now": "true"},
    {"industry": "software", "language": "en"},
    {"q": "finance"},
    {"ordering": "-joined", "page_size": "50"},
]
KINDS = ["answered_question", "login", "rsvp", "page_view"]
BATCH = 50
_sessions = itertools.cycle(CREDENTIALS["sessions"])


class Champion(HttpUser):
    """A champion signed in to the portal, moving between its pages."""

    weight = 3
    wait_time = between(3, 8)  # reading a page before the next

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", next(_sessions))

    @task
    def page(self) -> None:
        path = random.choice(PORTAL_PAGES)
        with self.client.get(path, name=path, catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure("signed out: the session was not recognised")


class Sales(HttpUser):
    """A sales rep's tool searching for reference champions with a personal API token."""

    weight = 2
    wait_time = between(3, 8)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {CREDENTIALS['sales_token']}"

    @task
    def search(self) -> None:
        self.client.get("/api/v1/references/", params=random.choice(SEARCHES), name="references")


class Ingestion(HttpUser):
    """The company's systems pushing activity events in batches with an ingestion token."""

    weight = 1
    wait_time = between(5, 10)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {CREDENTIALS['ingest_token']}"

    @task
    def push(self) -> None:
        now = datetime.now(UTC)
        items = [
            {
                "external_id": f"load-{uuid.uuid4().hex}",
                "champion_id": random.choice(CREDENTIALS["champion_ids"]),
                "kind": random.choice(KINDS),
                "occurred_at": (now - timedelta(minutes=random.randint(1, 600))).isoformat(),
            }
            for _ in range(BATCH)
        ]
        with self.client.post(
            "/api/v1/activities/bulk/",
            json={"items": items},
            name="activities",
            catch_response=True,
        ) as response:
            if response.ok and any(r["status"] == "rejected" for r in response.json()["results"]):
                response.failure("an activity was rejected")


@events.quitting.add_listener
def check_budget(environment: Any, **_: Any) -> None:
    """Exit 1 above the failure ratio or over the p95 budget (Locust's documented hook)."""
    total = environment.stats.total
    p95 = total.get_response_time_percentile(0.95) or 0
    verdict = []
    if total.fail_ratio > MAX_FAILURE_RATIO:
        verdict.append(f"failures {total.fail_ratio:.2%} > {MAX_FAILURE_RATIO:.0%}")
    if p95 > P95_BUDGET_MS:
        verdict.append(f"p95 {p95:.0f} ms > {P95_BUDGET_MS:.0f} ms")
    logging.info(
        "load check: %d requests, failures %.2f%%, p95 %.0f ms (budget %.0f ms): %s",
        total.num_requests,
        total.fail_ratio * 100,
        p95,
        P95_BUDGET_MS,
        "; ".join(verdict) or "pass",
    )
    if verdict:
        environment.process_exit_code = 1
    elif not environment.runner.exceptions:
        # Within budget: a few failed requests (under the ratio) do not fail the run. An
        # exception in this file leaves the code to `--exit-code-on-error`.
        environment.process_exit_code = 0
