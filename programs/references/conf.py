"""Settings of the reference program, each with the default used when it is not set.

The program switches the team changes at run time (auto-offer, caps, cooldown) live in the
`ReferenceProgramSettings` row; these are deployment choices.
"""

from __future__ import annotations

from django.conf import settings

# METRICS.md fixes the fatigue window: references in the rolling 90 days.
CAP_WINDOW_DAYS = 90
# A champion "recently active" contributed within these many days (matching).
RECENT_ACTIVITY_DAYS = (30, 90)
# Time zones within this many hours of the prospect's count as "close" (matching).
TIMEZONE_CLOSE_HOURS = 3


def offer_sla_business_days() -> int:
    return int(getattr(settings, "REFERENCES_OFFER_SLA_BUSINESS_DAYS", 2))


def story_review_months() -> int:
    return int(getattr(settings, "REFERENCES_STORY_REVIEW_MONTHS", 12))


def match_limit() -> int:
    return int(getattr(settings, "REFERENCES_MATCH_LIMIT", 20))


def stories_per_candidate() -> int:
    return int(getattr(settings, "REFERENCES_STORIES_PER_CANDIDATE", 3))
