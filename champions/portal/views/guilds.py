"""Guilds: browse, join or ask to join, leave, and a guild's page."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from champions import selectors, services
from champions.errors import DomainError
from champions.models import Guild, GuildVisibility, Membership, MembershipRole, MembershipStatus
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.panels import GUILD
from champions.portal.views._common import back_to, refused


def _my_memberships(request: PortalRequest) -> dict[int, Membership]:
    return {m.guild_id: m for m in request.champion.memberships.all()}


def _visible_guild(request: PortalRequest, slug: str) -> Guild:
    """A guild the champion may see; hidden guilds exist only for their members."""
    guild = selectors.guilds_visible_to(champion=request.champion).filter(slug=slug).first()
    if guild is None:
        raise Http404
    return guild


@portal_view
def guild_list(request: PortalRequest) -> HttpResponse:
    guilds = list(selectors.guilds_visible_to(champion=request.champion))
    memberships = _my_memberships(request)
    rows = [(guild, memberships.get(guild.pk)) for guild in guilds]
    mine = [row for row in rows if row[1] is not None]
    others = [row for row in rows if row[1] is None]
    return render(request, "portal/guilds/list.html", {"mine": mine, "others": others})


def _guild_card(request: PortalRequest, guild: Guild) -> HttpResponse:
    """After joining or leaving: the updated card for htmx, else back to where they were."""
    if request.htmx:
        guild = _visible_guild(request, guild.slug)
        membership = _my_memberships(request).get(guild.pk)
        return render(
            request, "portal/guilds/_card.html", {"guild": guild, "membership": membership}
        )
    if request.POST.get("from") == "detail":
        return back_to(request, "portal:guild", guild.slug)
    return back_to(request, "portal:guilds", anchor=f"guild-{guild.slug}")


@require_POST
@portal_view
def guild_join(request: PortalRequest, slug: str) -> HttpResponse:
    guild = _visible_guild(request, slug)
    try:
        membership = services.guild_join(guild=guild, champion=request.champion)
    except DomainError as error:
        refused(request, error)
    else:
        if membership.status == MembershipStatus.REQUESTED:
            messages.info(request, f"You asked to join {guild.name}. A guild lead will reply.")
        else:
            messages.success(request, f"You joined {guild.name}.")
    return _guild_card(request, guild)


@require_POST
@portal_view
def guild_leave(request: PortalRequest, slug: str) -> HttpResponse:
    guild = _visible_guild(request, slug)
    services.guild_leave(guild=guild, champion=request.champion)
    messages.info(request, f"You left {guild.name}.")
    if request.htmx and guild.visibility == GuildVisibility.HIDDEN:
        # A hidden guild disappears for someone who left it: reload the list.
        return HttpResponseClientRedirect(reverse("portal:guilds"))
    return _guild_card(request, guild)


@portal_view
def guild_detail(request: PortalRequest, slug: str) -> HttpResponse:
    guild = _visible_guild(request, slug)
    membership = _my_memberships(request).get(guild.pk)
    members = selectors.guild_members(guild=guild)
    leads = [m for m in members if m.role != MembershipRole.MEMBER]
    context = {
        "guild": guild,
        "membership": membership,
        "leads": leads,
        "members": [m for m in members if m.role == MembershipRole.MEMBER],
        "panels": GUILD.render(request, request.champion, guild),
        # Members can be reported once the governance app is there (its template).
        "report_members": apps.is_installed("programs.governance"),
    }
    return render(request, "portal/guilds/detail.html", context)
