"""The reference admin: changelists with flat query counts, the match view and its offer
button, the story workflow buttons, versions and preview, the request steps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from champions.models import ConsentScope
from programs.references import services
from programs.references.models import (
    Attribution,
    ReferenceProfile,
    ReferenceRequest,
    ReferenceStory,
    RequestStatus,
    StoryStatus,
)
from tests.factories import AccountFactory, ChampionFactory, UserFactory
from tests.programs.references.factories import (
    DealFactory,
    ReferenceRequestFactory,
    grant,
    make_story,
    publish,
    withdraw,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:references_{name}", args=args)


def make_rows(model: str, count: int) -> None:
    account = AccountFactory()
    for i in range(count):
        champion = ChampionFactory(account=account)
        if model == "referencestory":
            make_story([champion], title=f"Story {i}")
        elif model == "referencerequest":
            ReferenceRequestFactory(
                champion=champion,
                status=RequestStatus.OFFERED,
                requested_at=timezone.now() - timedelta(days=i),
            )
        elif model == "deal":
            DealFactory()
        elif model == "attribution":
            request = ReferenceRequestFactory(champion=champion, status=RequestStatus.COMPLETED)
            Attribution.objects.create(
                request=request,
                champion=champion,
                deal=request.deal,
                type="call",
                date=timezone.now(),
            )
        elif model == "referenceprofile":
            ReferenceProfile.objects.create(champion=champion)


def changelist_queries(client: Any, model: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(f"{model}_changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "model", ["referencestory", "referencerequest", "deal", "attribution", "referenceprofile"]
)
def test_changelists_cost_the_same_queries_for_2_and_25_rows(
    admin_client_logged_in: Any, model: str
) -> None:
    make_rows(model, 2)
    few = changelist_queries(admin_client_logged_in, model)
    make_rows(model, 23)
    many = changelist_queries(admin_client_logged_in, model)
    assert few == many


@pytest.mark.parametrize(
    "model", ["usecase", "tierreferencecap", "referenceprogramsettings", "referenceprofile"]
)
def test_the_program_pages_open(admin_client_logged_in: Any, model: str) -> None:
    assert admin_client_logged_in.get(url(f"{model}_changelist")).status_code == 200
    assert admin_client_logged_in.get(url(f"{model}_add")).status_code == 200


def test_the_queue_flags_overdue_requests_and_lists_them_first(
    admin_client_logged_in: Any,
) -> None:
    now = timezone.now()
    ReferenceRequestFactory(prospect_company="Fresh", requested_at=now)
    ReferenceRequestFactory(prospect_company="Stale", requested_at=now - timedelta(days=6))
    ReferenceRequestFactory(
        prospect_company="Done", requested_at=now - timedelta(days=9), status="completed"
    )
    html = admin_client_logged_in.get(url("referencerequest_changelist")).content.decode()
    assert html.index("Stale") < html.index("Fresh") < html.index("Done")
    assert "⚠ overdue since" in html and "#dc3545" in html


# --- requests: add, match, offer, steps ------------------------------------------------------


@pytest.fixture
def open_request(consenting_champion: Any) -> ReferenceRequest:
    return services.request_create(
        requested_by=UserFactory(),
        deal=DealFactory(account=AccountFactory(name="Prospect AG")),
        activity_type="call",
    )


def test_a_request_is_created_through_the_service(admin_client_logged_in: Any) -> None:
    deal = DealFactory(account=AccountFactory(name="Prospect AG", industry="fintech"))
    seller = UserFactory()
    response = admin_client_logged_in.post(
        url("referencerequest_add"),
        {"deal": deal.pk, "requested_by": seller.pk, "activity_type": "call", "language": "de"},
    )
    created = ReferenceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("referencerequest_change", created.pk)
    assert (created.prospect_company, created.prospect_industry) == ("Prospect AG", "fintech")
    assert created.offer_due_at > created.requested_at


def test_a_refused_creation_shows_the_message_on_the_field(admin_client_logged_in: Any) -> None:
    deal = DealFactory()
    response = admin_client_logged_in.post(
        url("referencerequest_add"),
        {
            "deal": deal.pk,
            "requested_by": UserFactory().pk,
            "activity_type": "call",
            "language": "en",
            "needed_by": "2001-01-01",
        },
    )
    assert response.status_code == 200
    assert "needed-by date is in the past" in response.content.decode()
    assert not ReferenceRequest.objects.exists()


def test_the_match_view_lists_candidates_with_their_reasons(
    admin_client_logged_in: Any, open_request: ReferenceRequest, consenting_champion: Any
) -> None:
    response = admin_client_logged_in.get(url("referencerequest_match", open_request.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert consenting_champion.full_name in html
    assert "Same industry as the prospect" in html
    assert ">Offer</button>" in html
    assert (
        admin_client_logged_in.get(url("referencerequest_change", open_request.pk)).status_code
        == 200
    )


def test_one_click_offers_through_the_service(
    admin_client_logged_in: Any, open_request: ReferenceRequest, consenting_champion: Any
) -> None:
    response = admin_client_logged_in.post(
        url("referencerequest_offer", open_request.pk),
        {"champion": consenting_champion.pk, "score": "55"},
    )
    assert response.status_code == 302
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.OFFERED
    offer = open_request.offers.get()
    assert (offer.champion, offer.score, offer.offered_by.email) == (
        consenting_champion,
        55,
        "manager@example.com",
    )


def test_a_refused_offer_says_why_and_changes_nothing(
    admin_client_logged_in: Any, open_request: ReferenceRequest, consenting_champion: Any
) -> None:
    withdraw(consenting_champion, ConsentScope.REFERENCE_CALL)
    response = admin_client_logged_in.post(
        url("referencerequest_offer", open_request.pk),
        {"champion": consenting_champion.pk},
        follow=True,
    )
    assert "withdrew consent to reference calls" in response.content.decode()
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.REQUESTED


def test_the_lifecycle_steps_run_from_the_change_page(
    admin_client_logged_in: Any, open_request: ReferenceRequest, consenting_champion: Any
) -> None:
    client = admin_client_logged_in
    client.post(
        url("referencerequest_offer", open_request.pk), {"champion": consenting_champion.pk}
    )
    client.post(url("referencerequest_step", open_request.pk, "accept"))
    client.post(
        url("referencerequest_step", open_request.pk, "schedule"),
        {"scheduled_for": "2030-01-15T10:00"},
    )
    bad = client.post(
        url("referencerequest_step", open_request.pk, "complete"),
        {"outcome": "held", "rating": "9"},
        follow=True,
    )
    assert "rating" in bad.content.decode()
    client.post(
        url("referencerequest_step", open_request.pk, "complete"),
        {"outcome": "held", "feedback": "Great call", "rating": "5"},
    )
    open_request.refresh_from_db()
    assert (open_request.status, open_request.outcome, open_request.feedback_rating) == (
        RequestStatus.COMPLETED,
        "held",
        5,
    )
    assert open_request.scheduled_for is not None and open_request.scheduled_for.year == 2030
    assert Attribution.objects.filter(request=open_request).exists()


# --- stories: workflow buttons, versions, preview --------------------------------------------


def test_the_story_editor_records_a_version_after_each_save(
    admin_client_logged_in: Any, consenting_champion: Any
) -> None:
    story = make_story([consenting_champion])
    page = admin_client_logged_in.get(url("referencestory_change", story.pk))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "document"}
    data.update(
        {
            "account": story.account_id,
            "product_areas": [],
            "use_case": "",
            "results": "Onboarding takes one day.",
        }
    )
    for prefix, formset in (
        ("features", story.features),
        ("metrics", story.metrics),
        ("quotes", story.quotes),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        assert formset.exists() or prefix == "quotes"
    response = admin_client_logged_in.post(url("referencestory_change", story.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert story.version_number == 3
    assert "Onboarding takes one day." in story.versions.get(number=3).text


def test_workflow_buttons_call_the_services(
    admin_client_logged_in: Any, consenting_champion: Any
) -> None:
    story = make_story([consenting_champion])
    client = admin_client_logged_in
    assert (
        "Submit for review" in client.get(url("referencestory_change", story.pk)).content.decode()
    )
    client.post(url("referencestory_workflow", story.pk, "submit"))
    client.post(url("referencestory_workflow", story.pk, "request_sign_off"))
    refused = client.post(url("referencestory_workflow", story.pk, "publish"), follow=True)
    assert "cannot become published" in refused.content.decode()
    story.refresh_from_db()
    client.post(
        url("referencestory_sign_off", story.pk),
        {"champion": consenting_champion.pk, "content_hash": story.content_hash, "method": "email"},
    )
    client.post(url("referencestory_workflow", story.pk, "publish"))
    story.refresh_from_db()
    assert story.status == StoryStatus.PUBLISHED
    assert story.sign_offs.get().actor.email == "manager@example.com"
    client.post(url("referencestory_workflow", story.pk, "withdraw"), {"reason": "Rebrand"})
    story.refresh_from_db()
    assert (story.status, story.withdrawn_reason) == (StoryStatus.WITHDRAWN, "Rebrand")


def test_a_stale_sign_off_recorded_in_the_admin_is_refused(
    admin_client_logged_in: Any, consenting_champion: Any
) -> None:
    story = make_story([consenting_champion])
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    seen = story.content_hash
    services.story_update(story=story, actor=None, title="Changed meanwhile")
    response = admin_client_logged_in.post(
        url("referencestory_sign_off", story.pk),
        {"champion": consenting_champion.pk, "content_hash": seen, "method": "email"},
        follow=True,
    )
    assert "changed after the version you approved" in response.content.decode()
    assert not story.sign_offs.exists()


def test_versions_page_shows_history_and_a_diff(
    admin_client_logged_in: Any, consenting_champion: Any
) -> None:
    story = make_story([consenting_champion])
    services.story_update(story=story, actor=None, results="Faster <still>.")
    response = admin_client_logged_in.get(
        url("referencestory_versions", story.pk), {"old": 2, "new": 3}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="diff"' in html and "&lt;" in html and "<still>" not in html


def test_the_preview_shows_what_sales_sees_and_why_not(
    admin_client_logged_in: Any, consenting_champion: Any
) -> None:
    story = publish(make_story([consenting_champion]))
    page = admin_client_logged_in.get(url("referencestory_preview", story.pk)).content.decode()
    assert "Sales can see and use this story now." in page
    assert consenting_champion.email not in page
    withdraw(consenting_champion, ConsentScope.CASE_STUDY)
    page = admin_client_logged_in.get(url("referencestory_preview", story.pk)).content.decode()
    assert "Sales cannot see this story now" in page and "Ada: case_study" in page


def test_a_published_story_cannot_be_edited_in_the_admin(
    admin_client_logged_in: Any, consenting_champion: Any
) -> None:
    story = publish(make_story([consenting_champion]))
    page = admin_client_logged_in.get(url("referencestory_change", story.pk))
    assert page.status_code == 200
    assert "title" not in page.context["adminform"].form.fields
    assert ReferenceStory.objects.get(pk=story.pk).title == story.title


def test_the_deal_list_shows_whether_a_deal_has_a_reference(admin_client_logged_in: Any) -> None:
    champion = ChampionFactory()
    grant(champion)
    request = ReferenceRequestFactory(champion=champion, status=RequestStatus.COMPLETED)
    Attribution.objects.create(
        request=request,
        champion=champion,
        deal=request.deal,
        type="call",
        date=timezone.now() - timedelta(hours=1),
    )
    html = admin_client_logged_in.get(url("deal_changelist")).content.decode()
    assert 'alt="True"' in html


def test_a_story_added_in_the_admin_gets_its_first_version(
    admin_client_logged_in: Any, consenting_champion: Any
) -> None:
    account = consenting_champion.account
    data = {
        "account": account.pk,
        "title": "New story",
        "visibility": "sales",
        "challenge": "c",
        "solution": "s",
        "results": "r",
        "industry": account.industry,
        "region": account.region,
        "size_band": account.size_band,
        "language": "en",
        "features-TOTAL_FORMS": "1",
        "features-INITIAL_FORMS": "0",
        "features-0-champion": consenting_champion.pk,
    }
    for prefix in ("metrics", "quotes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client_logged_in.post(url("referencestory_add"), data)
    assert response.status_code == 302, response.content.decode()[:1500]
    story = ReferenceStory.objects.get(title="New story")
    assert story.version_number == 1 and "Featured: Ada" in story.versions.get().text


def test_closed_deals_are_not_offered_in_the_request_form(admin_client_logged_in: Any) -> None:
    closed = DealFactory(is_closed=True, is_won=False)
    response = admin_client_logged_in.post(
        url("referencerequest_add"),
        {"deal": closed.pk, "requested_by": UserFactory().pk, "activity_type": "call"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ReferenceRequest.objects.exists()
