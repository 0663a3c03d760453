"""The sync as workers run it, outside any transaction: each batch goes out on a sender thread
while the next one is claimed and mapped (on SQLite, or inside a transaction, the same steps
run one after the other; the other tests of the sync cover those)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.services import crm_mark_all, crm_sync
from integrations.crm.sync import SyncEngine
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import AccountFactory, ChampionFactory
from tests.integrations.conftest import contacts_by_email, sync

pytestmark = pytest.mark.django_db(transaction=True)  # the sender thread sees committed rows


def test_batches_in_flight_while_the_next_is_mapped_lose_nothing(portal: SandboxServer) -> None:
    account = AccountFactory()
    champions = ChampionFactory.create_batch(249, account=account, user=None)
    refused = ChampionFactory(account=account, user=None, email="someone@localhost")
    crm_mark_all()

    counts = sync()

    upserts = portal.calls("/crm/v3/objects/contacts/batch/upsert")
    assert sorted(len(c["body"]["inputs"]) for c in upserts) == [50, 100, 100]
    assert (counts.sent, counts.failed, counts.api_calls) == (250, 1, 4)
    assert set(contacts_by_email(portal)) == {c.email for c in champions}
    dead = OutboxEntry.objects.get(object_type=ObjectType.CONTACT, object_id=refused.pk)
    assert dead.status == OutboxStatus.DEAD and "someone@localhost" in dead.last_error
    sent = OutboxEntry.objects.filter(status=OutboxStatus.SENT, claimed_until__isnull=True)
    assert sent.count() == 250  # 249 contacts and the company, none left claimed

    crm_mark_all()  # the nightly refresh: only the refused contact costs a call (refused again)
    again = sync()
    assert (again.sent, again.unchanged, again.failed, again.api_calls) == (0, 250, 1, 1)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="several workers are a PostgreSQL feature (on SQLite crm_sync runs one)",
)
def test_workers_starting_together_send_a_part_batch_in_one_call(
    portal: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six workers claim 60 due contacts (under one batch) at the same moment: one claim takes
    them all and the others find none, instead of each skipping only the rows locked so far
    and sending a sliver of its own."""
    account = AccountFactory()
    ChampionFactory.create_batch(60, account=account, user=None)
    crm_mark_all()
    claim = SyncEngine._claim
    start = threading.Barrier(6)
    started = threading.local()

    def claim_together(engine: SyncEngine, object_type: str, limit: int) -> list[OutboxEntry]:
        if not getattr(started, "done", False):  # each worker's first claim waits for all
            started.done = True
            start.wait(timeout=10)
        return claim(engine, object_type, limit)

    monkeypatch.setattr(SyncEngine, "_claim", claim_together)
    for _ in range(5):
        OutboxEntry.objects.update(status=OutboxStatus.PENDING, last_hash="")
        before = len(portal.calls("/crm/v3/objects/contacts/batch/"))
        start.reset()
        started.__dict__.clear()
        counts = crm_sync(trigger="test", workers=6)

        batches = portal.calls("/crm/v3/objects/contacts/batch/")[before:]
        assert [len(c["body"]["inputs"]) for c in batches] == [60]
        assert (counts.sent, counts.api_calls) == (61, 2)  # 60 contacts and their company
