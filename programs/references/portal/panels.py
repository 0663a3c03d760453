"""The references' home panel: stories awaiting my sign-off and requests waiting for me."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from champions.digest import SECTIONS, DigestItem, DigestSection
from champions.models import Champion
from champions.portal.panels import HOME, Panel
from programs.references.portal import selectors


def home_references(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    stories = selectors.stories_awaiting_my_sign_off(champion=champion)
    requests = list(selectors.my_open_requests(champion=champion)[:5])
    if not stories and not requests:
        return None
    return {"stories": stories, "requests": requests}


def digest_references(champion: Champion, since: datetime) -> list[DigestItem]:
    stories = [
        DigestItem(
            f"Sign off “{story.title}”",
            reverse("portal:references:story", args=[story.pk]),
            f"version {story.version_number} waits for your approval",
        )
        for story in selectors.stories_awaiting_my_sign_off(champion=champion)
    ]
    requests = [
        DigestItem(
            f"{ref.get_activity_type_display()} with {ref.prospect_company}",
            reverse("portal:references:request", args=[ref.pk]),
            "can you do it?" if ref.status == "offered" else ref.get_status_display().lower(),
        )
        for ref in selectors.my_open_requests(champion=champion)[:5]
    ]
    return stories + requests


def digest_thanks(champion: Champion, since: datetime) -> list[DigestItem]:
    stories = [
        DigestItem(
            f"Your story “{story.title}” is published",
            reverse("portal:references:story", args=[story.pk]),
            "thank you",
        )
        for story in selectors.my_stories_published_since(champion=champion, since=since)
    ]
    given = [
        DigestItem(
            f"Thank you for the {ref.get_activity_type_display().lower()}"
            f" with {ref.prospect_company}",
            reverse("portal:references:index"),
        )
        for ref in selectors.my_references_given_since(champion=champion, since=since)
    ]
    return stories + given


def register() -> None:
    HOME.register(
        Panel(
            "references",
            "Waiting for you",
            "references/portal/panels/home.html",
            home_references,
            order=5,
        )
    )
    SECTIONS.register(
        DigestSection("references", "Waiting for your answer", digest_references, order=10)
    )
    SECTIONS.register(DigestSection("thanks", "Thank you", digest_thanks, order=55))
