from __future__ import annotations

from django.apps import AppConfig


class ReferencesConfig(AppConfig):
    name = "programs.references"
    label = "references"

    def ready(self) -> None:
        from programs.references.portal import panels

        panels.register()  # the home panel of the member portal
