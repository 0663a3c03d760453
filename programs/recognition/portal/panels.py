"""Recognition's home panels: my tasks (good first contributions) and recent kudos."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from champions.digest import SECTIONS, DigestItem, DigestSection
from champions.models import Champion
from champions.portal.nav import NavItem, register_nav_item
from champions.portal.panels import HOME, Panel
from programs.recognition.models import Kudos
from programs.recognition.portal import selectors

KUDOS_ON_HOME = 3


def home_tasks(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    tasks = selectors.my_open_tasks(champion=champion)
    return {"tasks": tasks} if tasks else None


def home_kudos(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    recent = (
        Kudos.objects.filter(to_champion=champion)
        .select_related("from_champion")
        .only("message", "created_at", "from_champion__full_name")
        .order_by("-created_at")[:KUDOS_ON_HOME]
    )
    return {"kudos": list(recent)}


def digest_kudos(champion: Champion, since: datetime) -> list[DigestItem]:
    received = (
        Kudos.objects.filter(to_champion=champion, created_at__gte=since)
        .select_related("from_champion")
        .only("message", "created_at", "from_champion__full_name")
        .order_by("-created_at")
    )
    link = reverse("portal:recognition:index")
    return [
        DigestItem(f"{kudos.from_champion.full_name} thanked you", link, kudos.message[:140])
        for kudos in received[:5]
    ]


def register() -> None:
    HOME.register(
        Panel("tasks", "My tasks", "recognition/portal/panels/tasks.html", home_tasks, order=25)
    )
    # Replaces the core's kudos panel (same key) with one that links to giving thanks.
    HOME.register(
        Panel("kudos", "Recent kudos", "recognition/portal/panels/kudos.html", home_kudos, 50)
    )
    register_nav_item(NavItem("Kudos", "portal:recognition:index", "recognition"), before="Invite")
    SECTIONS.register(DigestSection("kudos", "Kudos for you", digest_kudos, order=50))
