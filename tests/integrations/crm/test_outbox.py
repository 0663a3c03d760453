"""The outbox: written with the change, nudged on commit, never lost with the broker down."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from champions import services
from champions.errors import DomainError
from champions.models import ActivityKind, ActivitySource, ChampionState
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.outbox import NUDGE_KEY, crm_mark_dirty
from integrations.crm.services import crm_erase_contact, crm_mark_all
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import AccountFactory, ChampionFactory
from tests.integrations.conftest import contacts_by_email, sync

pytestmark = pytest.mark.django_db


def keys() -> set[tuple[str, int]]:
    return set(OutboxEntry.objects.values_list("object_type", "object_id"))


def test_a_change_and_its_entry_commit_or_roll_back_together() -> None:
    champion = ChampionFactory(state=ChampionState.ACTIVE)
    with pytest.raises(DomainError), transaction.atomic():
        services.champion_mark_dormant(champion=champion)
        assert (ObjectType.CONTACT, champion.pk) in keys()
        raise DomainError("the caller fails after the change")
    assert keys() == set()
    champion.refresh_from_db()
    assert champion.state == ChampionState.ACTIVE


def test_services_mark_the_objects_whose_crm_view_changes() -> None:
    champion = ChampionFactory()
    services.activity_record(
        kind=ActivityKind.PAGE_VIEW, source=ActivitySource.PORTAL, champion=champion
    )
    assert keys() == set()  # presence is not engagement: nothing to send
    services.activity_record(
        kind=ActivityKind.ASKED_QUESTION, source=ActivitySource.PORTAL, champion=champion
    )
    assert keys() == {(ObjectType.CONTACT, champion.pk), (ObjectType.COMPANY, champion.account_id)}


def test_marking_again_rearms_but_keeps_a_backoff() -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    first = OutboxEntry.objects.get()
    OutboxEntry.objects.update(status=OutboxStatus.SENT)
    crm_mark_dirty(champion_ids=[champion.pk])
    rearmed = OutboxEntry.objects.get()
    assert rearmed.status == OutboxStatus.PENDING and rearmed.change_token != first.change_token
    later = rearmed.next_attempt_at.replace(year=rearmed.next_attempt_at.year + 1)
    OutboxEntry.objects.update(attempts=3, next_attempt_at=later)
    crm_mark_dirty(champion_ids=[champion.pk])
    backing_off = OutboxEntry.objects.get()
    assert backing_off.attempts == 3 and backing_off.next_attempt_at == later


def test_commit_nudges_a_sync_that_reaches_hubspot(
    portal: SandboxServer, django_capture_on_commit_callbacks: Any
) -> None:
    cache.delete(NUDGE_KEY)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        champion = services.champion_create(
            account=AccountFactory(), email="new@customer.example", full_name="New Person"
        )
    assert callbacks  # the nudge ran after the commit (tasks run in process here)
    assert contacts_by_email(portal)["new@customer.example"]["properties"]["champions_status"] == (
        "invited"
    )
    assert OutboxEntry.objects.get(object_id=champion.pk).status == OutboxStatus.SENT


def test_broker_down_at_commit_time_loses_nothing(
    portal: SandboxServer,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        broker_down(),
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        champion = services.champion_create(
            account=AccountFactory(), email="kept@customer.example", full_name="Kept"
        )
    assert "beat schedule will send it" in caplog.text
    assert OutboxEntry.objects.get(object_id=champion.pk).status == OutboxStatus.PENDING
    sync()  # what the beat schedule does a minute later
    assert "kept@customer.example" in contacts_by_email(portal)


@contextmanager
def broker_down() -> Iterator[None]:
    """Tasks are published (not run in process) to a broker nobody listens on. The app's
    cached connection pools are dropped before and after, so nothing reaches a real broker."""
    from config.celery import app

    def drop_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # a closed port
    drop_pools()
    assert app.connection_for_write().as_uri().endswith("@127.0.0.1:1/0")
    cache.delete(NUDGE_KEY)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        drop_pools()


def test_erasure_gdpr_deletes_the_contact_and_forgets_the_address(portal: SandboxServer) -> None:
    champion = ChampionFactory(email="gone@customer.example")
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    assert "gone@customer.example" in contacts_by_email(portal)
    crm_erase_contact(champion.pk)
    champion.email, champion.full_name = f"erased-{champion.pk}@invalid", "Erased"
    champion.erased_at = champion.created_at
    champion.save()
    sync()
    assert portal.objects("contacts") == []  # purged, not archived
    assert portal.objects("contacts", archived=True) == []
    (purge,) = portal.calls("/crm/v3/objects/contacts/gdpr-delete")
    assert purge["status"] == 204
    erasure = OutboxEntry.objects.get(object_type=ObjectType.ERASURE)
    assert erasure.status == OutboxStatus.SENT and erasure.data == {}
    assert OutboxEntry.objects.get(object_type=ObjectType.CONTACT).status == OutboxStatus.SKIPPED


def test_an_erasure_that_died_in_an_outage_is_done_after_the_nightly_refresh(
    portal: SandboxServer, settings: Any
) -> None:
    champion = ChampionFactory(email="gone@customer.example")
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    crm_erase_contact(champion.pk)
    api_base, settings.HUBSPOT_API_BASE = settings.HUBSPOT_API_BASE, "http://127.0.0.1:9"
    sync(seconds=10)  # HubSpot unreachable: every attempt fails until the entry is dead
    erasure = OutboxEntry.objects.get(object_type=ObjectType.ERASURE)
    assert erasure.status == OutboxStatus.DEAD and "did not answer" in erasure.last_error
    settings.HUBSPOT_API_BASE = api_base

    crm_mark_all()
    sync()

    assert "gone@customer.example" not in contacts_by_email(portal)
    assert OutboxEntry.objects.get(object_type=ObjectType.ERASURE).status == OutboxStatus.SENT


def test_erasure_of_a_never_synced_champion_deletes_by_email(portal: SandboxServer) -> None:
    champion = ChampionFactory(email="elsewhere@customer.example")
    other = ChampionFactory()
    crm_mark_dirty(champion_ids=[other.pk])
    sync()
    portal.store.create("contacts", {"email": "elsewhere@customer.example"}, portal.store.now())
    crm_erase_contact(champion.pk)
    sync()
    assert set(contacts_by_email(portal)) == {other.email}
    (purge,) = portal.calls("/crm/v3/objects/contacts/gdpr-delete")
    assert purge["body"] == {"objectId": "elsewhere@customer.example", "idProperty": "email"}


def test_erasure_can_keep_the_contact_and_blank_our_properties(
    portal: SandboxServer, settings: Any
) -> None:
    settings.HUBSPOT_KEEP_CONTACT_ON_ERASURE = True
    champion = ChampionFactory(email="kept@customer.example", tier="advocate")
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    crm_erase_contact(champion.pk)
    sync()
    props = contacts_by_email(portal)["kept@customer.example"]["properties"]
    assert props["champions_tier"] == "" and props["champions_status"] == ""
    assert portal.calls("/crm/v3/objects/contacts/gdpr-delete") == []
