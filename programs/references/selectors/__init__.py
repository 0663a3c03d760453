"""Reads of the reference program that more than one door needs."""

from __future__ import annotations

from programs.references.selectors.requests import (
    Availability,
    OfferSla,
    add_business_days,
    champion_availability,
    champion_cap,
    champions_availability,
    deal_has_reference,
    deal_reference_exists,
    offer_due_at,
    program_settings,
    reference_call_consent_withdrawn_at,
    request_queue,
    request_sla,
    tier_caps,
)
from programs.references.selectors.stories import (
    SalesStory,
    SignOffState,
    stories_visible_to_sales,
    story_for_sales,
    story_is_visible_to_sales,
    story_missing_consents,
    story_sign_off_state,
    story_text,
    story_version_diff,
    story_versions,
)

__all__ = [
    "Availability",
    "OfferSla",
    "SalesStory",
    "SignOffState",
    "add_business_days",
    "champion_availability",
    "champion_cap",
    "champions_availability",
    "deal_has_reference",
    "deal_reference_exists",
    "offer_due_at",
    "program_settings",
    "reference_call_consent_withdrawn_at",
    "request_queue",
    "request_sla",
    "stories_visible_to_sales",
    "story_for_sales",
    "story_is_visible_to_sales",
    "story_missing_consents",
    "story_sign_off_state",
    "story_text",
    "story_version_diff",
    "story_versions",
    "tier_caps",
]
