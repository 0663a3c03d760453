from __future__ import annotations

from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "programs.recognition"
    label = "recognition"

    def ready(self) -> None:
        from programs.recognition.portal import panels

        panels.register()  # the home panels and navigation entry of the member portal
