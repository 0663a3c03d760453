"""Two workers against one HubSpot portal share its rate limit (issue 10, scale-out).

HubSpot counts calls per token in a rolling 10-second window, whichever process makes them.
Here the sandbox allows 10 calls per 10 s, and two workers, each in its own process, sync 120
champions in batches of 5 (25 calls) at the same time. The limiter in Redis
(integrations/hubspot/throttle.py) is what they share: the sandbox never answers 429, and no
10-second window ever holds more than 10 of their calls.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from champions.models import Champion
from integrations.crm.services import crm_mark_all, crm_provision
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import AccountFactory, ChampionFactory
from tests.integrations.faults.conftest import on_postgres
from tests.integrations.faults.processes import PrivateRedis, Workers, all_sent, wait_for

pytestmark = on_postgres

LIMIT = 10  # calls per rolling 10 s


def busiest_window(stamps: list[datetime]) -> int:
    """The most calls in any 10-second window."""
    stamps = sorted(stamps)
    return max(
        (sum(1 for other in stamps if start <= other < start + timedelta(seconds=10)))
        for start in stamps
    )


def sent_by(log: str) -> int:
    """Entries a worker's sync tasks sent, from the results it logs."""
    results = re.findall(r"sync_outbox\[[^\]]+\] succeeded in [\d.]+s: (\{.*\})", log)
    return sum(int(ast.literal_eval(result)["sent"]) for result in results)


def test_two_workers_stay_within_one_shared_rate_limit(
    worker_sandbox: SandboxServer,
    private_redis: PrivateRedis,
    workers: Callable[..., Workers],
) -> None:
    crm_provision()
    accounts = AccountFactory.create_batch(2)
    for i in range(120):
        ChampionFactory(account=accounts[i % 2], user=None)
    crm_mark_all()
    worker_sandbox.set_faults(rate_limit=LIMIT)
    worker_sandbox.limiter.reset()  # provisioning's calls do not count against the workers
    before = len(worker_sandbox.calls())

    group = workers(private_redis.url(), HUBSPOT_RATE_LIMIT=str(LIMIT), FAULTS_BATCH_SIZE="5")
    group.start("one")
    group.start("two")
    group.wait_ready("one", "two")
    group.queue_sync("nudge")
    group.queue_sync("beat")  # one task each: both workers sync at the same time
    wait_for(all_sent, 50, "every entry to be sent")
    wait_for(
        lambda: all(" succeeded in " in group.log(name) for name in ("one", "two")),
        10,
        "both workers to log their results",
    )

    calls = worker_sandbox.calls()[before:]
    assert [c for c in calls if c["status"] == 429] == [], "HubSpot never refused a call"
    stamps = [datetime.fromisoformat(c["timestamp"]) for c in calls]
    assert busiest_window(stamps) <= LIMIT
    upserts = [c for c in calls if c["path"] == "/crm/v3/objects/contacts/batch/upsert"]
    assert len(upserts) == 24, "waiting for the limit never made a batch go twice"
    assert sent_by(group.log("one")) > 0 and sent_by(group.log("two")) > 0, "both workers sent"
    contacts = worker_sandbox.objects("contacts")
    assert len(contacts) == len({c["properties"]["email"] for c in contacts}) == 120
    assert all(c.crm_id for c in Champion.objects.all())
