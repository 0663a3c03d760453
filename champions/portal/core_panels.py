"""The champions core's panels on the home and guild pages (see `champions.portal.panels`)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model
from django.http import HttpRequest

from champions.models import Champion, ChampionState, Guild, MembershipStatus
from champions.portal.panels import GUILD, HOME, Panel
from champions.selectors import peer_invitations_sent


def optional_model(app_label: str, model_name: str) -> type[Model] | None:
    """A model of another app if that app is installed and has it yet, else None."""
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def onboarding_context(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    return {} if champion.state == ChampionState.ONBOARDING else None


def my_guilds_context(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    memberships = list(champion.memberships.select_related("guild").order_by("guild__name"))
    return {
        "active": [m for m in memberships if m.status == MembershipStatus.ACTIVE],
        "requested": [m for m in memberships if m.status == MembershipStatus.REQUESTED],
    }


def buddy_context(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    newcomers = list(
        Champion.objects.filter(
            buddy=champion,
            state__in=(ChampionState.INVITED, ChampionState.ONBOARDING),
            erased_at__isnull=True,
        ).only("full_name", "title", "state")
    )
    buddy = champion.buddy if champion.buddy_id else None
    if buddy is not None and (buddy.erased_at or buddy.state == ChampionState.ALUMNI):
        buddy = None
    return {"buddy": buddy, "newcomers": newcomers}


def kudos_context(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    kudos_model = optional_model("recognition", "Kudos")
    if kudos_model is None:
        return {"kudos": None}
    recent = (
        kudos_model._default_manager.filter(to_champion=champion)
        .select_related("from_champion")
        .order_by("-created_at")[:3]
    )
    return {"kudos": list(recent)}


def invitations_context(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    sent = list(peer_invitations_sent(champion=champion)[:5])
    return {"invitations": sent}


def guild_placeholder(what: str) -> Any:
    def context(request: HttpRequest, champion: Champion, guild: Guild) -> dict[str, Any] | None:
        return {"what": what}

    return context


HOME.register(
    Panel(
        "onboarding",
        "Finish getting started",
        "portal/panels/onboarding.html",
        onboarding_context,
        order=0,
    )
)
HOME.register(
    Panel("guilds", "My guilds", "portal/panels/guilds.html", my_guilds_context, order=30)
)
HOME.register(Panel("buddy", "Buddies", "portal/panels/buddy.html", buddy_context, order=40))
HOME.register(Panel("kudos", "Recent kudos", "portal/panels/kudos.html", kudos_context, order=50))
HOME.register(
    Panel(
        "invitations",
        "People I invited",
        "portal/panels/invitations.html",
        invitations_context,
        order=60,
    )
)

# Placeholders the events, clinics and library apps replace (same key) with their own panels.
GUILD.register(
    Panel(
        "events",
        "Events",
        "portal/panels/guild_placeholder.html",
        guild_placeholder("events"),
        order=10,
    )
)
GUILD.register(
    Panel(
        "questions",
        "Questions",
        "portal/panels/guild_placeholder.html",
        guild_placeholder("questions"),
        order=20,
    )
)
GUILD.register(
    Panel(
        "templates",
        "Templates",
        "portal/panels/guild_placeholder.html",
        guild_placeholder("templates"),
        order=30,
    )
)
