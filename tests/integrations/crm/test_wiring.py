"""Changes made in the admin and through the reference program reach HubSpot: the contact,
company and deal in the sandbox show them after a sync pass, and each change page shows
its CRM panel. Program managers run the integration page through their role alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.forms import ModelMultipleChoiceField, MultiWidget
from django.urls import reverse
from django.utils import timezone

from champions.models import Account, Champion
from champions.roles import Role
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.outbox import crm_mark_dirty
from integrations.hubspot.sandbox import SandboxServer
from programs.references import services
from programs.references.models import ActivityType, Deal, RequestOutcome
from tests.factories import AccountFactory, ChampionFactory, StaffFactory, UserFactory
from tests.integrations.conftest import contacts_by_email, sync
from tests.integrations.crm.test_sync import hubspot_deal
from tests.programs.references.factories import grant

pytestmark = pytest.mark.django_db

PAGE = "/admin/crm/integration/"


@pytest.fixture(autouse=True)
def _admin_without_mfa(settings: Any) -> None:
    # The MFA gate in front of the admin has its own tests; these are about the pages behind it.
    settings.ADMIN_REQUIRE_MFA = False


def contact(server: SandboxServer, champion: Champion) -> dict[str, str]:
    properties: dict[str, str] = contacts_by_email(server)[champion.email.lower()]["properties"]
    return properties


def form_data(response: Any) -> dict[str, Any]:
    """What the browser sends back for the change form as shown (no inline rows)."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        widget = getattr(field.widget, "widget", field.widget)  # inside a related wrapper
        if isinstance(widget, MultiWidget):  # a split date and time
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(field, ModelMultipleChoiceField):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif isinstance(value, list):
            data[name] = "; ".join(value)
        else:
            data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        data[management.add_prefix("TOTAL_FORMS")] = 0
        data[management.add_prefix("INITIAL_FORMS")] = 0
    return data


# --- the admin ----------------------------------------------------------------------------


def test_a_champion_edited_in_the_admin_reaches_the_hubspot_contact(
    admin_client_logged_in: Any, portal: SandboxServer
) -> None:
    champion = ChampionFactory(title="Analyst")
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    url = reverse("admin:champions_champion_change", args=[champion.pk])
    page = admin_client_logged_in.get(url)
    champion.refresh_from_db()
    assert f"CRM id {champion.crm_id} · last sent" in page.content.decode()

    data = {**form_data(page), "title": "Head of operations", "tier": "ambassador"}
    saved = admin_client_logged_in.post(url, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    sync()

    shown = contact(portal, champion)
    assert (shown["jobtitle"], shown["champions_tier"]) == ("Head of operations", "ambassador")


def test_an_account_renamed_in_the_admin_reaches_the_hubspot_company(
    admin_client_logged_in: Any, portal: SandboxServer
) -> None:
    account = AccountFactory(name="Acme", domain="acme.example")
    url = reverse("admin:champions_account_change", args=[account.pk])
    page = admin_client_logged_in.get(url)
    assert "never queued for the CRM" in page.content.decode()

    saved = admin_client_logged_in.post(url, {**form_data(page), "name": "Acme Group"})
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    sync()

    account = Account.objects.get(pk=account.pk)
    company = portal.get_object("companies", account.crm_id)
    assert company is not None and company["properties"]["name"] == "Acme Group"


def test_a_deal_closed_in_the_admin_loses_the_reference_given_after_its_close(
    admin_client_logged_in: Any, portal: SandboxServer
) -> None:
    """A reference counts for a closed deal only up to the close (METRICS.md)."""
    champion = ChampionFactory()
    grant(champion)
    deal = Deal.objects.create(
        name="Renewal", account=AccountFactory(), crm_id=hubspot_deal(portal, "Renewal")
    )
    fulfil(champion, deal)
    sync()
    assert portal.get_object("deals", deal.crm_id)["properties"]["champions_influenced"] == "true"  # type: ignore[index]

    url = reverse("admin:references_deal_change", args=[deal.pk])
    page = admin_client_logged_in.get(url)
    assert f"CRM id {deal.crm_id} · last sent" in page.content.decode()
    closed = (timezone.now() - timedelta(days=30)).strftime("%Y-%m-%d")
    data = {
        **form_data(page),
        "is_closed": "on",
        "is_won": "on",
        "close_date_0": closed,
        "close_date_1": "12:00:00",
    }
    saved = admin_client_logged_in.post(url, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    sync()

    shown = portal.get_object("deals", deal.crm_id)["properties"]  # type: ignore[index]
    assert shown["champions_influenced"] == "false"


# --- the reference program ----------------------------------------------------------------


def fulfil(champion: Champion, deal: Deal) -> None:
    """Request, offer, accept, schedule and hold a reference through the services."""
    request = services.request_create(
        requested_by=UserFactory(), deal=deal, activity_type=ActivityType.CALL
    )
    services.request_offer(request=request, champion=champion, offered_by=None)
    services.request_accept(request=request)
    services.request_schedule(request=request, scheduled_for=timezone.now() - timedelta(hours=2))
    services.request_complete(request=request, outcome=RequestOutcome.HELD)


def test_each_step_of_a_reference_reaches_the_contact_and_the_deal(
    portal: SandboxServer,
) -> None:
    champion = ChampionFactory(full_name="Ada Lovelace")
    grant(champion)
    deal = Deal.objects.create(
        name="Big deal", account=AccountFactory(), crm_id=hubspot_deal(portal, "Big deal")
    )
    request = services.request_create(
        requested_by=UserFactory(), deal=deal, activity_type=ActivityType.CALL
    )
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    assert contact(portal, champion)["champions_reference_availability"] == "available"

    services.request_offer(request=request, champion=champion, offered_by=None)
    services.request_accept(request=request)
    sync()
    assert contact(portal, champion)["champions_reference_availability"] == "busy"

    services.request_complete(request=request, outcome=RequestOutcome.HELD)
    sync()
    shown = contact(portal, champion)
    assert shown["champions_reference_availability"] == "cooldown"
    assert shown["champions_references_given"] == "1"
    on_deal = portal.get_object("deals", deal.crm_id)["properties"]  # type: ignore[index]
    assert (on_deal["champions_references_count"], on_deal["champions_influenced"]) == (
        "1",
        "true",
    )
    assert on_deal["champions_reference_champions"] == "Ada Lovelace"
    champion.account.refresh_from_db()
    company = portal.get_object("companies", champion.account.crm_id)
    assert company is not None
    assert company["properties"]["champions_references_given_12m"] == "1"


def test_pausing_references_reaches_the_contact(portal: SandboxServer) -> None:
    champion = ChampionFactory()
    grant(champion)
    services.champion_pause_references(champion=champion, paused=True)
    sync()
    assert contact(portal, champion)["champions_reference_availability"] == "paused"

    services.champion_pause_references(champion=champion, paused=False)
    services.reference_profile_update(champion=champion, cap_override=0)
    sync()
    assert contact(portal, champion)["champions_reference_availability"] == "at_cap"


# --- who may run the integration ----------------------------------------------------------


def test_a_program_manager_runs_the_integration_page_through_the_role(
    client: Any, portal: SandboxServer
) -> None:
    """The role's group as migrate left it: every app's permissions are in it."""
    manager = StaffFactory(email="pm@example.com")
    manager.groups.add(Group.objects.get(name=Role.PROGRAM_MANAGER))
    champion = ChampionFactory(email="x@localhost")  # HubSpot refuses the address
    crm_mark_dirty(champion_ids=[champion.pk])
    sync()
    client.force_login(manager)

    assert "HubSpot: connected" in client.get(PAGE).content.decode()
    redriven = client.post(PAGE, {"action": "redrive"}, follow=True)
    assert "1 dead entries are due again." in redriven.content.decode()
    entry = OutboxEntry.objects.get(object_type=ObjectType.CONTACT, object_id=champion.pk)
    assert entry.status == OutboxStatus.PENDING
    outbox = reverse("admin:crm_outboxentry_changelist")
    assert client.get(outbox).status_code == 200
    delete = reverse("admin:crm_outboxentry_delete", args=[entry.pk])
    assert client.get(delete).status_code == 403
