"""Celery tasks of the clinics: each takes ids, loads, and calls selectors and services."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import get_connection

from champions.emails import site_link, templated_email
from champions.models import NotificationKind
from champions.selectors import notification_allowed, users_notified_now
from programs.clinics import selectors
from programs.clinics.models import Answer, Question


def question_link(question_id: int) -> str:
    return site_link("portal:clinics:detail", question_id)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def notify_question_experts(self: object, *, question_id: int) -> int:
    """Email the guild members whose expertise matches a new question, unless they switched
    these emails off or collect them for the digest; returns how many went out."""
    question = Question.objects.select_related("guild", "asker").get(pk=question_id)
    experts = selectors.question_experts(question)
    allowed = users_notified_now(
        user_ids=[expert.user_id for expert in experts], kind=NotificationKind.QUESTION_MATCH
    )
    experts = [expert for expert in experts if expert.user_id in allowed]
    link = question_link(question.pk)
    preferences_link = site_link("portal:notifications")
    messages = []
    for expert in experts:
        context = {
            "question": question,
            "expert": expert,
            "body_html": selectors.question_body_html(question),
            "link": link,
            "preferences_link": preferences_link,
        }
        messages.append(templated_email("clinics/email/new_question", context, to=[expert.email]))
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def notify_question_answered(self: object, *, answer_id: int) -> bool:
    """Tell the asker that someone answered, unless they switched these emails off or
    collect them for the digest (`notification_allowed`); True when an email went out."""
    answer = Answer.objects.select_related(
        "question__asker__user", "question__guild", "author"
    ).get(pk=answer_id)
    question = answer.question
    asker = question.asker
    if asker.erased_at is not None or asker.user_id is None:
        return False
    if answer.author_user_id == asker.user_id:
        return False
    if not notification_allowed(asker.user, NotificationKind.QUESTION_ANSWERED):
        return False
    context = {
        "question": question,
        "answer": answer,
        "asker": asker,
        "author_name": "The program team"
        if answer.is_staff_answer or answer.author is None
        else answer.author.full_name,
        "body_html": selectors.answer_body_html(answer),
        "link": f"{question_link(question.pk)}#a{answer.pk}",
        "preferences_link": site_link("portal:notifications"),
    }
    templated_email("clinics/portal/email/answered", context, to=[asker.email]).send()
    return True
