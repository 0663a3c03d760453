"""Governance figures (METRICS.md): report response time and reports over their SLA,
over the governance app's reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from champions.models import Champion
from programs.governance.models import Report, ReportCategory, ReportSource
from tests.programs.metrics.build import PLUS_TWO, TO, at, march, value

pytestmark = pytest.mark.django_db


def report(
    made: datetime,
    *,
    first_action: datetime | None = None,
    closed: datetime | None = None,
    sla_hours: int = 48,
    masked: bool = False,
    reporter: Champion | None = None,
    **fields: Any,
) -> Report:
    created: Report = Report.objects.create(
        reporter=reporter,
        source=ReportSource.PORTAL,
        category=ReportCategory.SPAM,
        description="Spam in the clinic.",
        made_at=made,
        sla_hours=sla_hours,
        due_at=made + timedelta(hours=sla_hours),
        first_action_at=first_action,
        closed_at=closed,
        reporter_masked_at=at(5, 1) if masked else None,
        **fields,
    )
    return created


def test_report_response_hours() -> None:
    report(march(2), first_action=march(2, 6))  # 6 h
    report(march(3), first_action=march(4))  # 24 h
    report(march(31, 22), first_action=at(4, 1, 1))  # answered after `to`
    report(march(5))  # never answered
    report(at(2, 27), first_action=march(1))  # made before the window
    report(march(6), first_action=march(6, 1), masked=True)  # an erased reporter's
    report(march(7), first_action=datetime(2026, 3, 7, 3, 30, tzinfo=PLUS_TWO))  # 1.5 h
    report(march(8), first_action=march(8, 3))  # 3 h
    # 1.5, 3, 6, 24 -> (3 + 6) / 2 = 4.5 hours.
    assert value("report_response_hours") == pytest.approx(4.5)


def test_open_reports_over_sla() -> None:
    report(at(3, 29, 23, 59, 59))  # 48 h and 1 s old at `to`: over
    report(march(30))  # exactly 48 h old: not more than the SLA
    report(march(1), closed=march(2))  # closed
    report(march(1), closed=TO)  # closed at `to`: still open at `to`, over
    report(march(10), sla_hours=500)  # due 03-30 20:00: over
    report(march(20), sla_hours=500)  # due 04-10: not yet
    report(march(1), masked=True)  # an erased reporter's: removed
    report(TO)  # made at `to`
    assert value("open_reports_over_sla") == 3


def test_governance_figures_empty() -> None:
    assert value("report_response_hours") is None
    assert value("open_reports_over_sla") == 0
