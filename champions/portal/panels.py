"""Registries of the blocks that make up the home page and the guild page.

A panel is a template and a function that returns its context, or None to leave the panel out
(nothing to show). The core provides the panels listed at the bottom; other apps add theirs
from `AppConfig.ready()`:

    from champions.portal.panels import HOME, Panel
    HOME.register(Panel("events", "Your next events", "events/portal/home_panel.html",
                        upcoming_events_context, order=20))

Home panel functions take `(request, champion)`; guild panel functions take
`(request, champion, guild)`. Each should run a small, fixed number of queries: the portal's
tests bound the query count of the whole page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from champions.registry import OrderedRegistry

PanelContext = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: PanelContext
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    title: str
    html: SafeString


class PanelRegistry(OrderedRegistry[Panel]):
    def panels(self) -> list[Panel]:
        return self.entries()

    def render(self, request: HttpRequest, *args: Any) -> list[RenderedPanel]:
        rendered = []
        for panel in self.panels():
            context = panel.context(request, *args)
            if context is None:
                continue
            context = {"panel": panel, **context}
            html = render_to_string(panel.template, context, request=request)
            rendered.append(RenderedPanel(panel.key, panel.title, mark_safe(html)))  # noqa: S308
        return rendered


HOME = PanelRegistry("home")
GUILD = PanelRegistry("guild")
# Blocks other apps add to the onboarding page (governance: accepting the code of conduct).
ONBOARDING = PanelRegistry("onboarding")
