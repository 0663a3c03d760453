"""Anonymized lessons from closed cases."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import User
from programs.governance.models import (
    ActionKind,
    AnonymizedLesson,
    CaseStatus,
    LessonAudience,
    ModerationCase,
)
from programs.governance.selectors import may_moderate_case
from programs.governance.services.audit import record_action
from programs.governance.services.personal_data import (
    Person,
    anonymize,
    people_of,
    personal_data_in,
)


def case_people(case: ModerationCase) -> list[Person]:
    """Everyone a lesson from this case must not make recognisable."""
    people = people_of(case.member, "the member")
    for report in case.reports.select_related("reporter__account", "entered_by"):
        people += people_of(report.reporter, "the reporter")
    for moderator in (case.moderator, case.deputy, case.decided_by, case.opened_by):
        people += people_of(moderator, "the moderator")
    return people


def lesson_draft(*, case: ModerationCase) -> str:
    """A starting point: the case's steps with names and contact details replaced."""
    steps = "\n\n".join(f"{step.get_kind_display()}: {step.text}" for step in case.steps.all())
    return anonymize(steps, case_people(case))


def _check(case: ModerationCase, *texts: str) -> None:
    found: list[str] = []
    for text in texts:
        found += [term for term in personal_data_in(text, case_people(case)) if term not in found]
    if found:
        raise DomainError(
            "A lesson must not let anyone be recognised. Remove: " + ", ".join(found) + ".",
            field="body",
        )


@transaction.atomic
def lesson_write(
    *,
    case: ModerationCase,
    by: User,
    title: str,
    body: str,
    audience: str = LessonAudience.MODERATORS,
    at: datetime | None = None,
) -> AnonymizedLesson:
    at = at or timezone.now()
    if not may_moderate_case(user=by, case=case):
        raise DomainError("Only the moderators of this case can write its lesson.", field="by")
    if case.status != CaseStatus.CLOSED:
        raise DomainError("Lessons are written from closed cases.", field="case")
    if audience not in LessonAudience.values:
        raise DomainError("Choose who may read the lesson.", field="audience")
    if not title.strip() or not body.strip():
        raise DomainError("A lesson needs a title and a text.", field="body")
    _check(case, title, body)
    lesson = AnonymizedLesson.objects.create(
        case=case,
        title=title.strip(),
        body=body.strip(),
        audience=audience,
        written_by=by,
        written_at=at,
        shared_at=at if audience == LessonAudience.COMMUNITY else None,
    )
    record_action(
        kind=ActionKind.LESSON_WRITTEN,
        actor=by,
        at=at,
        case=case,
        detail={"lesson": lesson.pk, "audience": audience},
    )
    return lesson


@transaction.atomic
def lesson_share(
    *, lesson: AnonymizedLesson, by: User, at: datetime | None = None
) -> AnonymizedLesson:
    """Share a moderators-only lesson with the community (checked again first)."""
    at = at or timezone.now()
    lesson = AnonymizedLesson.objects.select_for_update().get(pk=lesson.pk)
    case = lesson.case
    if case is not None:
        if not may_moderate_case(user=by, case=case):
            raise DomainError("Only the moderators of the case can share its lesson.", field="by")
        _check(case, lesson.title, lesson.body)
    if lesson.audience == LessonAudience.COMMUNITY:
        return lesson
    lesson.audience, lesson.shared_at = LessonAudience.COMMUNITY, at
    lesson.save(update_fields=["audience", "shared_at"])
    return lesson
