"""The sync as workers run it, outside any transaction: each batch goes out on a sender thread
while the next one is claimed and mapped (on SQLite, or inside a transaction, the same steps
run one after the other; the other tests of the sync cover those)."""

from __future__ import annotations

import pytest

from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.services import crm_mark_all
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
