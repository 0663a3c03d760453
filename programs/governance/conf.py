"""Settings of governance, each read with its default (docs/governance.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from programs.governance.models import ReportCategory


def report_sla_hours() -> int:
    """Hours within which a report should be closed (METRICS.md `open_reports_over_sla`)."""
    return int(getattr(settings, "GOVERNANCE_REPORT_SLA_HOURS", 48))


def appeal_days() -> int:
    """Days after a decision in which the member may appeal."""
    return int(getattr(settings, "GOVERNANCE_APPEAL_DAYS", 14))


def max_restriction_days() -> int:
    return int(getattr(settings, "GOVERNANCE_MAX_RESTRICTION_DAYS", 365))


def serious_categories() -> frozenset[str]:
    """Categories a case is escalated to the program lead for as soon as it is opened."""
    default = (
        ReportCategory.HARASSMENT,
        ReportCategory.CONFIDENTIALITY,
        ReportCategory.UNPAID_EXPLOITATION,
    )
    return frozenset(getattr(settings, "GOVERNANCE_SERIOUS_CATEGORIES", default))


@dataclass(frozen=True)
class OutsideContact:
    name: str
    email: str


def escalation_contact() -> OutsideContact | None:
    """The named person outside the program that serious cases escalate to last."""
    name = str(getattr(settings, "GOVERNANCE_ESCALATION_CONTACT_NAME", "")).strip()
    email = str(getattr(settings, "GOVERNANCE_ESCALATION_CONTACT_EMAIL", "")).strip()
    return OutsideContact(name or email, email) if email else None


def health_check_months() -> int:
    """A new health-check round opens when the last one opened this many months ago."""
    return int(getattr(settings, "GOVERNANCE_HEALTH_CHECK_MONTHS", 3))


def health_check_open_days() -> int:
    return int(getattr(settings, "GOVERNANCE_HEALTH_CHECK_OPEN_DAYS", 14))


def health_drop_threshold() -> float:
    """A guild is flagged when its score falls by at least this much from the previous round."""
    return float(getattr(settings, "GOVERNANCE_HEALTH_DROP", 0.5))


def health_min_responses() -> int:
    """Fewer responses than this: no score is shown (too few to be anonymous or meaningful)."""
    return int(getattr(settings, "GOVERNANCE_HEALTH_MIN_RESPONSES", 3))
