"""The admin integration page and the CRM outbox changelist."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.crm.admin import crm_panel
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.outbox import crm_mark_dirty
from integrations.crm.services import crm_redrive
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import ChampionFactory, StaffFactory
from tests.integrations.conftest import FAST, sync

pytestmark = pytest.mark.django_db

PAGE = "/admin/crm/integration/"


def test_page_says_not_connected_without_a_token(
    admin_client_logged_in: Any, settings: Any
) -> None:
    settings.HUBSPOT_ACCESS_TOKEN = ""
    response = admin_client_logged_in.get(PAGE)
    assert response.status_code == 200
    assert "not connected" in response.content.decode()


def test_page_shows_counts_rate_limit_and_errors_and_its_buttons_work(
    admin_client_logged_in: Any, portal: SandboxServer
) -> None:
    good, bad = ChampionFactory(), ChampionFactory(email="x@localhost")
    crm_mark_dirty(champion_ids=[good.pk, bad.pk])
    sync()
    page = admin_client_logged_in.get(PAGE).content.decode()
    assert "HubSpot: connected" in page
    assert "of 1000 calls in the last 10 s" in page
    assert "x@localhost" in page  # the dead entry's message under recent errors
    redrive = admin_client_logged_in.post(PAGE, {"action": "redrive"}, follow=True)
    assert "1 dead entries are due again." in redrive.content.decode()
    assert OutboxEntry.objects.filter(status=OutboxStatus.DEAD).count() == 0
    synced = admin_client_logged_in.post(PAGE, {"action": "sync"}, follow=True)
    assert "A sync pass is on its way." in synced.content.decode()
    assert OutboxEntry.objects.get(object_id=bad.pk).status == OutboxStatus.DEAD  # refused again
    provisioned = admin_client_logged_in.post(PAGE, {"action": "provision"}, follow=True)
    assert "Provisioned: nothing to change." in provisioned.content.decode()


def test_people_without_the_permission_cannot_act(client: Any) -> None:
    client.force_login(StaffFactory(email="viewer@example.com"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "redrive"}).status_code == 403


def test_outbox_changelist_filters_by_object_and_the_panel_links_there(
    admin_client_logged_in: Any,
) -> None:
    champion = ChampionFactory(crm_id="123")
    crm_mark_dirty(champion_ids=[champion.pk])
    panel = crm_panel(champion)
    assert "CRM id 123" in panel and "Pending" in panel
    url = reverse("admin:crm_outboxentry_changelist")
    response = admin_client_logged_in.get(
        url, {"object_type__exact": ObjectType.CONTACT, "q": champion.pk}
    )
    assert response.status_code == 200 and response.context["cl"].result_count == 1
    entry = OutboxEntry.objects.get()
    assert (
        admin_client_logged_in.get(
            reverse("admin:crm_outboxentry_delete", args=[entry.pk])
        ).status_code
        == 403
    )


def test_bad_input_shows_on_the_page_and_in_the_log_and_the_entries_wait(
    admin_client_logged_in: Any, portal: SandboxServer, settings: Any, caplog: Any
) -> None:
    """A wrong token, an unreachable HubSpot, a record HubSpot refuses: each says what is
    wrong where the team looks, and nothing local changes."""
    champion = ChampionFactory(full_name="Ada Lovelace")
    refused = ChampionFactory(email="someone@localhost")
    crm_mark_dirty(champion_ids=[champion.pk])
    token, settings.HUBSPOT_ACCESS_TOKEN = settings.HUBSPOT_ACCESS_TOKEN, "wrong-token"
    sync(seconds=2)
    page = admin_client_logged_in.get(PAGE).content.decode()
    assert "Last error" in page and "HubSpot 401" in page
    assert "refused our credentials" in caplog.text

    settings.HUBSPOT_ACCESS_TOKEN, api_base = token, settings.HUBSPOT_API_BASE
    settings.HUBSPOT_API_BASE = "http://127.0.0.1:9"
    crm_redrive()
    OutboxEntry.objects.update(next_attempt_at=timezone.now())  # past the token's wait
    sync(policy=replace(FAST, backoff_base=60.0, backoff_cap=60.0), seconds=2)
    page = admin_client_logged_in.get(PAGE).content.decode()
    assert "HubSpot did not answer" in page  # under recent errors, with the next attempt
    assert "CRM unavailable" in caplog.text

    settings.HUBSPOT_API_BASE = api_base
    crm_mark_dirty(champion_ids=[refused.pk])
    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    sync()
    page = admin_client_logged_in.get(PAGE).content.decode()
    assert "someone@localhost" in page and "The CRM refused Contact (champion)" in caplog.text
    champion.refresh_from_db()
    assert champion.full_name == "Ada Lovelace" and champion.crm_id  # sent once HubSpot was back
    assert OutboxEntry.objects.get(object_id=refused.pk).status == OutboxStatus.DEAD
