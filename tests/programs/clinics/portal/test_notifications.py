"""The asker hears about answers by email, as their notification preferences say."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions.models import NotificationKind
from programs.clinics import services
from programs.clinics.models import Question
from programs.clinics.tasks import notify_question_experts
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(champion_a: Any) -> Question:
    guild = GuildFactory(name="Finance ops", slug="finance-ops")
    MembershipFactory(guild=guild, champion=champion_a)
    return services.question_ask(
        asker=champion_a, guild=guild, title="Scheduling exports?", body="How?"
    )


def _answer(client: Client, question: Question, capture: Any, body: str = "Like this.") -> None:
    with capture(execute=True):
        client.post(reverse("portal:clinics:answer", args=[question.pk]), {"body": body})


def test_the_asker_gets_an_email_with_a_plain_text_and_html_part(
    client_b: Client, question: Question, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _answer(client_b, question, django_capture_on_commit_callbacks, "Use **schedules**.")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [question.asker.email]
    assert "Bob Builder answered" in message.subject
    assert f"/portal/clinics/{question.pk}/#a" in message.body
    assert "Use **schedules**." in message.body
    assert "<strong>schedules</strong>" in message.alternatives[0][0]


def test_no_email_when_switched_off_or_held_for_the_digest(
    client_b: Client,
    question: Question,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
    not_emailed_at_once: Any,
) -> None:
    not_emailed_at_once(question.asker.user, NotificationKind.QUESTION_ANSWERED)
    _answer(client_b, question, django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_no_email_for_answering_ones_own_question(
    client_a: Client, question: Question, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _answer(client_a, question, django_capture_on_commit_callbacks, "Found it myself.")
    assert mailoutbox == []


def test_a_program_team_answer_is_announced_as_such(
    question: Question, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_post(question=question, author_user=StaffFactory(), body="See the docs.")
    assert mailoutbox[0].subject.startswith("The program team answered")


def test_expert_emails_link_to_the_question_in_the_portal(
    question: Question, mailoutbox: Any
) -> None:
    expert = ChampionFactory(expertise=["scheduling"])
    MembershipFactory(guild=question.guild, champion=expert)
    assert notify_question_experts(question_id=question.pk) == 1
    assert f"/portal/clinics/{question.pk}/" in mailoutbox[0].body


def test_expert_emails_respect_the_question_match_preference(
    question: Question, mailoutbox: Any, not_emailed_at_once: Any
) -> None:
    expert = ChampionFactory(expertise=["scheduling"])
    keen = ChampionFactory(expertise=["scheduling"])
    for champion in (expert, keen):
        MembershipFactory(guild=question.guild, champion=champion)
    not_emailed_at_once(expert.user, NotificationKind.QUESTION_MATCH)
    assert notify_question_experts(question_id=question.pk) == 1
    assert [message.to for message in mailoutbox] == [[keen.email]]
    assert "/portal/notifications/" in mailoutbox[0].body
