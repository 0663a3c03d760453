"""Help and knowledge: each expected value worked out by hand from METRICS.md."""

from __future__ import annotations

import pytest

from champions.models import ActivityKind
from tests.factories import StaffFactory, UserFactory
from tests.programs.metrics.build import (
    FROM,
    TO,
    act,
    answer,
    at,
    champion,
    helpful,
    march,
    question,
    template,
    value,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions() -> None:
    asker, peer = champion(), champion()
    staff_user, erased = StaffFactory(), champion(erased=True)
    q1 = question(asker, march(2))
    answer(q1, asker, march(2, 1))  # a self-answer: not an answer to it
    answer(q1, None, march(2, 2), staff_user=staff_user)  # staff: invisible
    answer(q1, erased, march(2, 3))  # erased: removed
    answer(q1, peer, march(2, 10))  # first answer: 10 h
    answer(q1, champion(), march(2, 11))
    answer(question(asker, march(3, 12)), peer, march(4, 12))  # q2: exactly 24 h
    answer(question(asker, march(5)), peer, march(6, 6))  # q3: 30 h
    answer(question(asker, march(31, 20)), peer, at(4, 1, 2))  # q4: answered after `to`
    question(asker, march(10))  # q5: never answered
    question(asker, TO)  # at `to`: outside
    question(asker, at(2, 28))  # before the window
    answer(question(champion(staff=True), march(11)), peer, march(11, 1))  # a staff asker
    answer(question(asker, FROM), peer, march(1, 4))  # q9: at `from`, 4 h


def test_time_to_first_answer_hours(questions: None) -> None:
    # Answered before `to`: q9 4, q1 10, q2 24, q3 30 hours -> (10 + 24) / 2 = 17.
    assert value("time_to_first_answer_hours") == pytest.approx(17.0)


def test_answered_within_24h_share(questions: None) -> None:
    # Asked in the window: q1, q2, q3, q4, q5, q9 = 6; within 24 h: q1, q2 (exactly 24 h),
    # q9 = 3 -> 0.5.
    assert value("answered_within_24h_share") == pytest.approx(0.5)


def test_questions_without_answers() -> None:
    question(champion(), march(2))
    assert value("time_to_first_answer_hours") is None
    assert value("answered_within_24h_share") == 0.0
    assert value("helpful_answer_share") is None


def test_helpful_answer_share() -> None:
    asker, peer, third = champion(), champion(), UserFactory()
    staff_user = StaffFactory()

    def asked(day: int) -> object:
        return question(asker, march(day))

    answer(asked(2), peer, march(2, 1), accepted=march(3))  # h1: accepted by the asker
    h2 = answer(asked(3), peer, march(3, 1))
    helpful(h2, third, march(4))  # h2: helpful to a third person
    h3 = answer(asked(4), peer, march(4, 1))
    helpful(h3, peer.user, march(5))  # h3: only its author found it helpful
    own = asked(5)
    answer(own, asker, march(5, 1), accepted=march(5, 2))  # h4: a self-answer, accepted
    answer(asked(6), peer, march(6, 1), accepted=TO)  # h5: accepted at `to`
    answer(asked(7), peer, march(7, 1))  # h6: nothing
    answer(asked(8), None, march(8, 1), staff_user=staff_user, accepted=march(8, 2))  # h7
    erased_answer = answer(asked(9), champion(erased=True), march(9, 1))  # h8
    helpful(erased_answer, third, march(9, 2))
    answer(asked(10), peer, TO, accepted=TO)  # h9: posted at `to`
    h10 = answer(asked(11), peer, march(11, 1))
    helpful(h10, staff_user, march(11, 2))  # h10: a staff member found it helpful
    # Answers: h1, h2, h3, h4 (self-answers count for volume), h5, h6, h10 = 7;
    # helpful: h1, h2, h10 = 3.
    assert value("helpful_answer_share") == pytest.approx(3 / 7)


def test_template_reuse_rate() -> None:
    start, end = at(1, 1), at(6, 1)
    author, other = champion(), champion()

    def reuse(person: object, item: object, when: object) -> None:
        act(person, ActivityKind.REUSED_TEMPLATE, when, subject=item)  # type: ignore[arg-type]

    t1 = template(author, at(1, 1))
    reuse(other, t1, at(4, 1))  # exactly 90 days later: reused
    t2 = template(author, at(1, 10))
    reuse(author, t2, at(1, 11))  # the author's own reuse
    reuse(other, t2, at(4, 11))  # 91 days later
    t3 = template(author, at(5, 20))
    reuse(other, t3, end)  # at `to`
    t4 = template(author, at(2, 1))
    reuse(champion(staff=True), t4, at(2, 2))
    reuse(champion(erased=True), t4, at(2, 3))
    t5 = template(author, at(3, 1))
    reuse(other, t5, at(3, 2))  # a fork is a reuse too
    template(None, at(2, 1), staff_user=StaffFactory())  # staff template: not counted
    template(author, None)  # a draft
    template(author, end)  # published at `to`
    # Published in the window: t1..t5 = 5; reused: t1, t5 = 2.
    assert value("template_reuse_rate", start, end) == pytest.approx(0.4)


def test_solved_chain_length() -> None:
    asker, peer = champion(), champion()
    staff_user = StaffFactory()

    def solved(day_or_moment: object, builds_on: object = None, *, by: object = peer) -> object:
        posted = at(1, 2) if builds_on is None else march(1)
        item = question(asker, posted, builds_on=builds_on)  # type: ignore[arg-type]
        answer(item, by, posted, accepted=day_or_moment)  # type: ignore[arg-type]
        return item

    s1 = solved(at(1, 5))
    s2 = solved(at(2, 10), s1)
    s3 = solved(march(5), s2)  # chain s3, s2, s1 = 3
    solved(march(20), s3)  # s4: chain 4
    unsolved = question(asker, at(1, 3))
    solved(march(7), unsolved)  # s5: stops at once: 1
    self_solved = question(asker, at(1, 4))
    answer(self_solved, asker, at(1, 4), accepted=at(1, 5))  # a self-answer solves nothing
    solved(march(8), self_solved)  # s6: 1
    s8 = solved(at(2, 27))  # first accepted before the window
    answer(s8, champion(), march(3), accepted=march(3, 1))
    solved(TO)  # s9: accepted at `to`
    staff_solved = question(asker, at(1, 6))
    answer(staff_solved, None, at(1, 6), staff_user=staff_user, accepted=at(1, 7))
    solved(march(9), staff_solved)  # s10: 1
    # Lengths 1, 1, 1, 3, 4: median 1, max 4, count 5.
    assert value("solved_chain_length") == {"max": 4, "median": 1.0, "count": 5}


def test_solved_chain_length_even_count_and_empty() -> None:
    assert value("solved_chain_length") == {"max": None, "median": None, "count": 0}
    asker, peer = champion(), champion()
    first = question(asker, at(1, 2))
    answer(first, peer, at(1, 2), accepted=at(1, 3))
    second = question(asker, march(1), builds_on=first)
    answer(second, peer, march(1), accepted=march(2))  # chain 2
    answer(question(asker, march(1)), peer, march(1), accepted=march(3))  # chain 1
    # Lengths 1, 2: median (1 + 2) / 2 = 1.5.
    assert value("solved_chain_length") == {"max": 2, "median": 1.5, "count": 2}


def test_an_answer_written_by_a_staff_user_is_a_staff_answer_whatever_its_flag() -> None:
    """Staff are invisible as answerers by their user, even on an answer whose staff flag
    is unset and whose author is a visible champion."""
    asker, peer = champion(), champion()
    counted = answer(question(asker, march(2)), peer, march(2, 1), accepted=march(2, 3))
    by_staff = answer(question(asker, march(3)), peer, march(3, 1), accepted=march(3, 2))
    by_staff.author_user = StaffFactory()
    by_staff.save(update_fields=["author_user"])
    unanswered = answer(question(asker, march(4)), peer, march(4, 1))
    unanswered.author_user = by_staff.author_user
    unanswered.save(update_fields=["author_user"])
    assert counted.is_staff_answer is False and by_staff.is_staff_answer is False
    # Answers counted: only the first (accepted): 1 / 1.
    assert value("helpful_answer_share") == 1.0
    # Questions: three; a first peer answer only on the first, 1 hour after posting.
    assert value("time_to_first_answer_hours") == 1.0
    assert value("answered_within_24h_share") == pytest.approx(1 / 3)
