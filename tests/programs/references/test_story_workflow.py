"""The story workflow: transitions, versions, sign-off bound to a hash, the consent gate."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Activity, ActivityKind, ActivityLevel, ConsentScope
from programs.references import selectors, services
from programs.references.errors import MissingConsent
from programs.references.models import StoryStatus, StoryVersion
from tests.factories import AccountFactory, ChampionFactory
from tests.programs.references.factories import grant, make_story, publish, sign_all, withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(consenting_champion: Any) -> Any:
    return make_story([consenting_champion])


def test_a_new_story_is_a_draft_with_its_first_version(story: Any) -> None:
    assert story.status == StoryStatus.DRAFT
    # Version 1 at creation, version 2 once the metric was added.
    assert list(story.versions.values_list("number", flat=True)) == [2, 1]
    latest = story.versions.get(number=2)
    assert "Onboarding time: 14 → 3 days" in latest.text
    assert story.content_hash == services.content_hash(latest.text)


def test_the_full_workflow_reaches_published(story: Any) -> None:
    services.story_submit_for_review(story=story, actor=None)
    assert story.status == StoryStatus.IN_REVIEW
    services.story_request_sign_off(story=story, actor=None)
    assert story.status == StoryStatus.AWAITING_SIGN_OFF
    sign_all(story)
    story.refresh_from_db()
    assert story.status == StoryStatus.APPROVED  # the last sign-off approves
    services.story_publish(story=story, actor=None)
    assert story.status == StoryStatus.PUBLISHED
    assert story.review_due_at is not None and story.published_at is not None
    assert (story.review_due_at - story.published_at).days in (365, 366)
    assert story.needs_crm_update_at == story.published_at


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (services.story_publish, "draft and cannot become published"),
        (services.story_approve, "draft and cannot become approved"),
        (services.story_request_sign_off, "draft and cannot become awaiting champion sign-off"),
        (services.story_expire, "draft and cannot become expired"),
        (services.story_reopen, "draft and cannot become draft"),
    ],
)
def test_illegal_transitions_from_draft_are_refused(story: Any, call: Any, message: str) -> None:
    kwargs = {"story": story} if call is services.story_expire else {"story": story, "actor": None}
    with pytest.raises(DomainError, match=message) as error:
        call(**kwargs)
    assert error.value.code == "illegal_transition"
    story.refresh_from_db()
    assert story.status == StoryStatus.DRAFT


def test_published_stories_cannot_go_back_to_review(story: Any) -> None:
    publish(story)
    with pytest.raises(DomainError, match="allowed next: expired, withdrawn"):
        services.story_submit_for_review(story=story, actor=None)


def test_an_incomplete_story_cannot_be_submitted(consenting_champion: Any) -> None:
    story = make_story([consenting_champion], results="")
    with pytest.raises(DomainError, match="results") as error:
        services.story_submit_for_review(story=story, actor=None)
    assert error.value.field == "results"


def test_only_the_accounts_own_champions_can_be_featured(story: Any) -> None:
    stranger = ChampionFactory(account=AccountFactory(name="Other Co"))
    with pytest.raises(DomainError, match="not a champion of Acme"):
        services.story_set_featured(story=story, champions=[stranger], actor=None)


def test_quotes_only_by_featured_champions(story: Any) -> None:
    outsider = ChampionFactory(account=story.account, full_name="Bob")
    with pytest.raises(DomainError, match="Bob is not featured"):
        services.story_set_quotes(
            story=story, quotes=[services.QuoteInput(outsider, "Great")], actor=None
        )


def test_an_edit_after_sign_off_invalidates_it_and_needs_a_new_one(
    story: Any, consenting_champion: Any
) -> None:
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    signed_hash = story.content_hash
    services.story_sign_off(story=story, champion=consenting_champion, content_hash=signed_hash)
    story.refresh_from_db()
    assert story.status == StoryStatus.APPROVED

    services.story_update(story=story, actor=None, results="Onboarding takes two days.")

    assert story.status == StoryStatus.AWAITING_SIGN_OFF
    assert story.content_hash != signed_hash
    [state] = selectors.story_sign_off_state(story=story)
    assert state.signed_current is False
    assert state.last_sign_off is not None and state.last_sign_off.content_hash == signed_hash
    with pytest.raises(DomainError, match="cannot become published"):
        services.story_publish(story=story, actor=None)


def test_signing_off_a_version_that_has_since_changed_is_refused(
    story: Any, consenting_champion: Any
) -> None:
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    seen_hash, seen_number = story.content_hash, story.version_number
    services.story_update(story=story, actor=None, title="Onboarding in two days")

    with pytest.raises(DomainError) as error:
        services.story_sign_off(story=story, champion=consenting_champion, content_hash=seen_hash)

    assert error.value.code == "stale_version"
    assert f"version {seen_number}" in error.value.message
    assert f"review version {story.version_number}" in error.value.message
    assert not story.sign_offs.exists()


def test_sign_off_by_someone_not_featured_is_refused(story: Any) -> None:
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    other = ChampionFactory(account=story.account, full_name="Eve")
    with pytest.raises(DomainError, match="Eve is not featured"):
        services.story_sign_off(story=story, champion=other, content_hash=story.content_hash)


def test_approval_needs_every_featured_champion(consenting_champion: Any) -> None:
    second = ChampionFactory(account=consenting_champion.account, full_name="Zed")
    story = make_story([consenting_champion, second])
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    services.story_sign_off(
        story=story, champion=consenting_champion, content_hash=story.content_hash
    )
    story.refresh_from_db()
    assert story.status == StoryStatus.AWAITING_SIGN_OFF
    with pytest.raises(DomainError, match="needs the sign-off of Zed"):
        services.story_approve(story=story, actor=None)


def test_a_published_story_is_locked_for_edits(story: Any) -> None:
    publish(story)
    with pytest.raises(DomainError, match="text is locked"):
        services.story_update(story=story, actor=None, title="Sneaky")
    story.refresh_from_db()
    assert story.title == "Onboarding in three days"


def test_an_unchanged_save_makes_no_version(story: Any) -> None:
    before = StoryVersion.objects.count()
    services.story_update(story=story, actor=None, title=story.title)
    assert StoryVersion.objects.count() == before


def test_versions_can_be_compared(story: Any) -> None:
    services.story_update(story=story, actor=None, results="Onboarding takes <two> days.")
    unified = selectors.story_version_diff(story=story, old=2, new=3)
    assert "-Onboarding takes three days." in unified
    assert "+Onboarding takes <two> days." in unified
    table = selectors.story_version_diff(story=story, old=2, new=3, html=True)
    assert "<two>" not in table and "&lt;" in table and "wo&gt;" in table
    with pytest.raises(DomainError, match="no version 9"):
        selectors.story_version_diff(story=story, old=2, new=9)


# --- the consent gate ---------------------------------------------------------------------


def test_publishing_lists_every_missing_consent_by_champion_and_scope() -> None:
    account = AccountFactory(name="Acme")
    ada = ChampionFactory(account=account, full_name="Ada")
    bob = ChampionFactory(account=account, full_name="Bob")
    grant(ada, ConsentScope.CASE_STUDY)  # no quote, no logo
    grant(bob, ConsentScope.CASE_STUDY, ConsentScope.QUOTE, ConsentScope.LOGO)
    withdraw(bob, ConsentScope.CASE_STUDY)
    story = make_story([ada, bob], logo_permission=True)
    services.story_set_quotes(
        story=story, quotes=[services.QuoteInput(ada, "It just works.")], actor=None
    )
    services.story_submit_for_review(story=story, actor=None)
    services.story_request_sign_off(story=story, actor=None)
    sign_all(story)
    story.refresh_from_db()

    with pytest.raises(MissingConsent) as error:
        services.story_publish(story=story, actor=None)

    assert {c.full_name: s for c, s in error.value.missing.items()} == {
        "Ada": ["quote", "logo"],
        "Bob": ["case_study"],
    }
    assert error.value.message == (
        "The story cannot be published until these consents are current — "
        "Ada: quote, company logo; Bob: case study."
    )
    story.refresh_from_db()
    assert story.status == StoryStatus.APPROVED


def test_a_video_link_needs_video_consent(consenting_champion: Any) -> None:
    withdraw(consenting_champion, ConsentScope.VIDEO)
    story = make_story([consenting_champion], video_url="https://video.example/acme")
    with pytest.raises(MissingConsent, match="Ada: video"):
        publish(story)


# --- publishing records activity and thanks ------------------------------------------------


def test_publishing_writes_wrote_story_for_each_featured_champion_and_thanks_them(
    consenting_champion: Any, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    second = ChampionFactory(account=consenting_champion.account, full_name="Zed")
    grant(second)
    story = make_story([consenting_champion, second])
    at = timezone.now()  # consents granted just before count; earlier would not
    with django_capture_on_commit_callbacks(execute=True):
        publish(story, at=at)

    activities = Activity.objects.filter(kind=ActivityKind.WROTE_STORY).order_by("champion_id")
    assert [(a.champion_id, a.level, a.occurred_at) for a in activities] == [
        (consenting_champion.pk, ActivityLevel.CONTRIBUTOR, at),
        (second.pk, ActivityLevel.CONTRIBUTOR, at),
    ]
    assert all(a.subject_type == "references.referencestory" for a in activities)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([consenting_champion.email, second.email])
    message = mailoutbox[0]
    assert "is published" in message.subject
    assert message.alternatives[0][1] == "text/html"


def test_expiry_withdrawal_and_reopening(story: Any) -> None:
    publish(story)
    assert services.stories_expire_due(at=timezone.now()) == 0
    assert services.stories_expire_due(at=story.review_due_at) == 1
    story.refresh_from_db()
    assert story.status == StoryStatus.EXPIRED

    services.story_reopen(story=story, actor=None)
    assert story.status == StoryStatus.DRAFT
    with pytest.raises(DomainError, match="Say why"):
        services.story_withdraw(story=story, actor=None, reason=" ")
    services.story_withdraw(story=story, actor=None, reason="Champion left the company")
    assert story.status == StoryStatus.WITHDRAWN
    assert story.withdrawn_reason == "Champion left the company"
