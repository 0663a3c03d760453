from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "programs.library"
    label = "library"

    def ready(self) -> None:
        from programs.library.portal import panels

        panels.register()  # the guild panel of the member portal
