"""Outbound sync: the official client against the sandbox over HTTP, failures included."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import hubspot
import pytest
from django.utils import timezone
from hubspot.crm import deals as hs_deals

from champions import services
from champions.models import (
    Activity,
    ActivityKind,
    ActivitySource,
    AdoptionFigure,
    Champion,
    ChampionState,
    ConsentMethod,
    ConsentScope,
    MembershipRole,
)
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus, SyncState
from integrations.crm.outbox import crm_mark_dirty
from integrations.crm.ports import ContactRecord, RecordOutcome
from integrations.crm.services import crm_mark_all, crm_redrive, crm_sync
from integrations.crm.sync import SyncEngine
from integrations.hubspot.gateway import build_gateway
from integrations.hubspot.sandbox import SandboxServer
from programs.references.models import ActivityType, Attribution, Deal, ReferenceRequest
from tests.factories import (
    AccountFactory,
    ChampionFactory,
    ConsentTextFactory,
    GuildFactory,
    UserFactory,
)
from tests.integrations.conftest import FAST, TOKEN, contacts_by_email, sync

pytestmark = pytest.mark.django_db


def entry(object_type: str, object_id: int) -> OutboxEntry:
    return OutboxEntry.objects.get(object_type=object_type, object_id=object_id)


def hubspot_deal(server: SandboxServer, name: str) -> str:
    client = hubspot.Client.create(access_token=TOKEN, host=server.url)
    made = client.crm.deals.basic_api.create(
        hs_deals.SimplePublicObjectInputForCreate(properties={"dealname": name})
    )
    return str(made.id)


def attribute(champion: Champion, deal: Deal, kind: str = ActivityType.CALL) -> Attribution:
    """A fulfilled reference request for the deal and its attribution (as request_complete
    leaves them), with the gave-reference activity the metrics count."""
    at = timezone.now() - timedelta(days=3)
    request = ReferenceRequest.objects.create(
        requested_by=UserFactory(),
        deal=deal,
        prospect_company="Prospect",
        champion=champion,
        prospect_industry="software",
        prospect_region="emea",
        prospect_size_band="200-999",
        activity_type=kind,
        offer_due_at=at,
        status="completed",
        outcome="held",
        completed_at=at,
        fulfilled_at=at,
    )
    Activity.objects.create(
        champion=champion,
        kind=ActivityKind.GAVE_REFERENCE,
        level=3,
        occurred_at=at,
        source=ActivitySource.ADMIN,
    )
    return Attribution.objects.create(
        request=request, champion=champion, deal=deal, type=kind, date=at
    )


def writes(server: SandboxServer) -> list[dict[str, Any]]:
    return server.write_calls()


# --- full, incremental, unchanged ---------------------------------------------------------


def test_full_sync_sends_every_object_in_batches_and_stores_crm_ids(portal: SandboxServer) -> None:
    account = AccountFactory(name="Acme", domain="acme.example")
    ada = ChampionFactory(
        account=account,
        email="Ada@Acme.example",
        full_name="Ada Lovelace",
        tier="ambassador",
        private_notes="never to the CRM",
    )
    bob = ChampionFactory(account=account, email="bob@acme.example", full_name="Bob Jones")
    guild = GuildFactory(name="Finance automation")
    services.guild_set_role(guild=guild, champion=ada, role=MembershipRole.LEAD)
    ConsentTextFactory(scope=ConsentScope.REFERENCE_CALL)
    ConsentTextFactory(scope=ConsentScope.QUOTE)
    for scope in (ConsentScope.REFERENCE_CALL, ConsentScope.QUOTE):
        services.consent_grant(champion=ada, scope=scope, method=ConsentMethod.PORTAL, actor=None)
    services.activity_record(
        kind=ActivityKind.ATTENDED_EVENT,
        source=ActivitySource.PORTAL,
        champion=bob,
        occurred_at=timezone.now() - timedelta(days=40),
    )
    AdoptionFigure.objects.create(
        account=account,
        date=timezone.now().date(),
        metric="weekly_active_users",
        value=Decimal(42),
        source="api",
    )
    deal = Deal.objects.create(
        name="Big deal",
        account=account,
        amount=Decimal(50000),
        crm_id=hubspot_deal(portal, "Big deal"),
    )
    attribute(ada, deal)
    portal._log.clear()

    crm_mark_all()
    counts = sync()

    assert (counts.sent, counts.failed) == (5, 0)  # 2 contacts, 1 company, 1 deal, 1 link
    paths = [c["path"] for c in writes(portal)]
    assert paths == [
        "/crm/v3/objects/contacts/batch/upsert",
        "/crm/v3/objects/companies/batch/upsert",
        "/crm/v3/objects/deals/batch/update",
        "/crm/v4/associations/deals/contacts/batch/create",
    ]
    contacts = contacts_by_email(portal)
    props = contacts["ada@acme.example"]["properties"]
    assert props["champions_status"] == "active"
    assert props["champions_tier"] == "ambassador"
    assert props["champions_level"] == "leader"  # led a guild (and gave a reference)
    assert props["champions_guilds"] == "Finance automation"
    assert props["champions_consent_scopes"] == "reference_call;quote"
    assert props["champions_reference_availability"] in ("available", "cooldown", "at_cap")
    assert props["champions_references_given"] == "1"
    assert "never" not in " ".join(v or "" for v in props.values())
    assert float(props["champions_engagement_score"]) == 8 + 4  # led guild (8) + reference (4)
    assert contacts["bob@acme.example"]["properties"]["champions_engagement_score"] == "1"
    company = portal.objects("companies")[0]["properties"]
    assert company["champions_account_id"] == str(account.pk)
    assert company["champions_champion_count"] == "2"
    assert company["champions_active_champions"] == "2"
    assert company["champions_events_attended_90d"] == "1"
    assert company["champions_weekly_active_users"] == "42"
    assert company["champions_highest_level"] == "leader"
    deal_props = portal.get_object("deals", deal.crm_id)["properties"]  # type: ignore[index]
    assert deal_props["champions_influenced"] == "true"
    assert deal_props["champions_reference_champions"] == "Ada Lovelace"
    assert deal_props["champions_reference_types"] == "call"
    links = [a for a in portal.associations() if a["fromObjectType"] == "deals"]
    ada.refresh_from_db()
    assert {(a["fromObjectId"], a["toObjectId"]) for a in links} == {(deal.crm_id, ada.crm_id)}
    assert {a["typeId"] for a in links} >= {
        portal.store.associations.list_types("deals", "contacts")[-1].type_id
    }  # the "Reference" label
    account.refresh_from_db()
    assert ada.crm_id == contacts["ada@acme.example"]["id"]
    assert account.crm_id == portal.objects("companies")[0]["id"]
    assert OutboxEntry.objects.exclude(status=OutboxStatus.SENT).count() == 0
    assert SyncState.objects.get().last_counts["sent"] == 5


def test_batches_hold_at_most_one_hundred_and_calls_are_minimal(portal: SandboxServer) -> None:
    account = AccountFactory()
    ChampionFactory.create_batch(250, account=account, user=None)
    crm_mark_all()
    counts = sync()
    upserts = portal.calls("/crm/v3/objects/contacts/batch/upsert")
    assert [len(c["body"]["inputs"]) for c in upserts] == [100, 100, 50]
    assert counts.sent == 251 and counts.api_calls == 4  # 3 contact batches + 1 company
    assert len(portal.objects("contacts")) == 250


def test_incremental_sync_sends_only_what_changed(portal: SandboxServer) -> None:
    champions = ChampionFactory.create_batch(5)
    crm_mark_all()
    sync()
    portal._log.clear()
    changed = champions[2]
    ConsentTextFactory(scope=ConsentScope.LOGO)
    services.consent_grant(
        champion=changed, scope=ConsentScope.LOGO, method=ConsentMethod.PORTAL, actor=None
    )
    counts = sync()
    (call,) = writes(portal)
    assert call["path"] == "/crm/v3/objects/contacts/batch/update"  # by id: it is known now
    assert [i["id"] for i in call["body"]["inputs"]] == [Champion.objects.get(pk=changed.pk).crm_id]
    assert counts.sent == 1
    assert (
        contacts_by_email(portal)[changed.email]["properties"]["champions_consent_scopes"] == "logo"
    )


def test_no_change_means_zero_write_calls(portal: SandboxServer) -> None:
    ChampionFactory.create_batch(3)
    crm_mark_all()
    sync()
    portal._log.clear()
    crm_mark_all()  # the nightly refresh: everything re-checked
    counts = sync()
    assert writes(portal) == []
    assert counts.api_calls == 0 and counts.unchanged == 6


# --- failures -----------------------------------------------------------------------------


def test_partial_207_marks_only_the_refused_record_dead_with_hubspots_message(
    portal: SandboxServer,
) -> None:
    good = ChampionFactory.create_batch(2)
    bad = ChampionFactory(email="someone@localhost")  # HubSpot refuses an email without a dot
    crm_mark_dirty(champion_ids=[c.pk for c in [*good, bad]])
    counts = sync()
    assert counts.sent == 2 and counts.failed == 1
    dead = entry(ObjectType.CONTACT, bad.pk)
    assert dead.status == OutboxStatus.DEAD
    assert "INVALID_EMAIL" in dead.last_error or "invalid" in dead.last_error.lower()
    assert "someone@localhost" in dead.last_error
    assert set(contacts_by_email(portal)) == {c.email for c in good}
    assert all(entry(ObjectType.CONTACT, c.pk).status == OutboxStatus.SENT for c in good)


def test_429_waits_what_hubspot_says_then_succeeds(portal: SandboxServer) -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    portal.script(
        429,
        headers={"X-HubSpot-RateLimit-Interval-Milliseconds": "700"},
        path_prefix="/crm/v3/objects/contacts",
    )
    counts = sync()
    refused, accepted = portal.calls("/crm/v3/objects/contacts")
    assert refused["status"] == 429 and accepted["status"] == 200
    waited = _seconds(accepted["timestamp"]) - _seconds(refused["timestamp"])
    assert waited >= 0.7
    sent = entry(ObjectType.CONTACT, champion.pk)
    assert sent.status == OutboxStatus.SENT and sent.attempts == 0  # a 429 costs no attempt
    assert counts.retried == 1 and counts.sent == 1
    assert contacts_by_email(portal)[champion.email]["properties"]["champions_status"] == "active"


def test_429_with_retry_after_waits_that_long(portal: SandboxServer) -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    portal.script(429, headers={"Retry-After": "1"}, path_prefix="/crm/v3/objects/contacts")
    started = time.monotonic()
    sync()
    assert time.monotonic() - started >= 1.0
    assert entry(ObjectType.CONTACT, champion.pk).status == OutboxStatus.SENT


def test_5xx_and_timeouts_back_off_then_succeed(portal: SandboxServer) -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    portal.script(503, times=2, path_prefix="/crm/v3/objects/contacts")
    portal.script(None, hang_seconds=4, path_prefix="/crm/v3/objects/contacts")  # > read timeout
    counts = sync()
    statuses = [c["status"] for c in portal.calls("/crm/v3/objects/contacts")]
    assert statuses[:2] == [503, 503] and statuses[-1] == 200
    assert counts.retried == 3 and counts.sent == 1
    sent = entry(ObjectType.CONTACT, champion.pk)
    assert sent.status == OutboxStatus.SENT and sent.attempts == 0 and sent.last_error == ""


def test_unreachable_hubspot_backs_off_and_keeps_local_data(settings: Any, portal: Any) -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    settings.HUBSPOT_API_BASE = "http://127.0.0.1:9"  # nothing listens: MaxRetryError
    # A backoff no pass outlasts, however slow the machine: exactly one attempt.
    counts = crm_sync(trigger="test", policy=replace(FAST, backoff_base=60.0, backoff_cap=60.0))
    waiting = entry(ObjectType.CONTACT, champion.pk)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 1
    assert "did not answer" in waiting.last_error
    assert counts.retried == 1 and counts.sent == 0


def test_repeated_failures_end_dead_and_a_redrive_sends_them(portal: SandboxServer) -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    portal.script(502, times=FAST.max_attempts, path_prefix="/crm/v3/objects/contacts")
    sync()
    dead = entry(ObjectType.CONTACT, champion.pk)
    assert dead.status == OutboxStatus.DEAD
    assert dead.last_error.startswith(f"Gave up after {FAST.max_attempts} attempts")
    assert portal.objects("contacts") == []
    assert crm_redrive() == 1
    sync()
    assert entry(ObjectType.CONTACT, champion.pk).status == OutboxStatus.SENT
    assert champion.email in contacts_by_email(portal)


def test_a_refused_token_stops_the_pass_and_the_entries_wait(settings: Any, portal: Any) -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    settings.HUBSPOT_ACCESS_TOKEN = "wrong-token"
    counts = crm_sync(trigger="test", policy=FAST)
    waiting = entry(ObjectType.CONTACT, champion.pk)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0
    assert "401" in waiting.last_error
    assert "401" in SyncState.objects.get().last_error
    assert counts.errors and counts.sent == 0


def test_a_batch_refused_as_a_whole_is_split_to_find_the_culprit(portal: SandboxServer) -> None:
    champions = ChampionFactory.create_batch(4)
    crm_mark_dirty(champion_ids=[c.pk for c in champions])
    portal.script(
        400,
        body={"status": "error", "message": "Invalid input", "category": "VALIDATION_ERROR"},
        path_prefix="/crm/v3/objects/contacts",
    )
    counts = sync()
    sizes = [len(c["body"]["inputs"]) for c in portal.calls("/crm/v3/objects/contacts")]
    assert sizes == [4, 2, 2]
    assert counts.sent == 4


def test_a_change_while_the_batch_is_in_flight_is_sent_again(portal: SandboxServer) -> None:
    champion = ChampionFactory(title="Analyst")
    crm_mark_dirty(champion_ids=[champion.pk])

    class ChangeMidFlight(type(build_gateway())):  # type: ignore[misc]
        def upsert_contacts(self, records: list[ContactRecord]) -> list[RecordOutcome]:
            if not getattr(self, "changed", False):
                self.changed = True
                Champion.objects.filter(pk=champion.pk).update(title="Head of analytics")
                crm_mark_dirty(champion_ids=[champion.pk])
            return super().upsert_contacts(records)

    plain = build_gateway()
    assert plain is not None
    gateway = ChangeMidFlight(plain.connection, rate_limit=1000, keep_contacts=False)
    SyncEngine(gateway, policy=FAST).run()
    assert (
        contacts_by_email(portal)[champion.email]["properties"]["jobtitle"] == "Head of analytics"
    )
    assert len(portal.calls("/crm/v3/objects/contacts")) == 2


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# --- identity -----------------------------------------------------------------------------


def test_a_champion_who_moved_is_one_contact_showing_the_new_record(portal: SandboxServer) -> None:
    old = ChampionFactory(email="ada@old.example")
    crm_mark_dirty(champion_ids=[old.pk])
    sync()
    new_account = AccountFactory()
    moved = services.champion_move_account(champion=old, account=new_account)
    sync()
    (contact,) = portal.objects("contacts")
    assert contact["properties"]["champions_status"] == "active"
    assert contact["properties"]["champions_champion_id"] == str(moved.pk)
    assert entry(ObjectType.CONTACT, old.pk).status == OutboxStatus.SKIPPED
    assert Champion.objects.get(pk=moved.pk).crm_id == contact["id"]
    assert Champion.objects.get(pk=old.pk).state == ChampionState.ALUMNI


def test_deals_without_a_crm_id_are_skipped_with_a_reason(portal: SandboxServer) -> None:
    deal = Deal.objects.create(name="Local only")
    crm_mark_dirty(deal_ids=[deal.pk])
    counts = sync()
    skipped = entry(ObjectType.DEAL, deal.pk)
    assert skipped.status == OutboxStatus.SKIPPED and "no CRM id" in skipped.last_error
    assert counts.api_calls == 0


def test_a_deal_hubspot_no_longer_has_is_skipped_not_retried_forever(
    portal: SandboxServer,
) -> None:
    deal = Deal.objects.create(name="Deleted in HubSpot", crm_id="987654")
    crm_mark_dirty(deal_ids=[deal.pk])
    counts = sync()
    skipped = entry(ObjectType.DEAL, deal.pk)
    assert skipped.status == OutboxStatus.SKIPPED and "no deal with this id" in skipped.last_error
    assert counts.api_calls == 1


def test_a_contact_deleted_in_hubspot_is_found_or_created_again(portal: SandboxServer) -> None:
    champion = ChampionFactory()
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    old_id = Champion.objects.get(pk=champion.pk).crm_id
    with portal._lock:
        portal.store.archive(portal.store.objects["contacts"][old_id], portal.store.now())
    Champion.objects.filter(pk=champion.pk).update(title="Director")  # a change to send
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    new_id = Champion.objects.get(pk=champion.pk).crm_id
    assert new_id and new_id != old_id
    assert contacts_by_email(portal)[champion.email]["id"] == new_id
    assert entry(ObjectType.CONTACT, champion.pk).status == OutboxStatus.SENT
