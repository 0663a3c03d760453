"""Models of the reference program: stories, deals, requests, offers, attributions.

State changes happen in `programs.references.services`; these classes hold data and its
constraints only.
"""

from __future__ import annotations

from programs.references.models.program import (
    ReferenceProfile,
    ReferenceProgramSettings,
    TierReferenceCap,
    UseCase,
)
from programs.references.models.requests import (
    OPEN_REQUEST_STATUSES,
    ActivityType,
    Attribution,
    Deal,
    DeclineReason,
    OfferResponse,
    ReferenceOffer,
    ReferenceRequest,
    RequestOutcome,
    RequestStatus,
)
from programs.references.models.stories import (
    ProvenMetric,
    Quote,
    ReferenceStory,
    SignOffMethod,
    StoryFeature,
    StorySignOff,
    StoryStatus,
    StoryVersion,
    StoryVisibility,
)

__all__ = [
    "OPEN_REQUEST_STATUSES",
    "ActivityType",
    "Attribution",
    "Deal",
    "DeclineReason",
    "OfferResponse",
    "ProvenMetric",
    "Quote",
    "ReferenceOffer",
    "ReferenceProfile",
    "ReferenceProgramSettings",
    "ReferenceRequest",
    "ReferenceStory",
    "RequestOutcome",
    "RequestStatus",
    "SignOffMethod",
    "StoryFeature",
    "StorySignOff",
    "StoryStatus",
    "StoryVersion",
    "StoryVisibility",
    "TierReferenceCap",
    "UseCase",
]
