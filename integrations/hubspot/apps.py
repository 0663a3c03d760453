from __future__ import annotations

from django.apps import AppConfig


class HubSpotConfig(AppConfig):
    name = "integrations.hubspot"
    label = "hubspot"
    verbose_name = "HubSpot"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from integrations.crm.gateway import register_gateway
        from integrations.hubspot.gateway import build_gateway

        # The adapter plugs itself into the port; the domain never imports it.
        register_gateway(build_gateway)
