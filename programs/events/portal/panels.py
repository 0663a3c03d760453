"""The events' panels on the portal's home page (my upcoming events) and guild pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from champions.digest import SECTIONS, DigestItem, DigestSection
from champions.models import Champion, Guild, zone_or_utc
from champions.portal.panels import GUILD, HOME, Panel
from programs.events.models import RegistrationStatus
from programs.events.portal import selectors


def home_events(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    return {"registrations": selectors.my_upcoming_registrations(champion=champion)}


def guild_events(request: HttpRequest, champion: Champion, guild: Guild) -> dict[str, Any] | None:
    # The guild page shows only guilds the champion may see (`guilds_visible_to`).
    return {"guild": guild, "events": selectors.guild_upcoming_events(guild=guild)}


def digest_events(champion: Champion, since: datetime) -> list[DigestItem]:
    zone = zone_or_utc(champion.timezone)
    return [
        DigestItem(
            registration.event.title,
            reverse("portal:events:detail", args=[registration.event.pk]),
            f"{registration.event.starts_at.astimezone(zone):%a %d %b, %H:%M %Z}"
            + (", on the waitlist" if registration.status == RegistrationStatus.WAITLISTED else ""),
        )
        for registration in selectors.my_upcoming_registrations(champion=champion)
    ]


def register() -> None:
    HOME.register(
        Panel("events", "My upcoming events", "events/portal/panels/home.html", home_events, 10)
    )
    GUILD.register(
        Panel("events", "Events", "events/portal/panels/guild.html", guild_events, order=10)
    )
    SECTIONS.register(DigestSection("events", "Your next events", digest_events, order=20))
