"""Onboarding: profile, buddy, good first contributions, progress, finishing activates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from champions import selectors, services
from champions.models import ChampionState, GuildVisibility, Industry
from champions.roles import Role
from tests.factories import (
    AccountFactory,
    ChampionFactory,
    GuildFactory,
    MembershipFactory,
    ProductAreaFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(champion_a: Any) -> Any:
    champion_a.state = ChampionState.ONBOARDING
    champion_a.title = ""
    champion_a.save()
    return champion_a


PROFILE = {
    "title": "Head of finance systems",
    "expertise": "month-end close, NetSuite;  API imports",
    "interests": "automation\nreporting",
    "timezone": "Europe/Berlin",
    "languages": ["en", "de"],
}


def test_welcome_page_sets_expectations_and_shows_progress(client_a: Client, newcomer: Any) -> None:
    page = client_a.get(reverse("portal:welcome")).content.decode()
    for text in ("What the program is", "What a champion does", "What happens next"):
        assert text in page
    assert "Tell peers about yourself" in page
    assert "Join at least one guild" in page
    assert "Finish getting started" in page


def test_profile_is_saved_through_the_service(client_a: Client, newcomer: Any) -> None:
    area = ProductAreaFactory(name="Reporting", slug="reporting")
    response = client_a.post(
        reverse("portal:profile"), {**PROFILE, "product_areas": [area.pk], "from": "welcome"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:welcome") + "#buddy"
    newcomer.refresh_from_db()
    assert newcomer.title == "Head of finance systems"
    assert newcomer.expertise == ["month-end close", "NetSuite", "API imports"]
    assert newcomer.interests == ["automation", "reporting"]
    assert newcomer.timezone == "Europe/Berlin"
    assert newcomer.languages == ["en", "de"]
    assert list(newcomer.product_areas.all()) == [area]


def test_profile_with_bad_input_shows_errors_and_changes_nothing(
    client_a: Client, newcomer: Any
) -> None:
    response = client_a.post(
        reverse("portal:profile"),
        {**PROFILE, "timezone": "Mars/Olympus", "expertise": "x" * 100, "from": "welcome"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = client_a.post(reverse("portal:profile"), {**PROFILE, "expertise": "x" * 100})
    assert response.status_code == 200
    assert "too long" in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.title == "" and newcomer.expertise == []


def test_finishing_needs_profile_and_a_guild_then_activates(
    client_a: Client, newcomer: Any
) -> None:
    finish = reverse("portal:finish_onboarding")
    response = client_a.post(finish, follow=True)
    assert "Still to do" in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.state == ChampionState.ONBOARDING

    client_a.post(reverse("portal:profile"), PROFILE)
    guild = GuildFactory(slug="close")
    client_a.post(reverse("portal:guild_join", args=[guild.slug]))
    response = client_a.post(finish)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    newcomer.refresh_from_db()
    assert newcomer.state == ChampionState.ACTIVE


def test_onboarding_hook_can_add_a_required_step(
    client_a: Client, newcomer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from champions.portal import onboarding

    monkeypatch.setattr(onboarding, "REQUIREMENTS", {})
    onboarding.register_requirement(
        onboarding.Requirement("code_of_conduct", "Accept the code of conduct", lambda c: False)
    )
    client_a.post(reverse("portal:profile"), PROFILE)
    client_a.post(reverse("portal:guild_join", args=[GuildFactory(slug="g").slug]))
    page = client_a.get(reverse("portal:welcome")).content.decode()
    assert "Accept the code of conduct" in page
    client_a.post(reverse("portal:finish_onboarding"))
    newcomer.refresh_from_db()
    assert newcomer.state == ChampionState.ONBOARDING


def test_assigned_buddy_is_shown(client_a: Client, newcomer: Any) -> None:
    buddy = ChampionFactory(full_name="Grace Hopper", title="Controller")
    services.champion_assign_buddy(champion=newcomer, buddy=buddy)
    page = client_a.get(reverse("portal:welcome")).content.decode()
    assert "Your buddy is <strong>Grace Hopper</strong>" in page
    assert buddy.email not in page


def test_buddy_suggestions_match_guild_then_industry_then_timezone(newcomer: Any) -> None:
    guild = GuildFactory(slug="shared")
    MembershipFactory(guild=guild, champion=newcomer)
    same_guild = ChampionFactory(
        full_name="Same Guild", account=AccountFactory(industry=Industry.RETAIL)
    )
    MembershipFactory(guild=guild, champion=same_guild)
    same_industry_near = ChampionFactory(full_name="Near Industry", timezone="Europe/Paris")
    same_industry_far = ChampionFactory(full_name="Far Industry", timezone="Pacific/Auckland")
    ChampionFactory(full_name="Unrelated", account=AccountFactory(industry=Industry.ENERGY))
    newcomer.timezone = "Europe/Berlin"
    newcomer.save()
    names = [c.full_name for c in selectors.buddy_suggestions(champion=newcomer)]
    assert names == ["Same Guild", "Near Industry", "Far Industry"]
    assert same_industry_near.pk != same_industry_far.pk


def test_busy_buddies_are_not_suggested(newcomer: Any) -> None:
    busy = ChampionFactory(full_name="Busy")
    for _ in range(3):
        services.champion_assign_buddy(
            champion=ChampionFactory(state=ChampionState.ONBOARDING), buddy=busy
        )
    assert busy not in selectors.buddy_suggestions(champion=newcomer)


def test_asking_for_a_buddy_tells_the_program_team(
    client_a: Client, newcomer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = StaffFactory(email="pm@vendor.example")
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name=Role.PROGRAM_MANAGER)[0].user_set.add(manager)
    suggestion = ChampionFactory(full_name="Grace Hopper")
    page = client_a.get(reverse("portal:welcome")).content.decode()
    assert "Grace Hopper" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("portal:buddy_request"), {"suggestion": suggestion.pk})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pm@vendor.example"]
    assert "Grace Hopper" in mail.outbox[0].body
    assert newcomer.full_name in mail.outbox[0].subject


def test_first_value_moment_is_shown_when_reached(client_a: Client, newcomer: Any) -> None:
    page = client_a.get(reverse("portal:welcome")).content.decode()
    assert "first value moment" not in page
    services.champion_record_first_value(champion=newcomer, at=timezone.now() - timedelta(days=1))
    page = client_a.get(reverse("portal:welcome")).content.decode()
    assert "You reached your first value moment" in page


def test_good_first_contributions_are_listed_and_claimable(client_a: Client, newcomer: Any) -> None:
    from programs.recognition.models import GoodFirstContribution

    guild = GuildFactory(slug="mine", visibility=GuildVisibility.PUBLIC)
    MembershipFactory(guild=guild, champion=newcomer)
    GoodFirstContribution.objects.create(title="Other guild task")
    task = GoodFirstContribution.objects.create(title="Share your close checklist", guild=guild)
    page = client_a.get(reverse("portal:welcome")).content.decode()
    assert page.index("Share your close checklist") < page.index("Other guild task")
    client_a.post(reverse("portal:claim_contribution", args=[task.pk]))
    task.refresh_from_db()
    assert task.claimed_by_id == newcomer.pk
    client_a.post(reverse("portal:complete_contribution", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None


def test_a_buddy_who_left_is_replaced_by_suggestions(client_a: Client, newcomer: Any) -> None:
    buddy = ChampionFactory(full_name="Gone Buddy")
    services.champion_assign_buddy(champion=newcomer, buddy=buddy)
    services.champion_mark_alumni(champion=buddy)
    page = client_a.get(reverse("portal:welcome")).content.decode()
    assert "Gone Buddy" not in page
    assert "Ask the team for a buddy" in page
    response = client_a.post(reverse("portal:buddy_request"), follow=True)
    assert "We asked the program team" in response.content.decode()
