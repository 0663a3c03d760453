"""Celery tasks of the reference program: each takes ids, loads, and calls a service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from champions.models import Champion
from programs.references import services
from programs.references.models import ReferenceRequest, ReferenceStory


def _thanks_context(kind: str, champion: Champion, subject_id: int) -> dict[str, Any]:
    context: dict[str, Any] = {"champion": champion, "site_url": settings.SITE_URL}
    if kind == "story":
        context["story"] = ReferenceStory.objects.get(pk=subject_id)
    else:
        context["request"] = ReferenceRequest.objects.select_related("deal").get(pk=subject_id)
    return context


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_thanks_email(self: object, *, kind: str, champion_id: int, subject_id: int) -> None:
    """Thank a champion for a reference given (`kind="reference"`) or a story published."""
    champion = Champion.objects.get(pk=champion_id)
    if champion.erased_at is not None:
        return
    template = "thanks_story" if kind == "story" else "thanks_reference"
    context = _thanks_context(kind, champion, subject_id)
    message = EmailMultiAlternatives(
        subject=render_to_string(f"references/email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"references/email/{template}.txt", context),
        to=[champion.email],
    )
    message.attach_alternative(
        render_to_string(f"references/email/{template}.html", context), "text/html"
    )
    message.send()


@shared_task
def expire_due_stories() -> int:
    """Beat task (daily): published stories past their review date expire."""
    return services.stories_expire_due()
