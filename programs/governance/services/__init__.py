"""Every change to governance goes through these functions.

They validate, change atomically, write the audit log (`ModerationAction`, and the
`moderated` activity for each moderator action) and raise `DomainError` with a message a
person can act on. Each takes `at` (default: now) so tasks, tests and the demo can date it.
"""

from __future__ import annotations

from programs.governance.services.appeals import (
    appeal_decide,
    appeal_lodge,
    mediation_book,
    mediation_offer,
)
from programs.governance.services.audit import record_action
from programs.governance.services.cases import (
    case_close,
    case_decide,
    case_escalate,
    case_open,
    case_plan_follow_up,
    case_record_step,
    report_attach,
)
from programs.governance.services.conduct import (
    code_of_conduct_accept,
    code_of_conduct_draft,
    code_of_conduct_publish,
)
from programs.governance.services.content import content_hide, content_restore
from programs.governance.services.health import (
    health_respond,
    health_round_open,
    health_round_open_if_due,
    health_rounds_report_closed,
)
from programs.governance.services.lessons import lesson_draft, lesson_share, lesson_write
from programs.governance.services.moderators import (
    case_hand_over,
    cases_hand_over_absent,
    guild_moderator_appoint,
    guild_moderator_end,
    moderator_absence_add,
)
from programs.governance.services.reports import (
    report_acknowledge,
    report_close,
    report_enter,
    report_make,
    reports_alert_over_sla,
)

__all__ = [
    "appeal_decide",
    "appeal_lodge",
    "case_close",
    "case_decide",
    "case_escalate",
    "case_hand_over",
    "case_open",
    "case_plan_follow_up",
    "case_record_step",
    "cases_hand_over_absent",
    "code_of_conduct_accept",
    "code_of_conduct_draft",
    "code_of_conduct_publish",
    "content_hide",
    "content_restore",
    "guild_moderator_appoint",
    "guild_moderator_end",
    "health_respond",
    "health_round_open",
    "health_round_open_if_due",
    "health_rounds_report_closed",
    "lesson_draft",
    "lesson_share",
    "lesson_write",
    "mediation_book",
    "mediation_offer",
    "moderator_absence_add",
    "record_action",
    "report_acknowledge",
    "report_attach",
    "report_close",
    "report_enter",
    "report_make",
    "reports_alert_over_sla",
]
