"""Triggers: who a playbook step reaches now, as one set-based query each.

Each returns a lazy QuerySet of champion ids, built from the `Activity` log and the
champions' own fields; the engine extends it and runs it inside a single INSERT. The window
[since, now] is the step's lookback: facts older than that are not news.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet

from champions.models import Activity, ActivityKind, ActivityLevel, Champion, ChampionState
from programs.clinics.models import Answer, Question, QuestionStatus
from programs.playbooks.selectors import reachable_champions

QUESTION_UNANSWERED_AFTER = timedelta(hours=24)
NO_CONTRIBUTION_FOR = timedelta(days=30)

ChampionIds = QuerySet[Champion, int]


def with_activity(kind: str, *, now: datetime, since: datetime) -> ChampionIds:
    """Champions with an activity of `kind` dated in [since, now]; driven by the
    (kind, occurred_at) index rather than by champions."""
    recent = Activity.objects.filter(kind=kind, occurred_at__gte=since, occurred_at__lte=now)
    return (
        reachable_champions()
        .filter(pk__in=recent.order_by().values("champion_id"))
        .values_list("pk", flat=True)
    )


def champion_joined(*, now: datetime, since: datetime) -> ChampionIds:
    """Accepted their invitation in the window."""
    return with_activity(ActivityKind.ACCEPTED_INVITATION, now=now, since=since)


def first_value_reached(*, now: datetime, since: datetime) -> ChampionIds:
    """Reached their first value moment (METRICS.md) in the window."""
    return (
        reachable_champions()
        .filter(first_value_at__gte=since, first_value_at__lte=now)
        .values_list("pk", flat=True)
    )


def no_contribution(*, now: datetime, since: datetime) -> ChampionIds:
    """Active, joined at least 30 days ago, and no contribution (level > observer) since."""
    cutoff = now - NO_CONTRIBUTION_FOR
    contribution = Activity.objects.filter(
        champion_id=OuterRef("pk"),
        level__gt=ActivityLevel.OBSERVER,
        occurred_at__gte=cutoff,
        occurred_at__lte=now,
    )
    return (
        reachable_champions()
        .filter(state=ChampionState.ACTIVE, joined_at__lte=cutoff)
        .filter(~Exists(contribution))
        .values_list("pk", flat=True)
    )


def question_unanswered(*, now: datetime, since: datetime) -> ChampionIds:
    """Askers of open questions posted more than 24 hours ago (and after `since` minus those
    24 hours) that nobody but the asker has answered (a self-answer answers nothing)."""
    other_answer = Answer.objects.filter(question_id=OuterRef("pk")).exclude(
        author_id=OuterRef("asker_id")
    )
    deadline = now - QUESTION_UNANSWERED_AFTER
    stale = Question.objects.filter(
        status=QuestionStatus.OPEN,
        posted_at__lte=deadline,
        posted_at__gte=since - QUESTION_UNANSWERED_AFTER,
    ).filter(~Exists(other_answer))
    return (
        reachable_champions()
        .filter(pk__in=stale.order_by().values("asker_id"))
        .values_list("pk", flat=True)
    )


def event_attended(*, now: datetime, since: datetime) -> ChampionIds:
    """Attended an event that started in the window."""
    return with_activity(ActivityKind.ATTENDED_EVENT, now=now, since=since)


def story_published(*, now: datetime, since: datetime) -> ChampionIds:
    """Featured in a reference story published in the window."""
    return with_activity(ActivityKind.WROTE_STORY, now=now, since=since)
