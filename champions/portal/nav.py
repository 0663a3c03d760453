"""The portal's navigation, as a registry other apps add their sections to.

Each entry names a URL; an entry whose URL does not resolve (its app is not installed or has no
portal pages yet) is left out, so sections appear as their apps ship them. An app adds an
entry from its `AppConfig.ready()`:

    from champions.portal.nav import NavItem, register_nav_item
    register_nav_item(NavItem("Events", "portal:events:index", app_label="events"))

Entries for the program's planned sections are listed here already, in the order champions
see them; an app registering the same URL name replaces the placeholder entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    app_label: str | None = None  # shown only while this app is installed


@dataclass(frozen=True)
class ResolvedNavItem:
    label: str
    url: str
    current: bool


NAV_ITEMS: list[NavItem] = [
    NavItem("Home", "portal:home"),
    NavItem("Guilds", "portal:guilds"),
    NavItem("Events", "portal:events:index", app_label="events"),
    NavItem("Clinics", "portal:clinics:index", app_label="clinics"),
    NavItem("Templates", "portal:library:index", app_label="library"),
    NavItem("References", "portal:references:index", app_label="references"),
    NavItem("Invite", "portal:invite"),
    NavItem("Privacy", "portal:privacy"),
]


def register_nav_item(item: NavItem, *, before: str | None = None) -> None:
    """Add (or replace, by URL name) an entry; `before` names the entry's label to precede."""
    for index, existing in enumerate(NAV_ITEMS):
        if existing.url_name == item.url_name:
            NAV_ITEMS[index] = item
            return
    labels = [existing.label for existing in NAV_ITEMS]
    position = labels.index(before) if before in labels else len(NAV_ITEMS)
    NAV_ITEMS.insert(position, item)


def nav_items(current_path: str) -> list[ResolvedNavItem]:
    """The entries to show, with the one the current page belongs to marked."""
    resolved: list[tuple[str, str]] = []
    for item in NAV_ITEMS:
        if item.app_label and not _installed(item.app_label):
            continue
        try:
            resolved.append((item.label, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    home = resolved[0][1] if resolved else ""
    best = max(
        (url for _, url in resolved if url != home and current_path.startswith(url)),
        key=len,
        default=home if current_path == home else "",
    )
    return [ResolvedNavItem(label, url, url == best) for label, url in resolved]


def _installed(app_label: str) -> bool:
    try:
        apps.get_app_config(app_label)
    except LookupError:
        return False
    return True
