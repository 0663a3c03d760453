"""The governance admin: report and case queues by SLA, the case page following the guide,
the code of conduct, the moderation team, health checks and the audit log."""

from __future__ import annotations

from programs.governance.admin import cases, conduct, health, records, reports

__all__ = ["cases", "conduct", "health", "records", "reports"]
