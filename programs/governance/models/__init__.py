"""Models of governance: code of conduct, reports, moderation cases, health checks, lessons.

State changes happen in `programs.governance.services`; these classes hold data and its
constraints only.
"""

from __future__ import annotations

from programs.governance.models.actions import (
    HIDEABLE_KINDS,
    ActionKind,
    HiddenContent,
    ModerationAction,
)
from programs.governance.models.cases import (
    ESCALATION_ORDER,
    LADDER,
    RESTRICTING,
    STEP_ORDER,
    Appeal,
    AppealOutcome,
    CaseStatus,
    CaseStep,
    Consequence,
    ConsequenceKind,
    EscalationLevel,
    MediationSlot,
    ModerationCase,
    StepKind,
)
from programs.governance.models.conduct import CodeOfConduct, CodeOfConductAcceptance
from programs.governance.models.health import (
    SCORE_FIELDS,
    SCORE_QUESTIONS,
    HealthCheckResponse,
    HealthCheckRound,
)
from programs.governance.models.lessons import AnonymizedLesson, LessonAudience
from programs.governance.models.moderators import GuildModerator, ModeratorAvailability
from programs.governance.models.reports import (
    Report,
    ReportCategory,
    ReportSource,
    ReportStatus,
)
from programs.governance.models.targets import CONTENT_KINDS, TARGET_MODELS, TargetKind

__all__ = [
    "CONTENT_KINDS",
    "ESCALATION_ORDER",
    "HIDEABLE_KINDS",
    "LADDER",
    "RESTRICTING",
    "SCORE_FIELDS",
    "SCORE_QUESTIONS",
    "STEP_ORDER",
    "TARGET_MODELS",
    "ActionKind",
    "AnonymizedLesson",
    "Appeal",
    "AppealOutcome",
    "CaseStatus",
    "CaseStep",
    "CodeOfConduct",
    "CodeOfConductAcceptance",
    "Consequence",
    "ConsequenceKind",
    "EscalationLevel",
    "GuildModerator",
    "HealthCheckResponse",
    "HealthCheckRound",
    "HiddenContent",
    "LessonAudience",
    "MediationSlot",
    "ModerationAction",
    "ModerationCase",
    "ModeratorAvailability",
    "Report",
    "ReportCategory",
    "ReportSource",
    "ReportStatus",
    "StepKind",
    "TargetKind",
]
