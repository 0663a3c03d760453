"""The clinics admin: changelists that do not grow in queries, the accept action."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import Activity, ActivityKind
from programs.clinics.models import QuestionStatus
from tests.programs.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "changelist", ["admin:clinics_question_changelist", "admin:clinics_answer_changelist"]
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client_logged_in: Any, changelist: str
) -> None:
    url = reverse(changelist)
    AnswerFactory.create_batch(2)
    with_two = _queries(admin_client_logged_in, url)
    AnswerFactory.create_batch(23)

    assert _queries(admin_client_logged_in, url) == with_two


def test_question_page_shows_rendered_answers(admin_client_logged_in: Any) -> None:
    answer = AnswerFactory(body="<script>x()</script>**bold**")

    response = admin_client_logged_in.get(
        reverse("admin:clinics_question_change", args=[answer.question_id])
    )

    assert response.status_code == 200
    assert b"<strong>bold</strong>" in response.content
    assert b"<script>x()" not in response.content


def test_the_accept_action_solves_the_question_as_a_moderator(
    admin_client_logged_in: Any, staff_user: Any
) -> None:
    answer = AnswerFactory(question=QuestionFactory())

    admin_client_logged_in.post(
        reverse("admin:clinics_answer_changelist"),
        {"action": "accept", "_selected_action": [answer.pk]},
    )

    answer.refresh_from_db()
    assert answer.accepted_by == staff_user
    assert answer.question.status == QuestionStatus.SOLVED
    assert Activity.objects.get(kind=ActivityKind.MODERATED).actor == staff_user
