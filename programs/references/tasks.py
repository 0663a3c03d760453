"""Celery tasks of the reference program: each takes ids, loads, and calls a service."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from champions.emails import site_link, templated_email
from champions.models import Champion, NotificationKind, User
from champions.selectors import notification_allowed
from programs.references import services
from programs.references.models import (
    OfferResponse,
    ReferenceOffer,
    ReferenceRequest,
    ReferenceStory,
    RequestStatus,
)


def _thanks_context(kind: str, champion: Champion, subject_id: int) -> dict[str, Any]:
    context: dict[str, Any] = {"champion": champion, "site_url": settings.SITE_URL}
    if kind == "story":
        context["story"] = ReferenceStory.objects.get(pk=subject_id)
    else:
        context["request"] = ReferenceRequest.objects.select_related("deal").get(pk=subject_id)
    return context


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_thanks_email(self: object, *, kind: str, champion_id: int, subject_id: int) -> None:
    """Thank a champion for a reference given (`kind="reference"`) or a story published,
    unless they switched thank-you emails off or collect them for the digest (which lists
    them: `programs.references.portal.panels.digest_thanks`)."""
    champion = Champion.objects.select_related("user").get(pk=champion_id)
    if champion.erased_at is not None:
        return
    if champion.user is not None and not notification_allowed(
        champion.user, NotificationKind.KUDOS
    ):
        return
    template = "thanks_story" if kind == "story" else "thanks_reference"
    context = _thanks_context(kind, champion, subject_id)
    templated_email(f"references/email/{template}", context, to=[champion.email]).send()


@shared_task
def expire_due_stories() -> int:
    """Beat task (daily): published stories past their review date expire."""
    return services.stories_expire_due()


# --- the champion's answers from the portal -------------------------------------------------


def _program_team_emails() -> list[str]:
    """Who hears about a champion's answer: the configured addresses, or every active
    program manager (the same rule as the buddy requests of `champions.tasks`)."""
    from champions.roles import Role

    configured = list(getattr(settings, "PORTAL_PROGRAM_TEAM_EMAILS", []))
    return configured or list(
        User.objects.filter(groups__name=Role.PROGRAM_MANAGER, is_active=True).values_list(
            "email", flat=True
        )
    )


def _admin_url(name: str, pk: int) -> str:
    try:
        return f"{settings.SITE_URL}{reverse(name, args=[pk])}"
    except NoReverseMatch:
        return f"{settings.SITE_URL}{reverse('admin:index')}"


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_story_changes_requested(
    self: object, *, story_id: int, champion_id: int, version: int, note: str
) -> None:
    """Tell the program team (and the story's writer) what a featured champion wants changed."""
    story = ReferenceStory.objects.select_related("created_by").get(pk=story_id)
    champion = Champion.objects.get(pk=champion_id)
    recipients = set(_program_team_emails())
    if story.created_by is not None and story.created_by.is_active:
        recipients.add(story.created_by.email)
    if not recipients:
        return
    context = {
        "story": story,
        "champion": champion,
        "version": version,
        "note": note,
        "admin_url": _admin_url("admin:references_referencestory_change", story.pk),
    }
    EmailMultiAlternatives(
        subject=f"{champion.full_name} asks for changes to “{story.title}”",
        body=render_to_string("references/portal/email/changes_requested.txt", context),
        to=sorted(recipients),
    ).send()


def _in_zone(moment: datetime, name: str) -> str:
    try:
        return f"{moment.astimezone(zoneinfo.ZoneInfo(name)):%a %d %b %Y %H:%M} {name}"
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"{moment:%a %d %b %Y %H:%M} UTC"


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_times_proposed(self: object, *, request_id: int, times: list[str], note: str) -> None:
    """Tell the requester and the program team when the champion can give the reference."""
    request = ReferenceRequest.objects.select_related("champion", "requested_by").get(pk=request_id)
    champion = request.champion
    if champion is None:  # declined again in the meantime
        return
    recipients = set(_program_team_emails())
    if request.requested_by.is_active:
        recipients.add(request.requested_by.email)
    zones = [z for z in dict.fromkeys([request.prospect_timezone, champion.timezone, "UTC"]) if z]
    moments = [datetime.fromisoformat(value) for value in times]
    context = {
        "request": request,
        "champion": champion,
        "times": [[_in_zone(moment, zone) for zone in zones] for moment in moments],
        "note": note,
        "admin_url": _admin_url("admin:references_referencerequest_change", request.pk),
    }
    EmailMultiAlternatives(
        subject=f"{champion.full_name} proposes times for the reference with "
        f"{request.prospect_company}",
        body=render_to_string("references/portal/email/times_proposed.txt", context),
        to=sorted(recipients),
    ).send()


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_request_offered(self: object, *, offer_id: int) -> bool:
    """Tell a champion a reference request waits for their answer in the portal, unless they
    switched these emails off or collect them for the digest; True when an email went out."""
    offer = ReferenceOffer.objects.select_related("champion__user", "request").get(pk=offer_id)
    request, champion = offer.request, offer.champion
    still_open = (
        offer.response == OfferResponse.PENDING
        and request.status == RequestStatus.OFFERED
        and request.champion_id == champion.pk
    )
    if not still_open or champion.erased_at is not None or champion.user is None:
        return False
    if not notification_allowed(champion.user, NotificationKind.REQUEST_OFFERED):
        return False
    context = {
        "champion": champion,
        "request": request,
        "link": site_link("portal:references:request", request.pk),
        "preferences_link": site_link("portal:notifications"),
    }
    templated_email("references/portal/email/offered", context, to=[champion.email]).send()
    return True
