"""The library's panel on guild pages: the guild's templates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from champions.models import Champion, Guild
from champions.portal.panels import GUILD, Panel
from programs.library.portal import selectors


def guild_templates(
    request: HttpRequest, champion: Champion, guild: Guild
) -> dict[str, Any] | None:
    # The guild page shows only guilds the champion may see (`guilds_visible_to`).
    return {"guild": guild, "templates": selectors.guild_templates(guild=guild)}


def register() -> None:
    GUILD.register(
        Panel(
            "templates", "Templates", "library/portal/panels/guild.html", guild_templates, order=30
        )
    )
