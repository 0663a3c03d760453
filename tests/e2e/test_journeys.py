"""Journeys through the member portal in a real browser, end to end.

Each journey is what a person does, from the invitation email to the first value moment; a
story signed off; a reference request declined; a consent withdrawn and the story gone from
what sales can fetch. Screenshots of the pages on the way are saved for people to look at.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from champions import services as champion_services
from champions.models import ChampionState, ConsentMethod, ConsentScope
from champions.roles import Role
from programs.clinics.models import Answer, Question
from programs.events.models import EventKind, Registration, RegistrationStatus
from programs.references import services as reference_services
from programs.references.models import RequestStatus, StoryStatus
from tests.e2e.conftest import JOIN_LINK, PHONE, no_horizontal_scroll, screenshot, sign_in
from tests.factories import (
    AccountFactory,
    ChampionFactory,
    ConsentTextFactory,
    GuildFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)
from tests.programs.factories import EventFactory
from tests.programs.references.factories import DealFactory, make_story

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Orange-Kettle-Harbour-42"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def accept_code_of_conduct_if_asked(page: Any) -> None:
    """Once governance asks for the code of conduct at onboarding, accept it on the way."""
    button = page.get_by_role("button", name=re.compile(r"code of conduct|I accept", re.I))
    if button.count():
        button.first.click()
        page.wait_for_load_state()


def test_from_the_invitation_email_to_the_first_value_moment(
    new_page: Any, live_server: Any, mailoutbox: Any
) -> None:
    guild = GuildFactory(name="Finance ops", slug="finance-ops", theme="Closing the month fast")
    clinic = EventFactory(
        title="Peer clinic: month-end close",
        kind=EventKind.PEER_CLINIC,
        guild=guild,
        capacity=12,
        description="Bring the export that costs you the most time.",
        agenda="10 min intros\n30 min clinic\n5 min takeaways",
    )
    bob = ChampionFactory(full_name="Bob Builder", title="Controller", email="bob@globex.example")
    bob.user.set_password(PASSWORD)
    bob.user.save()
    EmailAddress.objects.create(user=bob.user, email=bob.email, verified=True, primary=True)
    MembershipFactory(guild=guild, champion=bob)
    champion_services.champion_invite(
        account=AccountFactory(name="Acme GmbH"),
        email="ada@acme.example",
        full_name="Ada Lovelace",
        invited_by_user=StaffFactory(full_name="Pat Program"),
    )
    link = JOIN_LINK.search(mailoutbox[-1].body)
    assert link is not None, mailoutbox[-1].body

    ada = new_page()
    ada.goto(link.group(1))
    expect(ada.get_by_role("heading", name="Welcome, Ada Lovelace")).to_be_visible()
    screenshot(ada, "01-join")
    ada.get_by_label("Choose a password").fill(PASSWORD)
    ada.get_by_label("Password again").fill(PASSWORD)
    ada.get_by_role("button", name="Join the program").click()
    expect(ada).to_have_url(re.compile(r"/portal/welcome/$"))
    screenshot(ada, "02-welcome")

    ada.get_by_label("Job title").fill("Finance systems lead")
    ada.get_by_label("What you are good at").fill("month-end close, exports")
    ada.get_by_label("Time zone").select_option("Europe/Berlin")
    ada.get_by_role("button", name="Save my profile").click()
    ada.goto("/portal/guilds/")
    ada.get_by_role("button", name="Join Finance ops").click()
    expect(ada.locator("#guild-finance-ops").get_by_text("Member", exact=True)).to_be_visible()
    ada.goto("/portal/welcome/")
    accept_code_of_conduct_if_asked(ada)
    ada.get_by_role("button", name="Finish getting started").click()
    expect(ada.get_by_text("you are an active champion now")).to_be_visible()

    ada.goto("/portal/events/")
    screenshot(ada, "03-events")
    ada.get_by_role("link", name="Peer clinic: month-end close").first.click()
    ada.get_by_role("button", name="Register").click()
    expect(ada.locator("#registration").get_by_text("You have a seat")).to_be_visible()
    screenshot(ada, "04-event-registered")
    assert Registration.objects.get(event=clinic).status == RegistrationStatus.REGISTERED

    ada.goto("/portal/clinics/ask/")
    ada.get_by_label("Guild").select_option(label="Finance ops")
    ada.get_by_label("Your question in one line").fill("How do I schedule the month-end export?")
    ada.get_by_label("Details").fill("We export by hand on the **first working day**.")
    ada.get_by_label("Tags (optional)").fill("exports, month-end")
    screenshot(ada, "05-ask")
    ada.get_by_role("button", name="Post my question").click()
    expect(ada.get_by_text("Your question is posted")).to_be_visible()
    question = Question.objects.get()
    question_path = f"/portal/clinics/{question.pk}/"
    expect(ada).to_have_url(re.compile(re.escape(question_path) + "$"))

    bob_page = new_page(viewport={"width": 1280, "height": 900})
    bob_page.goto("/accounts/login/")
    bob_page.locator("input[name=login]").fill("bob@globex.example")
    bob_page.locator("input[name=password]").fill(PASSWORD)
    bob_page.get_by_role("button", name="Sign In").click()
    expect(bob_page).to_have_url(re.compile(r"/portal/$"))
    bob_page.goto(question_path)
    bob_page.get_by_label("Your answer").fill(
        "Use a **scheduled export** under Reports → Schedule."
    )
    bob_page.get_by_role("button", name="Post my answer").click()
    expect(bob_page.get_by_text("your answer is posted")).to_be_visible()
    assert Answer.objects.get().author == bob

    ada.reload()
    ada.get_by_role("button", name="Helpful answer by Bob Builder").click()
    expect(ada.get_by_text("that is your first value moment")).to_be_visible()
    expect(ada.get_by_text("You found this helpful")).to_be_visible()
    screenshot(ada, "06-question-helpful")
    ada.goto("/portal/welcome/")
    expect(ada.get_by_text("You reached your first value moment")).to_be_visible()
    ada.goto("/portal/")
    expect(ada.get_by_role("heading", name="My upcoming events")).to_be_visible()
    screenshot(ada, "07-home")
    assert no_horizontal_scroll(ada)


@pytest.fixture
def featured(live_server: Any) -> Any:
    """An active champion with every consent, who appears in stories."""
    for scope in ConsentScope.values:
        ConsentTextFactory(scope=scope)
    champion = ChampionFactory(
        full_name="Cleo Customer", title="Head of finance", account=AccountFactory(name="Acme")
    )
    for scope in ConsentScope.values:
        champion_services.consent_grant(
            champion=champion, scope=scope, method=ConsentMethod.PORTAL, actor=champion.user
        )
    return champion


def test_a_champion_signs_off_their_story(new_page: Any, live_server: Any, featured: Any) -> None:
    story = make_story([featured], title="Acme closes the month in three days")
    reference_services.story_submit_for_review(story=story, actor=None)
    reference_services.story_request_sign_off(story=story, actor=None)
    story.refresh_from_db()

    page = new_page()
    sign_in(page, featured.user, live_server.url)
    page.goto("/portal/")
    page.get_by_role("link", name="Sign off “Acme closes the month in three days”").click()
    expect(page.get_by_text("Title: Acme closes the month in three days")).to_be_visible()
    screenshot(page, "08-story-sign-off")
    page.get_by_role("button", name=f"I approve version {story.version_number}").click()
    expect(page.get_by_text("You signed off version")).to_be_visible()
    story.refresh_from_db()
    assert story.status == StoryStatus.APPROVED


def test_a_champion_declines_a_reference_request(
    new_page: Any, live_server: Any, featured: Any
) -> None:
    request = reference_services.request_create(
        requested_by=StaffFactory(full_name="Sam Seller"),
        deal=DealFactory(),
        activity_type="call",
        prospect_company="Initech",
        needed_by=(timezone.now() + timedelta(days=10)).date(),
    )
    reference_services.request_offer(request=request, champion=featured, offered_by=None)

    page = new_page()
    sign_in(page, featured.user, live_server.url)
    page.goto("/portal/references/")
    screenshot(page, "09-references")
    page.get_by_role("link", name=re.compile("with Initech")).click()
    screenshot(page, "10-reference-request")
    page.get_by_label("Why not this time?").select_option(label="No time right now")
    page.get_by_label("Anything to add? (optional)").fill("Quarter-end close this month.")
    page.get_by_role("button", name="Decline").click()
    expect(page.get_by_text("Declined. Thank you for saying so")).to_be_visible()
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED and request.champion is None
    assert request.offers.get().decline_reason == "busy"


def _sales_story_titles(client: Client) -> list[str]:
    response = client.get("/api/v1/stories/")
    assert response.status_code == 200, response.content
    return [story["title"] for story in response.json()["results"]]


def test_withdrawing_consent_takes_the_story_away_from_sales_at_once(
    new_page: Any, live_server: Any, featured: Any
) -> None:
    story = make_story([featured], title="Acme onboards teams in a week")
    reference_services.story_submit_for_review(story=story, actor=None)
    reference_services.story_request_sign_off(story=story, actor=None)
    story.refresh_from_db()
    reference_services.story_sign_off(
        story=story, champion=featured, content_hash=story.content_hash
    )
    reference_services.story_publish(story=story, actor=None)
    seller = UserFactory(email="sam@vendor.example")
    seller.groups.add(Group.objects.get_or_create(name=Role.SALES)[0])
    sales = Client()
    sales.force_login(seller)
    assert _sales_story_titles(sales) == ["Acme onboards teams in a week"]

    page = new_page()
    sign_in(page, featured.user, live_server.url)
    page.goto("/portal/privacy/")
    screenshot(page, "11-privacy")
    page.get_by_role("button", name=re.compile(r"^Withdraw\W+Case study$")).click()
    expect(page.get_by_text("Consent withdrawn: Case study")).to_be_visible()
    assert _sales_story_titles(sales) == []


def test_the_main_pages_fit_a_phone(new_page: Any, live_server: Any, featured: Any) -> None:
    """A tour of the sections with some data in them: nothing is wider than 375 px."""
    from programs.clinics import services as clinic_services
    from programs.library.models import TemplateCategory
    from tests.programs.factories import KudosFactory, TemplateFactory

    guild = GuildFactory(name="Finance ops", slug="finance-ops", theme="Closing the month fast")
    MembershipFactory(guild=guild, champion=featured)
    peer = ChampionFactory(full_name="Grace Hopper", title="Controller")
    MembershipFactory(guild=guild, champion=peer)
    now = timezone.now()
    events = [
        EventFactory(
            title=title, kind=kind, guild=guild, starts_at=now + timedelta(days=days), capacity=30
        )
        for days, kind, title in (
            (2, EventKind.QUARTERLY_DEMO, "Quarterly demo: spring"),
            (9, EventKind.LIVE_BUILD, "Live build: a cash dashboard"),
        )
    ]
    question = clinic_services.question_ask(
        asker=peer,
        guild=guild,
        title="Which template do you use for the cash forecast of a retail chain?",
        body="We have **40 stores** and a weekly forecast.\n\n```\nstore,week,cash\n```",
        tags=["forecast", "retail"],
    )
    template = TemplateFactory(
        title="Cash forecast for retail chains",
        description="A weekly forecast per store that the board understands.",
        body="# Cash forecast\n\n1. Export sales\n2. Add the costs\n\n"
        "| store | cash |\n|--|--|\n| 1 | 9 |",
        category=TemplateCategory.REPORT,
        author=peer,
        guild=guild,
    )
    KudosFactory(from_champion=peer, to_champion=featured, message="Thanks for the demo!")
    featured.state = ChampionState.ACTIVE
    featured.save()

    page = new_page()
    sign_in(page, featured.user, live_server.url)
    tour = [
        ("/portal/", "20-home"),
        ("/portal/events/calendar/", "21-calendar"),
        ("/portal/clinics/", "22-clinics"),
        (f"/portal/clinics/{question.pk}/", "23-question"),
        ("/portal/templates/", "24-templates"),
        (f"/portal/templates/{template.pk}/", "25-template"),
        ("/portal/templates/share/", "26-template-share"),
        ("/portal/recognition/", "27-kudos"),
        ("/portal/guilds/finance-ops/", "28-guild"),
        (f"/portal/events/{events[0].pk}/", "29-event"),
        ("/portal/notifications/", "30-notifications"),
        ("/portal/invite/", "31-invite"),
        ("/portal/account/", "32-account"),
        ("/portal/governance/", "33-conduct"),
    ]
    for path, name in tour:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert no_horizontal_scroll(page), f"{path} is wider than the phone"
        screenshot(page, name)


def test_on_a_phone_the_section_bar_shows_the_current_section(
    new_page: Any, live_server: Any, featured: Any
) -> None:
    featured.state = ChampionState.ACTIVE
    featured.save()
    page = new_page()
    sign_in(page, featured.user, live_server.url)
    page.goto("/portal/governance/")  # far to the right of the bar
    current = page.locator('.site-nav a[aria-current="page"]').bounding_box()
    assert current is not None
    assert current["x"] >= 0 and current["x"] + current["width"] <= PHONE["width"]
    assert "more-left" in (page.locator(".site-nav ul").get_attribute("class") or "")
