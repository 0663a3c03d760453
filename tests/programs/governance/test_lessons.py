"""Anonymized lessons: only from closed cases, refused while anyone is recognisable."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from champions.errors import DomainError
from programs.governance import services
from programs.governance.models import LessonAudience, Report
from tests.programs.governance.conftest import Program, decide

pytestmark = pytest.mark.django_db


def closed_case(program: Program, report: Report) -> Any:
    case = services.case_open(reports=[report], by=program.mod_a)
    decide(case, program.mod_a)
    services.case_plan_follow_up(
        case=case,
        by=program.mod_a,
        on=timezone.localdate(),
        note="Check the next questions of Max.",
    )
    return services.case_close(case=case, by=program.mod_a)


def test_a_lesson_is_written_only_from_a_closed_case(program: Program, report: Report) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    with pytest.raises(DomainError, match="closed cases"):
        services.lesson_write(case=case, by=program.mod_a, title="t", body="b")


@pytest.mark.parametrize(
    "body",
    [
        "Max linked a paid course.",
        "mustermann linked a paid course.",
        "Ada Lovelace reported it.",
        "Write to max@globex.example next time.",
        "Call +49 30 1234567 for details.",
        "The moderator Mona handled it.",
        "Someone from Globex AG was involved.",
        "The acme team complained.",
    ],
)
def test_names_emails_phones_and_companies_are_refused(
    program: Program, report: Report, body: str
) -> None:
    case = closed_case(program, report)
    with pytest.raises(DomainError, match="recognised") as refused:
        services.lesson_write(case=case, by=program.mod_a, title="A lesson", body=body)
    assert refused.value.field == "body"


def test_the_draft_replaces_known_names_and_passes_the_check(
    program: Program, report: Report
) -> None:
    case = closed_case(program, report)
    draft = services.lesson_draft(case=case)
    assert "Max" not in draft and "the member" in draft

    lesson = services.lesson_write(case=case, by=program.mod_a, title="Paid links", body=draft)
    assert lesson.audience == LessonAudience.MODERATORS and lesson.shared_at is None
    shared = services.lesson_share(lesson=lesson, by=program.mod_a)
    assert shared.audience == LessonAudience.COMMUNITY and shared.shared_at is not None
