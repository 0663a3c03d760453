"""Governance: code of conduct, reports, moderation cases, health checks."""

from __future__ import annotations

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "programs.governance"
    label = "governance"
    verbose_name = "Governance and moderation"

    def ready(self) -> None:
        from programs.governance.portal.hooks import register

        register()  # nav entry, home and onboarding panels, export section, erasure hook
