"""Every change in the reference program goes through these functions.

They validate, change atomically, record the `Activity` the metrics need and raise
`DomainError` with a message a person can act on.
"""

from __future__ import annotations

from programs.references.services.consent import WithdrawalEffect, on_consent_withdrawn
from programs.references.services.requests import (
    champion_assert_can_be_offered,
    champion_pause_references,
    reference_profile_for,
    reference_profile_update,
    request_accept,
    request_auto_offer,
    request_complete,
    request_create,
    request_decline,
    request_offer,
    request_record_feedback,
    request_schedule,
)
from programs.references.services.stories import (
    STORY_TRANSITIONS,
    MetricInput,
    QuoteInput,
    content_hash,
    stories_expire_due,
    story_approve,
    story_assert_editable,
    story_create,
    story_expire,
    story_publish,
    story_record_edit,
    story_reopen,
    story_request_sign_off,
    story_return_to_draft,
    story_set_featured,
    story_set_metrics,
    story_set_quotes,
    story_sign_off,
    story_submit_for_review,
    story_update,
    story_withdraw,
)

__all__ = [
    "STORY_TRANSITIONS",
    "MetricInput",
    "QuoteInput",
    "WithdrawalEffect",
    "champion_assert_can_be_offered",
    "champion_pause_references",
    "content_hash",
    "on_consent_withdrawn",
    "reference_profile_for",
    "reference_profile_update",
    "request_accept",
    "request_auto_offer",
    "request_complete",
    "request_create",
    "request_decline",
    "request_offer",
    "request_record_feedback",
    "request_schedule",
    "stories_expire_due",
    "story_approve",
    "story_assert_editable",
    "story_create",
    "story_expire",
    "story_publish",
    "story_record_edit",
    "story_reopen",
    "story_request_sign_off",
    "story_return_to_draft",
    "story_set_featured",
    "story_set_metrics",
    "story_set_quotes",
    "story_sign_off",
    "story_submit_for_review",
    "story_update",
    "story_withdraw",
]
