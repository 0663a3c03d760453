"""Erasure reaches HubSpot (GDPR delete) and the download shows what the CRM was sent."""

from __future__ import annotations

import pytest

from champions.privacy import champion_erase, champion_export
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.outbox import crm_mark_dirty
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import ChampionFactory
from tests.integrations.conftest import contacts_by_email, sync

pytestmark = pytest.mark.django_db


def test_erasing_a_champion_gdpr_deletes_their_contact(portal: SandboxServer) -> None:
    champion = ChampionFactory(email="ada@acme.example", private_notes="not for anyone")
    other = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk, other.pk])
    sync()
    crm_id = contacts_by_email(portal)["ada@acme.example"]["id"]
    champion_erase(champion=champion, actor=None)
    sync()
    assert portal.get_object("contacts", crm_id) is None  # gone, not archived
    assert set(contacts_by_email(portal)) == {other.email}
    (purge,) = portal.calls("/crm/v3/objects/contacts/gdpr-delete")
    assert purge["body"] == {"objectId": crm_id}
    erasure = OutboxEntry.objects.get(object_type=ObjectType.ERASURE, object_id=champion.pk)
    assert erasure.status == OutboxStatus.SENT and erasure.data == {}
    # Later changes to the erased record never create the contact again.
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    assert set(contacts_by_email(portal)) == {other.email}


def test_the_download_shows_what_the_crm_was_sent(portal: SandboxServer) -> None:
    champion = ChampionFactory(tier="advocate", private_notes="never exported to the CRM")
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    (crm,) = champion_export(champion=champion)["sections"]["crm"]
    assert crm["crm"] == "HubSpot" and crm["status"] == "sent" and crm["crm_id"]
    assert crm["properties"]["champions_tier"] == "advocate"
    assert "never exported" not in str(crm)
