"""Reads of governance shared by the admin, the portal, tasks and other apps.

Other apps use `can_post` / `ensure_can_post` (posting guard) and `exclude_hidden` /
`is_hidden` (moderated content).
"""

from __future__ import annotations

from programs.governance.selectors.access import (
    available_moderators,
    cases_visible_to,
    guild_moderators,
    is_away,
    is_program_lead,
    may_moderate_case,
    may_moderate_guild,
    may_moderate_report,
    program_leads,
    reports_visible_to,
)
from programs.governance.selectors.cases import (
    ladder_history,
    ladder_next,
    next_step,
    steps_before,
    steps_recorded,
)
from programs.governance.selectors.conduct import (
    active_restriction,
    can_post,
    code_current,
    code_pending,
    code_with_acceptance,
    ensure_can_post,
    has_accepted_current_code,
    posting_refusal,
)
from programs.governance.selectors.content import (
    exclude_hidden,
    hidden_ids,
    hidden_record,
    is_hidden,
)
from programs.governance.selectors.health import (
    GuildHealth,
    guilds_to_answer,
    health_results,
    round_open,
)
from programs.governance.selectors.portal import (
    PortalSummary,
    community_lessons,
    decisions_about,
    mediation_slots_for,
    portal_summary,
    reports_made_by,
)
from programs.governance.selectors.queue import (
    case_queue,
    moderator_actions,
    open_reports_over_sla,
    report_queue,
    report_response_hours,
    report_sla,
    reports_over_sla,
)
from programs.governance.selectors.targets import (
    author_of,
    guild_of,
    kind_of,
    reportable_target,
    target_label,
    target_of,
)

__all__ = [
    "GuildHealth",
    "PortalSummary",
    "active_restriction",
    "author_of",
    "available_moderators",
    "can_post",
    "case_queue",
    "cases_visible_to",
    "code_current",
    "code_pending",
    "code_with_acceptance",
    "community_lessons",
    "decisions_about",
    "ensure_can_post",
    "exclude_hidden",
    "guild_moderators",
    "guild_of",
    "guilds_to_answer",
    "has_accepted_current_code",
    "health_results",
    "hidden_ids",
    "hidden_record",
    "is_away",
    "is_hidden",
    "is_program_lead",
    "kind_of",
    "ladder_history",
    "ladder_next",
    "may_moderate_case",
    "may_moderate_guild",
    "may_moderate_report",
    "mediation_slots_for",
    "moderator_actions",
    "next_step",
    "open_reports_over_sla",
    "portal_summary",
    "posting_refusal",
    "program_leads",
    "report_queue",
    "report_response_hours",
    "report_sla",
    "reportable_target",
    "reports_made_by",
    "reports_over_sla",
    "reports_visible_to",
    "round_open",
    "steps_before",
    "steps_recorded",
    "target_label",
    "target_of",
]
