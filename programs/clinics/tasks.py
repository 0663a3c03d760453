"""Celery tasks of the clinics: each takes ids, loads, and calls selectors and services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from programs.clinics import selectors
from programs.clinics.models import Question


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def notify_question_experts(self: object, *, question_id: int) -> int:
    """Email the guild members whose expertise matches a new question; returns how many."""
    question = Question.objects.select_related("guild", "asker").get(pk=question_id)
    experts = selectors.question_experts(question)
    link = f"{settings.SITE_URL}/portal/questions/{question.pk}/"
    messages = []
    for expert in experts:
        context = {
            "question": question,
            "expert": expert,
            "body_html": selectors.question_body_html(question),
            "link": link,
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("clinics/email/new_question_subject.txt", context).strip(),
            body=render_to_string("clinics/email/new_question.txt", context),
            to=[expert.email],
        )
        message.attach_alternative(
            render_to_string("clinics/email/new_question.html", context), "text/html"
        )
        messages.append(message)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
