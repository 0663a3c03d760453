"""What a consent withdrawal changes in the reference program.

Sales' view needs no update: `stories_visible_to_sales()` reads current consent in SQL. This
hook does the rest: marks the affected stories for a CRM update and hands back open reference
requests when reference-call consent goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, ConsentScope
from programs.references.models import (
    DeclineReason,
    Quote,
    ReferenceRequest,
    ReferenceStory,
    RequestStatus,
    StoryStatus,
)
from programs.references.services.requests import request_decline

SCOPE_USED_BY_STORY: dict[str, Q] = {
    ConsentScope.CASE_STUDY: Q(),
    ConsentScope.QUOTE: Q(Exists(Quote.objects.filter(story=OuterRef("pk")))),
    ConsentScope.LOGO: Q(logo_permission=True),
    ConsentScope.VIDEO: ~Q(video_url=""),
}


@dataclass(frozen=True)
class WithdrawalEffect:
    stories_marked: int
    requests_released: int


@transaction.atomic
def on_consent_withdrawn(
    *, champion: Champion, scope: str, at: datetime | None = None
) -> WithdrawalEffect:
    """Call after `champions.services.consent_withdraw`: published stories featuring the
    champion that use the scope are marked for a CRM update; with reference-call consent
    gone, their open requests are declined (reason: consent withdrawn) and go back to the
    queue."""
    if scope not in ConsentScope.values:
        raise DomainError(f"“{scope}” is not a consent scope.", field="scope")
    at = at or timezone.now()
    marked = 0
    if scope in SCOPE_USED_BY_STORY:
        marked = (
            ReferenceStory.objects.filter(status=StoryStatus.PUBLISHED, features__champion=champion)
            .filter(SCOPE_USED_BY_STORY[scope])
            .update(needs_crm_update_at=at)
        )
    released = 0
    if scope == ConsentScope.REFERENCE_CALL:
        open_requests = ReferenceRequest.objects.filter(
            champion=champion,
            status__in=(RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.SCHEDULED),
        )
        for request in open_requests:
            request_decline(request=request, reason=DeclineReason.CONSENT_WITHDRAWN, at=at)
            released += 1
    return WithdrawalEffect(stories_marked=marked, requests_released=released)
