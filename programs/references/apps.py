from __future__ import annotations

from django.apps import AppConfig


class ReferencesConfig(AppConfig):
    name = "programs.references"
    label = "references"

    def ready(self) -> None:
        from champions.privacy import register_export_section
        from champions.services import register_consent_withdrawal_hook
        from programs.references.portal import panels
        from programs.references.privacy import export_reference_data
        from programs.references.services.consent import on_consent_withdrawn

        panels.register()  # the home panel of the member portal
        # A withdrawal takes stories and open requests out of sales' reach in the same commit.
        register_consent_withdrawal_hook(on_consent_withdrawn)
        # The download holds the champion's stories, quotes, sign-offs and references.
        register_export_section("references", export_reference_data)
