from __future__ import annotations

from django.apps import AppConfig


class ReferencesConfig(AppConfig):
    name = "programs.references"
    label = "references"

    def ready(self) -> None:
        from champions.services import register_consent_withdrawal_hook
        from programs.references.portal import panels
        from programs.references.services.consent import on_consent_withdrawn

        panels.register()  # the home panel of the member portal
        # A withdrawal takes stories and open requests out of sales' reach in the same commit.
        register_consent_withdrawal_hook(on_consent_withdrawn)
