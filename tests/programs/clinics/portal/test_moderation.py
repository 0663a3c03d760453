"""Moderated clinics content: a hidden question or answer is gone for every champion; each
post offers a "report a concern" link (governance)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from programs.governance.services import content_hide
from tests.factories import GuildFactory, MembershipFactory
from tests.programs.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(champion_a: Any, champion_b: Any) -> Any:
    """Bob asks in Ada's guild, matching her skills; a third champion answers."""
    champion_a.expertise = ["reporting"]
    champion_a.save(update_fields=["expertise"])
    guild = GuildFactory(name="Finance ops", slug="finance-ops")
    MembershipFactory(guild=guild, champion=champion_a)
    MembershipFactory(guild=guild, champion=champion_b)
    question = QuestionFactory(guild=guild, asker=champion_b, title="Spammy reporting question?")
    answer = AnswerFactory(question=question, body="A perfectly fine answer.")
    return question, answer


def test_a_hidden_question_is_gone_from_lists_search_panels_and_its_page(
    client_a: Client, client_b: Client, thread: Any, staff_user: Any
) -> None:
    question, _ = thread
    pages = [
        reverse("portal:clinics:index"),
        reverse("portal:clinics:index") + "?q=spammy",
        reverse("portal:home"),
        reverse("portal:guild", args=["finance-ops"]),
    ]
    for page in pages:
        assert "Spammy reporting question?" in client_a.get(page).content.decode(), page
    content_hide(target=question, by=staff_user, reason="Advertising")
    for page in pages:
        assert "Spammy reporting question?" not in client_a.get(page).content.decode(), page
    detail = reverse("portal:clinics:detail", args=[question.pk])
    assert client_a.get(detail).status_code == 404
    assert client_b.get(detail).status_code == 404  # the asker too
    answer_url = reverse("portal:clinics:answer", args=[question.pk])
    assert client_a.post(answer_url, {"body": "Still here?"}).status_code == 404
    assert question.answers.count() == 1


def test_a_hidden_answer_is_gone_and_cannot_be_marked_helpful(
    client_b: Client, thread: Any, staff_user: Any
) -> None:
    question, answer = thread
    detail = reverse("portal:clinics:detail", args=[question.pk])
    assert "A perfectly fine answer." in client_b.get(detail).content.decode()
    content_hide(target=answer, by=staff_user, reason="Off topic")
    page = client_b.get(detail).content.decode()
    assert "A perfectly fine answer." not in page and "0 answers" in page
    response = client_b.post(reverse("portal:clinics:helpful", args=[answer.pk]))
    assert response.status_code == 404
    assert not answer.helpful_marks.exists()


def test_questions_and_answers_of_others_offer_a_report_link(
    client_a: Client, client_b: Client, thread: Any
) -> None:
    question, answer = thread
    detail = reverse("portal:clinics:detail", args=[question.pk])
    page = client_a.get(detail).content.decode()
    assert reverse("portal:governance:report", args=["question", question.pk]) in page
    assert reverse("portal:governance:report", args=["answer", answer.pk]) in page
    # The asker is not offered to report their own question.
    own = client_b.get(detail).content.decode()
    assert reverse("portal:governance:report", args=["question", question.pk]) not in own
