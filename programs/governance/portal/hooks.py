"""Governance in the portal's registries: navigation, the home panel, the onboarding step and
panel (accepting the code of conduct), data export and erasure. Wired in `apps.ready()`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from champions.markdown import render_markdown
from champions.models import Champion
from champions.portal.nav import NavItem, register_nav_item
from champions.portal.onboarding import Requirement, register_requirement
from champions.portal.panels import HOME, ONBOARDING, Panel
from champions.privacy import register_erasure_hook, register_export_section
from programs.governance import selectors
from programs.governance.privacy import erase_governance_data, export_governance_data


def home_context(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    """Only when there is something to do or know: moderation visible, not dominant."""
    summary = selectors.portal_summary(champion=champion)
    return {"summary": summary} if summary.anything else None


def onboarding_context(request: HttpRequest, champion: Champion) -> dict[str, Any] | None:
    code, accepted = selectors.code_with_acceptance(champion=champion)
    if code is None:
        return None
    return {"code": code, "body": render_markdown(code.body), "pending": not accepted}


def register() -> None:
    register_nav_item(
        NavItem("Conduct", "portal:governance:index", app_label="governance"), before="Privacy"
    )
    HOME.register(
        Panel(
            "conduct",
            "Conduct and safety",
            "governance/portal/panels/home.html",
            home_context,
            order=5,
        )
    )
    ONBOARDING.register(
        Panel(
            "code_of_conduct",
            "Our code of conduct",
            "governance/portal/panels/onboarding.html",
            onboarding_context,
            order=10,
        )
    )
    register_requirement(
        Requirement(
            "code_of_conduct",
            "Accept the code of conduct",
            selectors.has_accepted_current_code,
            url_name="portal:governance:code_of_conduct",
        )
    )
    register_export_section("governance", export_governance_data)
    register_erasure_hook(erase_governance_data)
