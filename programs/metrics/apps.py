from __future__ import annotations

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "programs.metrics"
    label = "metrics"

    def ready(self) -> None:
        """Plug the metrics into the doors other apps own, without editing them:
        the API's metrics endpoint, the admin's index (the dashboard), the champions'
        data export and erasure."""
        from django.contrib import admin

        from champions.privacy import register_erasure_hook, register_export_section
        from config.api.metrics import register_metrics_provider
        from programs.metrics import hooks
        from programs.metrics.admin.dashboard import install
        from programs.metrics.selectors import metrics_for_api

        register_metrics_provider(metrics_for_api)
        install(admin.site)
        register_erasure_hook(hooks.erase_champion)
        register_export_section("interview_notes", hooks.export_interview_notes)
