"""The events' panels on the portal's home page (my upcoming events) and guild pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from champions.models import Champion, Guild
from champions.portal.panels import GUILD, HOME, Panel
from programs.events.portal import selectors


def home_events(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    return {"registrations": selectors.my_upcoming_registrations(champion=champion)}


def guild_events(request: HttpRequest, champion: Champion, guild: Guild) -> dict[str, Any] | None:
    # The guild page shows only guilds the champion may see (`guilds_visible_to`).
    return {"guild": guild, "events": selectors.guild_upcoming_events(guild=guild)}


def register() -> None:
    HOME.register(
        Panel("events", "My upcoming events", "events/portal/panels/home.html", home_events, 10)
    )
    GUILD.register(
        Panel("events", "Events", "events/portal/panels/guild.html", guild_events, order=10)
    )
