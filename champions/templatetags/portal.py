"""Template tags of the member portal's layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from champions.models import Champion
from champions.portal.nav import ResolvedNavItem, nav_items
from champions.selectors import champion_live_for_user

register = template.Library()


@dataclass(frozen=True)
class PortalLayout:
    champion: Champion | None
    items: list[ResolvedNavItem]


@register.simple_tag(takes_context=True)
def portal_layout(context: template.Context) -> PortalLayout:
    """Who is signed in as a champion, and the navigation they see (none without a record).

    Portal views have put the champion on the request already; allauth's pages have not.
    """
    request = context.get("request")
    if request is None:
        return PortalLayout(None, [])
    champion: Any = getattr(request, "champion", None)
    if champion is None:
        champion = champion_live_for_user(user=getattr(request, "user", None))
    if champion is None:
        return PortalLayout(None, [])
    return PortalLayout(champion, nav_items(request.path))


@register.filter
def first_name(full_name: str) -> str:
    return full_name.split(" ")[0] if full_name else ""
