"""References in the portal: my stories (exact version, sign-off, ask for changes, diff
since my sign-off), my requests (accept, decline with a reason, propose times), availability;
two champions in two accounts, query budgets, forms that write nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.references import services
from programs.references.models import (
    OfferResponse,
    ReferenceProfile,
    ReferenceRequest,
    ReferenceStory,
    RequestStatus,
    StorySignOff,
    StoryStatus,
)
from tests.factories import StaffFactory
from tests.programs.references.factories import DealFactory, grant, make_story

pytestmark = pytest.mark.django_db


def _url(name: str, *args: Any) -> str:
    return reverse(f"portal:references:{name}", args=args)


def _awaiting(story: ReferenceStory) -> ReferenceStory:
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    story.refresh_from_db()
    return story


@pytest.fixture
def story_a(champion_a: Any) -> ReferenceStory:
    return _awaiting(make_story([champion_a], title="Acme closes in three days"))


@pytest.fixture
def story_b(champion_b: Any) -> ReferenceStory:
    return _awaiting(make_story([champion_b], title="Globex story"))


@pytest.fixture
def offered(champion_a: Any) -> ReferenceRequest:
    grant(champion_a)
    request = services.request_create(
        requested_by=StaffFactory(full_name="Sam Seller"),
        deal=DealFactory(),
        activity_type="call",
        prospect_company="Initech",
        prospect_timezone="America/New_York",
        notes="Private: budget is tight",
    )
    services.request_offer(request=request, champion=champion_a, offered_by=None)
    request.refresh_from_db()
    return request


@pytest.fixture
def offered_b(champion_b: Any) -> ReferenceRequest:
    grant(champion_b)
    request = services.request_create(
        requested_by=StaffFactory(), deal=DealFactory(), activity_type="call",
        prospect_company="B's prospect",
    )  # fmt: skip
    services.request_offer(request=request, champion=champion_b, offered_by=None)
    return request


def test_index_lists_only_my_stories_and_requests(
    client_a: Client, story_a: Any, story_b: Any, offered: Any, offered_b: Any
) -> None:
    page = client_a.get(_url("index")).content.decode()
    assert "Acme closes in three days" in page and "Waiting for your sign-off" in page
    assert "Call with Initech" in page or "Reference call with Initech" in page
    assert "Globex story" not in page and "B&#x27;s prospect" not in page
    assert "Private: budget is tight" not in page


def test_other_champions_stories_and_requests_are_404(
    client_a: Client, champion_a: Any, story_b: Any, offered_b: Any
) -> None:
    assert client_a.get(_url("story", story_b.pk)).status_code == 404
    hash_b = story_b.content_hash
    assert client_a.post(_url("sign_off", story_b.pk), {"content_hash": hash_b}).status_code == 404
    assert client_a.post(_url("request_changes", story_b.pk), {"note": "x"}).status_code == 404
    assert client_a.get(_url("request", offered_b.pk)).status_code == 404
    for name in ("accept", "decline", "propose_times"):
        assert client_a.post(_url(name, offered_b.pk), {"reason": "busy"}).status_code == 404
    offered_b.refresh_from_db()
    story_b.refresh_from_db()
    assert offered_b.status == RequestStatus.OFFERED
    assert story_b.status == StoryStatus.AWAITING_SIGN_OFF and not StorySignOff.objects.exists()


def test_a_draft_story_is_not_shown_yet(client_a: Client, champion_a: Any) -> None:
    draft = make_story([champion_a], title="Half written")
    assert client_a.get(_url("story", draft.pk)).status_code == 404
    assert "Half written" not in client_a.get(_url("index")).content.decode()


def test_read_the_exact_version_and_sign_off(
    client_a: Client, champion_a: Any, story_a: ReferenceStory
) -> None:
    page = client_a.get(_url("story", story_a.pk)).content.decode()
    version = story_a.versions.get(number=story_a.version_number)
    assert "Title: Acme closes in three days" in page
    assert "Onboarding time: 14 → 3 days" in page
    assert f'value="{story_a.content_hash}"' in page
    assert version.text.splitlines()[2] in page
    response = client_a.post(
        _url("sign_off", story_a.pk), {"content_hash": story_a.content_hash, "champion": 999}
    )
    assert response.status_code == 302
    sign_off = StorySignOff.objects.get()
    assert (sign_off.champion, sign_off.version) == (champion_a, version)
    story_a.refresh_from_db()
    assert story_a.status == StoryStatus.APPROVED
    assert "You signed off this version" in client_a.get(_url("story", story_a.pk)).content.decode()


def test_sign_off_of_a_text_that_changed_meanwhile_is_refused(
    client_a: Client, story_a: ReferenceStory
) -> None:
    read_hash = story_a.content_hash
    services.story_update(story=story_a, actor=None, results="Onboarding takes two days.")
    response = client_a.post(_url("sign_off", story_a.pk), {"content_hash": read_hash}, follow=True)
    assert "The story changed after the version you approved" in response.content.decode()
    assert not StorySignOff.objects.exists()


def test_diff_against_the_version_i_signed_before(
    client_a: Client, champion_a: Any, story_a: ReferenceStory
) -> None:
    signed = story_a.version_number
    services.story_sign_off(story=story_a, champion=champion_a, content_hash=story_a.content_hash)
    services.story_update(story=story_a, actor=None, results="Onboarding takes two days.")
    page = client_a.get(_url("story", story_a.pk)).content.decode()
    assert f"What changed since you signed version {signed}" in page
    removed, added = "Removed: </span>-Onboarding takes three days.", "Added: </span>+Onboarding"
    assert f'class="diff-removed"><span class="visually-hidden">{removed}' in page
    assert f'class="diff-added"><span class="visually-hidden">{added} takes two days.' in page
    assert f"I approve version {signed + 1}" in page


def test_ask_for_changes_sends_the_story_back_and_tells_the_team(
    client_a: Client,
    champion_a: Any,
    story_a: ReferenceStory,
    settings: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PORTAL_PROGRAM_TEAM_EMAILS = ["team@vendor.example"]
    response = client_a.post(_url("request_changes", story_a.pk), {"note": " "})
    assert "This field is required" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            _url("request_changes", story_a.pk),
            {"note": "Our team is 40 people, not 400.", "status": "published"},
        )
    assert response.status_code == 302
    story_a.refresh_from_db()
    assert story_a.status == StoryStatus.IN_REVIEW
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["team@vendor.example"]
    assert "Our team is 40 people, not 400." in mailoutbox[0].body
    page = client_a.get(_url("story", story_a.pk)).content.decode()
    assert "The program team is revising the story" in page and "I approve" not in page


def test_request_page_shows_what_is_asked_never_the_private_notes(
    client_a: Client, offered: ReferenceRequest
) -> None:
    page = client_a.get(_url("request", offered.pk)).content.decode()
    assert "Initech" in page and "Sam Seller" in page and "America/New_York" in page
    assert "budget is tight" not in page


def test_accept(client_a: Client, offered: ReferenceRequest) -> None:
    response = client_a.post(_url("accept", offered.pk), {"status": "completed"})
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == RequestStatus.ACCEPTED


def test_decline_with_a_reason_hands_it_back_and_keeps_a_history(
    client_a: Client, champion_a: Any, offered: ReferenceRequest
) -> None:
    page = client_a.post(_url("decline", offered.pk), {"reason": "consent_withdrawn"})
    assert "Select a valid choice" in page.content.decode()
    response = client_a.post(
        _url("decline", offered.pk),
        {"reason": "busy", "note": "Quarter end", "champion": champion_a.pk},
    )
    assert response.status_code == 302
    offered.refresh_from_db()
    assert (offered.status, offered.champion) == (RequestStatus.DECLINED, None)
    offer = offered.offers.get()
    assert (offer.response, offer.decline_reason, offer.decline_note) == (
        OfferResponse.DECLINED,
        "busy",
        "Quarter end",
    )
    assert client_a.get(_url("request", offered.pk)).status_code == 404
    assert "you declined (no time right now)" in client_a.get(_url("index")).content.decode()


def test_propose_times_accepts_and_emails_the_times(
    client_a: Client,
    champion_a: Any,
    offered: ReferenceRequest,
    settings: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PORTAL_PROGRAM_TEAM_EMAILS = ["team@vendor.example"]
    champion_a.timezone = "Europe/Berlin"
    champion_a.save()
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = client_a.post(_url("propose_times", offered.pk), {"time_1": past}).content.decode()
    assert "is in the past" in page
    page = client_a.post(_url("propose_times", offered.pk), {}).content.decode()
    assert "This field is required" in page
    offered.refresh_from_db()
    assert offered.status == RequestStatus.OFFERED
    day = (timezone.now() + timedelta(days=5)).date()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            _url("propose_times", offered.pk),
            {"time_1": f"{day}T10:00", "time_2": f"{day}T15:30", "note": "Either works"},
        )
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == RequestStatus.ACCEPTED
    body = mailoutbox[0].body
    assert sorted(mailoutbox[0].to) == sorted([offered.requested_by.email, "team@vendor.example"])
    assert f"{day:%d %b %Y} 10:00 Europe/Berlin" in body
    assert "Either works" in body


def test_pause_and_resume_with_the_cap_shown(client_a: Client, champion_a: Any) -> None:
    page = client_a.get(_url("index")).content.decode()
    assert "<strong>0</strong> of <strong>2</strong> references in the last 90 days" in page
    client_a.post(_url("availability"), {"paused": "yes", "cap_override": 99})
    profile = ReferenceProfile.objects.get(champion=champion_a)
    assert profile.paused and profile.cap_override is None
    assert "Resume references" in client_a.get(_url("index")).content.decode()
    client_a.post(_url("availability"), {"paused": "no"})
    profile.refresh_from_db()
    assert not profile.paused


def test_references_given_this_quarter_are_counted(
    client_a: Client, champion_a: Any, offered: ReferenceRequest
) -> None:
    services.request_accept(request=offered)
    services.request_complete(request=offered, outcome="held")
    page = client_a.get(_url("index")).content.decode()
    assert "<strong>1</strong> of <strong>2</strong>" in page
    assert "Q" in page.split("References given in")[1][:10]
    assert "<strong>1</strong></p>" in page and "you gave it, thank you" in page


def test_index_query_count_is_the_same_for_few_and_many(
    client_a: Client, champion_a: Any, story_a: Any, offered: Any
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(_url("index")).status_code == 200
        return len(queries)

    few = count()
    for number in range(6):
        _awaiting(make_story([champion_a], title=f"Story {number}"))
    for _ in range(4):
        request = services.request_create(
            requested_by=StaffFactory(), deal=DealFactory(), activity_type="call"
        )
        ReferenceProfile.objects.update_or_create(
            champion=champion_a, defaults={"cap_override": 20}
        )
        services.request_offer(request=request, champion=champion_a, offered_by=None)
        services.request_decline(request=request, reason="busy")
    assert count() == few


def test_story_and_request_pages_query_budgets(
    client_a: Client,
    champion_a: Any,
    story_a: Any,
    offered: Any,
    django_assert_max_num_queries: Any,
) -> None:
    services.story_sign_off(story=story_a, champion=champion_a, content_hash=story_a.content_hash)
    services.story_update(story=story_a, actor=None, results="Two days.")
    with django_assert_max_num_queries(12):
        assert client_a.get(_url("story", story_a.pk)).status_code == 200
    with django_assert_max_num_queries(6):
        assert client_a.get(_url("request", offered.pk)).status_code == 200


def test_home_panel_shows_what_waits_for_me_and_hides_otherwise(
    client_a: Client, client_b: Client, story_a: Any, offered: Any
) -> None:
    home = client_a.get(reverse("portal:home")).content.decode()
    assert "Waiting for you" in home
    assert "Sign off “Acme closes in three days”" in home and "Initech" in home
    assert "Waiting for you" not in client_b.get(reverse("portal:home")).content.decode()
