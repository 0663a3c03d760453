"""The metric keys of METRICS.md a playbook may name as its measure.

Kept in step with METRICS.md by hand: a key added there is added here in the same change.
"""

from __future__ import annotations

GROWTH_AND_ACTIVATION = (
    "activation_rate",
    "time_to_first_value_days",
    "referral_velocity",
    "invitation_acceptance_days",
    "peer_invitations_per_person",
    "referral_chain_depth",
)
DEPTH_AND_RETENTION = (
    "contribution_depth",
    "retention_by_cohort",
    "collaboration_density",
    "learning_transfer_rate",
)
HELP_AND_KNOWLEDGE = (
    "time_to_first_answer_hours",
    "answered_within_24h_share",
    "helpful_answer_share",
    "template_reuse_rate",
    "solved_chain_length",
)
HEALTH_AND_GOVERNANCE = (
    "moderation_effort_per_interaction",
    "report_response_hours",
    "open_reports_over_sla",
    "silent_guilds",
    "activity_heatmap",
)
REFERENCES_AND_REVENUE = (
    "reference_supply",
    "reference_fulfilment_rate",
    "reference_fulfilment_days",
    "deals_with_reference_share",
    "influenced_pipeline",
    "influenced_won_amount",
    "win_rate_with_reference",
    "win_rate_without_reference",
)
PER_ACCOUNT = (
    "active_champions",
    "champion_count",
    "highest_champion_level",
    "engagement_score",
    "events_attended_90d",
    "templates_reused_90d",
    "last_champion_activity_at",
    "references_given_12m",
)

METRIC_KEYS: tuple[str, ...] = (
    *GROWTH_AND_ACTIVATION,
    *DEPTH_AND_RETENTION,
    *HELP_AND_KNOWLEDGE,
    *HEALTH_AND_GOVERNANCE,
    *REFERENCES_AND_REVENUE,
    *PER_ACCOUNT,
)
