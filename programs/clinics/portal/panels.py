"""The clinics' panels: open questions for my expertise (home) and a guild's questions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from champions.models import Champion, Guild
from champions.portal.panels import GUILD, HOME, Panel
from programs.clinics.portal import selectors


def home_questions(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    return {"questions": selectors.open_questions_for_my_expertise(champion=champion)}


def guild_questions(
    request: HttpRequest, champion: Champion, guild: Guild
) -> dict[str, Any] | None:
    # The guild page shows only guilds the champion may see (`guilds_visible_to`).
    return {"guild": guild, "questions": selectors.guild_recent_questions(guild=guild)}


def register() -> None:
    HOME.register(
        Panel(
            "questions",
            "Questions you could answer",
            "clinics/portal/panels/home.html",
            home_questions,
            order=20,
        )
    )
    GUILD.register(
        Panel(
            "questions", "Questions", "clinics/portal/panels/guild.html", guild_questions, order=20
        )
    )
