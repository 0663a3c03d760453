from __future__ import annotations

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "programs.events"
    label = "events"

    def ready(self) -> None:
        from programs.events.portal import panels

        panels.register()  # the home and guild panels of the member portal
