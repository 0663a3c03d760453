"""Time to first answer, exactly as METRICS.md defines it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from programs.clinics import selectors
from tests.factories import ChampionFactory, StaffFactory
from tests.programs.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db
POSTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_time_to_first_answer_skips_self_staff_and_staff_champion_answers() -> None:
    question = QuestionFactory(posted_at=POSTED)
    AnswerFactory(question=question, author=question.asker, posted_at=POSTED + timedelta(hours=1))
    AnswerFactory(
        question=question,
        author=None,
        author_user=StaffFactory(),
        is_staff_answer=True,
        posted_at=POSTED + timedelta(hours=2),
    )
    staff_user = StaffFactory()
    AnswerFactory(
        question=question,
        author=ChampionFactory(user=staff_user, email=staff_user.email),
        author_user=staff_user,
        posted_at=POSTED + timedelta(hours=3),
    )
    AnswerFactory(question=question, posted_at=POSTED + timedelta(hours=5, minutes=30))
    AnswerFactory(question=question, posted_at=POSTED + timedelta(hours=9))

    assert selectors.time_to_first_answer(question) == timedelta(hours=5, minutes=30)
    assert selectors.time_to_first_answer(question, before=POSTED + timedelta(hours=5)) is None
    assert list(selectors.questions_without_peer_answer(posted_before=POSTED + timedelta(1))) == []


def test_a_question_without_a_peer_answer_has_no_time_to_first_answer() -> None:
    question = QuestionFactory(posted_at=POSTED)
    AnswerFactory(question=question, author=question.asker)

    assert selectors.time_to_first_answer(question) is None
    assert list(
        selectors.questions_without_peer_answer(posted_before=POSTED + timedelta(hours=24))
    ) == [question]
