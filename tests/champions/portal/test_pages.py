"""Every portal page: it opens for its champion, needs a login, is never cached, and its
query count stays bounded however much data there is."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions import services
from champions.models import ChampionState, ConsentMethod, GuildVisibility
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# (url name, args, the most queries it may run with the data of `busy_program`)
PAGES: list[tuple[str, tuple[str, ...], int]] = [
    # part 2's panels (events, what waits for me, tasks) and governance's conduct panel
    ("portal:home", (), 13),
    ("portal:welcome", (), 12),
    ("portal:profile", (), 6),
    ("portal:guilds", (), 6),
    ("portal:guild", ("finance-ops",), 9),  # events, questions and templates of the guild
    ("portal:invite", (), 6),
    ("portal:privacy", (), 6),
    ("portal:notifications", (), 5),
    ("portal:account", (), 4),
    ("portal:erase", (), 4),
    # The core (14) plus the sections other apps register: governance 5, CRM, interview notes.
    ("portal:export", (), 31),  # references adds its stories, quotes, sign-offs, offers
]


@pytest.fixture
def busy_program(champion_a: Any, champion_b: Any, consent_texts: Any) -> Any:
    """Champion A in a program with many guilds, members, invitees and consents."""
    guild = GuildFactory(name="Finance ops", slug="finance-ops")
    for number in range(12):
        member = ChampionFactory()
        MembershipFactory(guild=guild, champion=member)
        other = GuildFactory(name=f"Guild {number:02}", slug=f"guild-{number:02}")
        MembershipFactory(guild=other, champion=member)
    MembershipFactory(guild=guild, champion=champion_a)
    GuildFactory(name="Secret", slug="secret", visibility=GuildVisibility.HIDDEN)
    for number in range(6):
        services.champion_invite(
            account=champion_a.account,
            email=f"peer{number}@acme.example",
            full_name=f"Peer {number}",
            invited_by_champion=champion_a,
        )
    for scope in ("quote", "logo"):
        services.consent_grant(
            champion=champion_a, scope=scope, method=ConsentMethod.PORTAL, actor=champion_a.user
        )
    services.consent_withdraw(
        champion=champion_a, scope="logo", method=ConsentMethod.PORTAL, actor=champion_a.user
    )
    buddy = ChampionFactory()
    services.champion_assign_buddy(champion=champion_a, buddy=buddy)
    for _ in range(3):
        newcomer = ChampionFactory(state=ChampionState.ONBOARDING)
        services.champion_assign_buddy(champion=newcomer, buddy=champion_a)
    return champion_a


@pytest.mark.parametrize(("name", "args", "max_queries"), PAGES)
def test_page_opens_for_its_champion_within_a_query_budget(
    client_a: Client,
    busy_program: Any,
    django_assert_max_num_queries: Any,
    name: str,
    args: tuple[str, ...],
    max_queries: int,
) -> None:
    with django_assert_max_num_queries(max_queries):
        response = client_a.get(reverse(name, args=args))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("name", "args", "max_queries"), PAGES)
def test_page_needs_a_login(
    client: Client, busy_program: Any, name: str, args: tuple[str, ...], max_queries: int
) -> None:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_onboarding_champion_sees_the_welcome_nudge_on_home(
    client_a: Client, champion_a: Any
) -> None:
    champion_a.state = ChampionState.ONBOARDING
    champion_a.save()
    page = client_a.get(reverse("portal:home")).content.decode()
    assert "Continue getting started" in page


def test_layout_has_skip_link_navigation_and_local_assets(client_a: Client) -> None:
    page = client_a.get(reverse("portal:home")).content.decode()
    assert 'href="#main"' in page and 'id="main"' in page
    assert 'aria-label="Portal sections"' in page
    for label in ("Home", "Guilds", "Invite", "Privacy"):
        assert f">{label}</a>" in page
    assert '/static/portal/portal.css"' in page
    assert "/static/django_htmx/htmx-2.min.js" in page
    assert "https://" not in page.split("<body")[0]  # nothing from a CDN
    assert 'aria-current="page"' in page


def test_nav_shows_sections_only_once_their_pages_exist(client_a: Client) -> None:
    page = client_a.get(reverse("portal:home")).content.decode()
    from django.urls import NoReverseMatch

    try:
        reverse("portal:events:index")
    except NoReverseMatch:
        assert ">Events</a>" not in page
    else:  # the events app has shipped its portal pages
        assert ">Events</a>" in page


def test_allauth_pages_use_the_portal_layout(client: Client, db: None) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert "portal/portal.css" in page
    assert 'class="skip-link"' in page
    assert "Send me a sign-in code" in page
