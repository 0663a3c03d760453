"""Celery tasks of the champions core: each takes ids, loads, and calls a service."""

from __future__ import annotations

import smtplib
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from champions import digest, services
from champions.emails import templated_email
from champions.models import Champion, Invitation, User
from champions.roles import Role


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
    templated_email("champions/email/invitation", context, to=[invitation.email]).send()


@shared_task
def mark_dormant_champions() -> int:
    """Beat task: active champions without a contribution for 60 days become dormant."""
    return services.champions_mark_dormant()


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_buddy_request_email(
    self: object, *, champion_id: int, suggestion_id: int | None = None
) -> None:
    """Tell the program team that a newcomer asks for a buddy (`services.buddy_request`)."""
    champion = Champion.objects.select_related("account").get(pk=champion_id)
    suggestion = (
        Champion.objects.filter(pk=suggestion_id).select_related("account").first()
        if suggestion_id
        else None
    )
    recipients = list(settings.PORTAL_PROGRAM_TEAM_EMAILS) or list(
        User.objects.filter(groups__name=Role.PROGRAM_MANAGER, is_active=True).values_list(
            "email", flat=True
        )
    )
    if not recipients:
        return
    try:
        admin_path = reverse("admin:champions_champion_change", args=[champion.pk])
    except NoReverseMatch:
        admin_path = reverse("admin:index")
    context = {
        "champion": champion,
        "suggestion": suggestion,
        "admin_url": f"{settings.SITE_URL}{admin_path}",
    }
    EmailMultiAlternatives(
        subject=f"{champion.full_name} asks for a buddy",
        body=render_to_string("champions/email/buddy_request.txt", context),
        to=recipients,
    ).send()


@shared_task
def send_due_digests() -> int:
    """Beat task (hourly): queue the digest of every user whose period has not been sent."""
    due = digest.digests_due()
    for item in due:
        send_digest.delay(
            user_id=item.user_id,
            frequency=item.frequency,
            period_start=item.period_start.isoformat(),
        )
    return len(due)


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=5,
)
def send_digest(self: object, *, user_id: int, frequency: str, period_start: str) -> bool:
    """One user's digest for one period; sent at most once however often this runs."""
    return digest.digest_send(
        user_id=user_id, frequency=frequency, start=date.fromisoformat(period_start)
    )
