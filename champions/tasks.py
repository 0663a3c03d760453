"""Celery tasks of the champions core: each takes ids, loads, and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from champions import services
from champions.models import Invitation


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_invitation_email(self: object, *, invitation_id: int, token: str) -> None:
    """Email the invitation link; the token travels only here and in the email."""
    invitation = Invitation.objects.select_related(
        "champion__account", "invited_by_champion", "invited_by_user"
    ).get(pk=invitation_id)
    inviter = invitation.invited_by_champion or invitation.invited_by_user
    context = {
        "invitation": invitation,
        "champion": invitation.champion,
        "inviter_name": str(inviter) if inviter else "The champions program team",
        "link": f"{settings.SITE_URL}/portal/join/{token}/",
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("champions/email/invitation_subject.txt", context).strip(),
        body=render_to_string("champions/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("champions/email/invitation.html", context), "text/html"
    )
    message.send()


@shared_task
def mark_dormant_champions() -> int:
    """Beat task: active champions without a contribution for 60 days become dormant."""
    return services.champions_mark_dormant()
