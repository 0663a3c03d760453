"""What sales may see: consent checked in SQL, so a withdrawal hides a story at once."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from champions.models import ConsentScope
from programs.references import selectors, services
from programs.references.models import ReferenceStory, StoryVisibility
from tests.factories import ChampionFactory
from tests.programs.references.factories import grant, make_story, publish, withdraw

pytestmark = pytest.mark.django_db


def visible(at: datetime | None = None) -> list[ReferenceStory]:
    stories = list(selectors.stories_visible_to_sales(at=at))
    # The search's form of the rule, compiled once with the moment as a parameter, agrees.
    ids = ReferenceStory.objects.filter(pk__in=selectors.visible_story_ids(at=at))
    assert set(ids.values_list("pk", flat=True)) == {story.pk for story in stories}
    return stories


@pytest.fixture
def published(consenting_champion: Any) -> ReferenceStory:
    story = make_story([consenting_champion], logo_permission=True)
    services.story_set_quotes(
        story=story,
        quotes=[services.QuoteInput(consenting_champion, "We onboard in days now.")],
        actor=None,
    )
    return publish(story)


def test_a_published_shareable_story_is_visible(published: ReferenceStory) -> None:
    assert visible() == [published]


def test_drafts_and_internal_stories_are_not(consenting_champion: Any) -> None:
    make_story([consenting_champion], title="Draft")
    internal = make_story([consenting_champion], visibility=StoryVisibility.INTERNAL)
    publish(internal)
    assert visible() == []


@pytest.mark.parametrize("scope", [ConsentScope.CASE_STUDY, ConsentScope.QUOTE, ConsentScope.LOGO])
def test_withdrawing_a_used_consent_hides_the_story_immediately(
    published: ReferenceStory, consenting_champion: Any, scope: str
) -> None:
    withdraw(consenting_champion, scope)  # no job, no hook: the next query already knows
    assert visible() == []
    grant(consenting_champion, scope)
    assert visible() == [published]


def test_withdrawing_an_unused_consent_changes_nothing(
    published: ReferenceStory, consenting_champion: Any
) -> None:
    withdraw(consenting_champion, ConsentScope.VIDEO)  # the story has no video
    withdraw(consenting_champion, ConsentScope.REFERENCE_CALL)
    assert visible() == [published]


def test_one_featured_champion_withdrawing_is_enough(consenting_champion: Any) -> None:
    second = ChampionFactory(account=consenting_champion.account, full_name="Zed")
    grant(second, at=timezone.now() - timedelta(days=1))
    story = publish(make_story([consenting_champion, second]))
    assert visible() == [story]
    withdraw(second, ConsentScope.CASE_STUDY)
    assert visible() == []


def test_a_story_past_its_review_date_is_hidden_before_the_job_runs(
    published: ReferenceStory,
) -> None:
    assert published.review_due_at is not None
    assert visible(at=published.review_due_at - timedelta(seconds=1)) == [published]
    assert visible(at=published.review_due_at) == []


def test_an_erased_champion_hides_their_stories(
    published: ReferenceStory, consenting_champion: Any
) -> None:
    consenting_champion.erased_at = timezone.now()
    consenting_champion.save()
    assert visible() == []


def test_the_withdrawal_hook_marks_affected_published_stories_for_the_crm(
    published: ReferenceStory, consenting_champion: Any
) -> None:
    ReferenceStory.objects.update(needs_crm_update_at=None)
    draft = make_story([consenting_champion], title="Draft")

    unused = services.on_consent_withdrawn(champion=consenting_champion, scope="video")
    assert unused.stories_marked == 0
    effect = services.on_consent_withdrawn(champion=consenting_champion, scope="quote")

    assert effect.stories_marked == 1
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.needs_crm_update_at is not None
    assert draft.needs_crm_update_at is None


def test_what_sales_sees_has_no_contact_details_or_notes(
    published: ReferenceStory, consenting_champion: Any
) -> None:
    consenting_champion.private_notes = "Prefers mornings"
    consenting_champion.save()
    view = selectors.story_for_sales(story=published)
    flat = repr(asdict(view))
    assert view.company == "Acme" and view.logo_shown
    assert view.quotes[0].text == "We onboard in days now."
    assert view.metrics[0].before == "14" and view.metrics[0].after == "3"
    assert consenting_champion.email not in flat and "mornings" not in flat
