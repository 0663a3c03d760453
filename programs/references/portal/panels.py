"""The references' home panel: stories awaiting my sign-off and requests waiting for me."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from champions.models import Champion
from champions.portal.panels import HOME, Panel
from programs.references.portal import selectors


def home_references(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    stories = selectors.stories_awaiting_my_sign_off(champion=champion)
    requests = list(selectors.my_open_requests(champion=champion)[:5])
    if not stories and not requests:
        return None
    return {"stories": stories, "requests": requests}


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
