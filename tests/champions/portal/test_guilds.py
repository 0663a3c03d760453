"""Guilds in the portal: browse, join, ask to join, leave, and the guild page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions.models import GuildVisibility, Membership, MembershipRole, MembershipStatus
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def guilds(db: None) -> dict[str, Any]:
    return {
        "public": GuildFactory(name="Open Guild", slug="open"),
        "private": GuildFactory(
            name="Private Guild", slug="private", visibility=GuildVisibility.PRIVATE
        ),
        "hidden": GuildFactory(
            name="Hidden Guild", slug="hidden", visibility=GuildVisibility.HIDDEN
        ),
    }


def test_browse_shows_public_and_private_but_not_hidden(client_a: Client, guilds: Any) -> None:
    page = client_a.get(reverse("portal:guilds")).content.decode()
    assert "Open Guild" in page
    assert "Private Guild" in page and "Joining needs approval" in page
    assert "Hidden Guild" not in page


def test_hidden_guild_is_visible_to_its_members(
    client_a: Client, champion_a: Any, guilds: Any
) -> None:
    MembershipFactory(guild=guilds["hidden"], champion=champion_a)
    assert "Hidden Guild" in client_a.get(reverse("portal:guilds")).content.decode()
    assert client_a.get(reverse("portal:guild", args=["hidden"])).status_code == 200


def test_join_public_guild_in_place_with_htmx(
    client_a: Client, champion_a: Any, guilds: Any
) -> None:
    response = client_a.post(reverse("portal:guild_join", args=["open"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<article class="card guild-card" id="guild-open"')
    assert "Leave" in fragment
    assert "You joined Open Guild." in fragment  # the message, swapped out of band
    membership = Membership.objects.get(champion=champion_a, guild=guilds["public"])
    assert membership.status == MembershipStatus.ACTIVE


def test_join_without_htmx_redirects_back(client_a: Client, guilds: Any) -> None:
    response = client_a.post(reverse("portal:guild_join", args=["open"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:guilds") + "#guild-open"


def test_private_guild_request_is_pending(client_a: Client, champion_a: Any, guilds: Any) -> None:
    client_a.post(reverse("portal:guild_join", args=["private"]))
    membership = Membership.objects.get(champion=champion_a, guild=guilds["private"])
    assert membership.status == MembershipStatus.REQUESTED
    page = client_a.get(reverse("portal:guilds")).content.decode()
    assert "Request pending" in page
    home = client_a.get(reverse("portal:home")).content.decode()
    assert "Request pending" in home


def test_leave(client_a: Client, champion_a: Any, guilds: Any) -> None:
    MembershipFactory(guild=guilds["public"], champion=champion_a)
    response = client_a.post(reverse("portal:guild_leave", args=["open"]), {"from": "detail"})
    assert response["Location"] == reverse("portal:guild", args=["open"])
    assert not Membership.objects.filter(champion=champion_a).exists()


def test_leaving_a_hidden_guild_reloads_the_list(
    client_a: Client, champion_a: Any, guilds: Any
) -> None:
    MembershipFactory(guild=guilds["hidden"], champion=champion_a)
    response = client_a.post(reverse("portal:guild_leave", args=["hidden"]), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("portal:guilds")
    assert client_a.get(reverse("portal:guild", args=["hidden"])).status_code == 404


def test_guild_page_lists_leads_and_members_with_placeholders(
    client_a: Client, guilds: Any
) -> None:
    guild = guilds["public"]
    lead = ChampionFactory(full_name="Lena Lead", title="CFO")
    MembershipFactory(guild=guild, champion=lead, role=MembershipRole.LEAD)
    deputy = ChampionFactory(full_name="Dan Deputy")
    MembershipFactory(guild=guild, champion=deputy, role=MembershipRole.DEPUTY)
    member = ChampionFactory(full_name="Mia Member")
    MembershipFactory(guild=guild, champion=member)
    requested = ChampionFactory(full_name="Rita Requested")
    MembershipFactory(guild=guild, champion=requested, status=MembershipStatus.REQUESTED)
    alumnus = ChampionFactory(full_name="Al Alumnus", state="alumni")
    MembershipFactory(guild=guild, champion=alumnus)
    page = client_a.get(reverse("portal:guild", args=["open"])).content.decode()
    assert page.index("Lena Lead") < page.index("Dan Deputy") < page.index("Mia Member")
    assert "Deputy lead" in page and "CFO" in page
    assert "Rita Requested" not in page and "Al Alumnus" not in page
    for email in (lead.email, deputy.email, member.email):
        assert email not in page
    for section in ("Events", "Questions", "Templates"):
        assert f">{section}</h2>" in page


def test_guild_page_offers_to_report_a_member_but_not_oneself(
    client_a: Client, champion_a: Any, guilds: Any
) -> None:
    guild = guilds["public"]
    MembershipFactory(guild=guild, champion=champion_a)
    lead = ChampionFactory(full_name="Lena Lead")
    MembershipFactory(guild=guild, champion=lead, role=MembershipRole.LEAD)
    page = client_a.get(reverse("portal:guild", args=["open"])).content.decode()
    assert reverse("portal:governance:report", args=["member", lead.pk]) in page
    assert reverse("portal:governance:report", args=["member", champion_a.pk]) not in page
