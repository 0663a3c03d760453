"""Two champions at two accounts: A never reaches B's things and never sees B's email."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions import services
from champions.models import ConsentMethod, ConsentRecord, GuildVisibility, Membership
from tests.factories import GuildFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_has_things(champion_b: Any, consent_texts: Any) -> dict[str, Any]:
    shared = GuildFactory(name="Shared guild", slug="shared")
    hidden = GuildFactory(
        name="B's hidden guild", slug="b-hidden", visibility=GuildVisibility.HIDDEN
    )
    MembershipFactory(guild=shared, champion=champion_b)
    MembershipFactory(guild=hidden, champion=champion_b)
    services.consent_grant(
        champion=champion_b,
        scope="quote",
        method=ConsentMethod.PORTAL,
        actor=champion_b.user,
        note="B's private note",
    )
    issued = services.champion_invite(
        account=champion_b.account,
        email="friend.of.bob@globex.example",
        full_name="Friend Of Bob",
        invited_by_champion=champion_b,
    )
    return {"shared": shared, "hidden": hidden, "invitation": issued.invitation}


PAGES = [
    "portal:home",
    "portal:welcome",
    "portal:guilds",
    "portal:invite",
    "portal:privacy",
    "portal:profile",
    "portal:notifications",
]


@pytest.mark.parametrize("name", PAGES)
def test_a_never_sees_bs_email_or_invitees(
    client_a: Client, champion_b: Any, b_has_things: Any, name: str
) -> None:
    page = client_a.get(reverse(name)).content.decode()
    assert champion_b.email not in page
    assert "friend.of.bob" not in page
    assert "Friend Of Bob" not in page
    assert "B's hidden guild" not in page


def test_guild_page_shows_members_by_name_and_title_never_email(
    client_a: Client, champion_a: Any, champion_b: Any, b_has_things: Any
) -> None:
    page = client_a.get(reverse("portal:guild", args=["shared"])).content.decode()
    assert champion_b.full_name in page
    assert champion_b.title in page
    assert champion_b.email not in page
    assert champion_b.account.domain not in page


def test_bs_hidden_guild_is_404_for_a_everywhere(
    client_a: Client, champion_a: Any, b_has_things: Any
) -> None:
    assert client_a.get(reverse("portal:guild", args=["b-hidden"])).status_code == 404
    assert client_a.post(reverse("portal:guild_join", args=["b-hidden"])).status_code == 404
    assert client_a.post(reverse("portal:guild_leave", args=["b-hidden"])).status_code == 404
    assert not Membership.objects.filter(champion=champion_a).exists()


def test_a_cannot_touch_bs_consents_or_data(
    client_a: Client, champion_a: Any, champion_b: Any, b_has_things: Any
) -> None:
    client_a.post(reverse("portal:consent_withdraw", args=["quote"]))
    latest = ConsentRecord.objects.filter(champion=champion_b, scope="quote").first()
    assert latest is not None and latest.granted  # B's consent is untouched
    page = client_a.get(reverse("portal:privacy")).content.decode()
    assert "B's private note" not in page
    export = json.loads(client_a.get(reverse("portal:export")).content)
    text = json.dumps(export)
    assert champion_b.email not in text
    assert champion_b.full_name not in text
    assert "B's private note" not in text
    assert all(c["champion_id"] == champion_a.pk for c in export["consents"])


def test_unknown_consent_scope_is_404(client_a: Client, b_has_things: Any) -> None:
    assert client_a.post(reverse("portal:consent_grant", args=["everything"])).status_code == 404


def test_buddy_request_cannot_name_someone_the_portal_did_not_suggest(
    client_a: Client, champion_a: Any, champion_b: Any, b_has_things: Any
) -> None:
    response = client_a.post(reverse("portal:buddy_request"), {"suggestion": champion_b.pk})
    assert response.status_code == 404


def test_forms_never_write_account_state_or_crm_id(
    client_a: Client, champion_a: Any, champion_b: Any
) -> None:
    before = (champion_a.account_id, champion_a.state, champion_a.crm_id, champion_a.tier)
    client_a.post(
        reverse("portal:profile"),
        {
            "title": "New title",
            "expertise": "close",
            "timezone": "Europe/Berlin",
            "account": champion_b.account_id,
            "state": "alumni",
            "crm_id": "999",
            "tier": "ambassador",
            "email": "hijack@example.com",
            "user": champion_b.user_id,
        },
    )
    champion_a.refresh_from_db()
    assert champion_a.title == "New title"
    after = (champion_a.account_id, champion_a.state, champion_a.crm_id, champion_a.tier)
    assert after == before
    assert champion_a.email == "ada@acme.example"
    assert champion_a.user.email == "ada@acme.example"


def test_b_cannot_claim_or_complete_as_a(
    client_a: Client, client_b: Client, champion_a: Any
) -> None:
    from programs.recognition.models import GoodFirstContribution

    task = GoodFirstContribution.objects.create(title="Write a tip")
    assert client_a.post(reverse("portal:claim_contribution", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.claimed_by_id == champion_a.pk
    # B can neither claim it again nor complete A's task.
    assert client_b.post(reverse("portal:claim_contribution", args=[task.pk])).status_code == 404
    assert client_b.post(reverse("portal:complete_contribution", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.claimed_by_id == champion_a.pk and task.done_at is None
