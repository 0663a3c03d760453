from __future__ import annotations

from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "programs.clinics"
    label = "clinics"

    def ready(self) -> None:
        from programs.clinics.portal import panels

        panels.register()  # the home and guild panels of the member portal
