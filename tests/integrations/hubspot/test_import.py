"""Import: cursor paging through everything, search paging for modified-since, linking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from champions.models import Account, Champion
from integrations.crm.models import ObjectType, OutboxEntry
from integrations.crm.services import crm_import
from integrations.hubspot.sandbox import SandboxServer
from programs.references.models import Attribution, Deal
from tests.factories import AccountFactory, ChampionFactory

pytestmark = pytest.mark.django_db


def seed(server: SandboxServer, kind: str, rows: list[dict[str, str]]) -> list[str]:
    store = server.store
    with server._lock:
        return [store.create(kind, store.check_values(kind, r, None), store.now()).id for r in rows]


def test_import_pages_through_every_contact_and_links_champions(portal: SandboxServer) -> None:
    champions = [ChampionFactory(email=f"p{i}@acme.example") for i in range(0, 250, 10)]
    ids = seed(portal, "contacts", [{"email": f"P{i}@acme.example"} for i in range(250)])
    report = crm_import(types=("contact",))
    pages = portal.calls("/crm/v3/objects/contacts", method="GET")
    assert [len(p["query"].get("after", [])) for p in pages] == [0, 1, 1]  # 3 pages by cursor
    assert report.counts["contact"].seen == 250 and report.counts["contact"].linked == 25
    linked = dict(Champion.objects.values_list("email", "crm_id"))
    assert linked[champions[3].email] == ids[30]
    assert OutboxEntry.objects.filter(object_type=ObjectType.CONTACT).count() == 25


def test_import_links_companies_by_our_id_then_domain_and_mirrors_deals(
    portal: SandboxServer,
) -> None:
    ours, by_domain = AccountFactory(), AccountFactory(domain="globex.example")
    taken = AccountFactory(crm_id="keep-me")
    company_ids = seed(
        portal,
        "companies",
        [
            {"name": "Ours", "champions_account_id": str(ours.pk)},
            {"name": "Globex", "domain": "GLOBEX.example"},
            {"name": "Stranger", "domain": "unknown.example"},
        ],
    )
    (deal_id,) = seed(
        portal,
        "deals",
        [
            {
                "dealname": "Expansion",
                "amount": "1200.50",
                "dealstage": "closedwon",
                "closedate": "2026-03-01",
            }
        ],
    )
    with portal._lock:
        kinds = portal.store.associations
        kinds.add(
            "deals", deal_id, "companies", company_ids[1], kinds.default_type("deals", "companies")
        )
    report = crm_import()
    assert Account.objects.get(pk=ours.pk).crm_id == company_ids[0]
    assert Account.objects.get(pk=by_domain.pk).crm_id == company_ids[1]
    assert Account.objects.get(pk=taken.pk).crm_id == "keep-me"
    deal = Deal.objects.get(crm_id=deal_id)
    assert (deal.name, str(deal.amount), deal.is_closed, deal.is_won) == (
        "Expansion",
        "1200.50",
        True,
        True,
    )
    assert deal.account_id == by_domain.pk
    assert report.counts["deal"].created == 1
    again = crm_import()
    assert again.counts["deal"].created == 0 and again.counts["deal"].updated == 0
    assert not Attribution.objects.exists()
    assert not OutboxEntry.objects.filter(object_type=ObjectType.DEAL).exists()


def test_import_since_a_date_searches_by_modification_time(portal: SandboxServer) -> None:
    old_clock = portal.store.clock
    past = timezone.now() - timedelta(days=30)
    portal.store.clock, portal.store._last_now = (lambda: past), past - timedelta(seconds=1)
    seed(portal, "contacts", [{"email": "old@acme.example"}])
    portal.store.clock = old_clock
    seed(portal, "contacts", [{"email": f"new{i}@acme.example"} for i in range(3)])
    ChampionFactory(email="new1@acme.example")
    ChampionFactory(email="old@acme.example")
    report = crm_import(since=timezone.now() - timedelta(days=1), types=("contact",))
    (search,) = portal.calls("/crm/v3/objects/contacts/search")
    assert search["body"]["filterGroups"][0]["filters"][0]["operator"] == "GTE"
    assert report.counts["contact"].seen == 3 and report.counts["contact"].linked == 1
    assert Champion.objects.get(email="old@acme.example").crm_id == ""


def test_the_command_prints_what_it_did(portal: SandboxServer, capsys: Any) -> None:
    seed(portal, "contacts", [{"email": "a@acme.example"}])
    call_command("hubspot_import", "--since", "2000-01-01")
    out = capsys.readouterr().out
    assert "contact: 1 read, 0 linked" in out and "API calls" in out
