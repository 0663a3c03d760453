"""Each trigger matches exactly the champions it names, from the activity log and the
champions' own fields, as one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from champions.models import ActivityKind, ChampionState
from programs.clinics.models import QuestionStatus
from programs.playbooks.automation import TRIGGERS
from tests.factories import ActivityFactory, ChampionFactory, StaffFactory
from tests.programs.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
WEEK_AGO = NOW - timedelta(days=7)


def matched(key: str) -> set[int]:
    return set(TRIGGERS[key].champion_ids(now=NOW, since=WEEK_AGO))


def with_activity(kind: str, *, days_ago: float, **champion: object):
    c = ChampionFactory(**champion)
    ActivityFactory(champion=c, kind=kind, occurred_at=NOW - timedelta(days=days_ago))
    return c


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("champion_joined", ActivityKind.ACCEPTED_INVITATION),
        ("event_attended", ActivityKind.ATTENDED_EVENT),
        ("story_published", ActivityKind.WROTE_STORY),
    ],
)
def test_activity_triggers_match_champions_with_that_activity_in_the_window(key, kind):
    recent = with_activity(kind, days_ago=1)
    with_activity(kind, days_ago=9)  # before the window
    with_activity(ActivityKind.LOGIN, days_ago=1)  # another kind
    with_activity(kind, days_ago=-1)  # dated in the future: not yet
    with_activity(kind, days_ago=1, state=ChampionState.ALUMNI)
    with_activity(kind, days_ago=1, erased_at=NOW)
    staff = StaffFactory(email="pm@example.com")
    with_activity(kind, days_ago=1, user=staff, email="pm@example.com")
    assert matched(key) == {recent.pk}


def test_first_value_reached_in_the_window():
    reached = ChampionFactory(first_value_at=NOW - timedelta(days=2))
    ChampionFactory(first_value_at=NOW - timedelta(days=20))
    ChampionFactory(first_value_at=None)
    assert matched("first_value_reached") == {reached.pk}


def test_no_contribution_for_30_days():
    silent = ChampionFactory()  # joined 100 days ago, nothing since
    only_watching = with_activity(ActivityKind.LOGIN, days_ago=2)
    with_activity(ActivityKind.ANSWERED_QUESTION, days_ago=10)
    with_activity(ActivityKind.RSVP, days_ago=29)
    ChampionFactory(joined_at=NOW - timedelta(days=10))  # too new to be silent
    ChampionFactory(state=ChampionState.DORMANT)  # already marked dormant
    assert matched("no_contribution_30d") == {silent.pk, only_watching.pk}


def test_question_unanswered_for_24_hours():
    waiting = QuestionFactory(posted_at=NOW - timedelta(hours=30))
    self_answered = QuestionFactory(posted_at=NOW - timedelta(hours=30))
    AnswerFactory(question=self_answered, author=self_answered.asker)
    answered = QuestionFactory(posted_at=NOW - timedelta(hours=30))
    AnswerFactory(question=answered)
    staff_answered = QuestionFactory(posted_at=NOW - timedelta(hours=30))
    AnswerFactory(question=staff_answered, author=None, is_staff_answer=True)
    QuestionFactory(posted_at=NOW - timedelta(hours=10))  # not 24 hours yet
    QuestionFactory(posted_at=NOW - timedelta(hours=30), status=QuestionStatus.SOLVED)
    QuestionFactory(posted_at=NOW - timedelta(days=30))  # long before the window
    assert matched("question_unanswered_24h") == {waiting.asker_id, self_answered.asker_id}


@pytest.mark.parametrize("key", sorted(TRIGGERS))
def test_every_trigger_is_one_query(key, django_assert_num_queries):
    with django_assert_num_queries(1):
        matched(key)
