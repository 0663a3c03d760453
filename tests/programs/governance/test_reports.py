"""Reports: made in the portal or entered by staff, acknowledged, closed; the SLA, its breach
alerts, and the METRICS.md figures computed exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from champions.errors import DomainError
from programs.governance import selectors, services
from programs.governance.models import Report, ReportStatus
from tests.factories import ChampionFactory
from tests.programs.governance.conftest import Program

pytestmark = pytest.mark.django_db


def test_a_report_records_target_guild_subject_and_its_deadline(
    program: Program, report: Report, settings: Any
) -> None:
    assert report.target_kind == "question" and report.question == program.question
    assert report.guild == program.guild_a and report.subject_member == program.member
    assert report.sla_hours == 48 and report.due_at == report.made_at + timedelta(hours=48)

    settings.GOVERNANCE_REPORT_SLA_HOURS = 24
    quick = services.report_make(
        reporter=program.bystander, target=program.question, category="other", description="Odd."
    )
    assert quick.sla_hours == 24


def test_reporting_oneself_twice_or_without_words_is_refused(
    program: Program, report: Report
) -> None:
    with pytest.raises(DomainError, match="yourself"):
        services.report_make(
            reporter=program.member, target=program.question, category="spam", description="x"
        )
    with pytest.raises(DomainError, match="reported this already"):
        services.report_make(
            reporter=program.reporter, target=program.question, category="spam", description="again"
        )
    with pytest.raises(DomainError) as refused:
        services.report_make(
            reporter=program.bystander, target=program.question, category="spam", description="   "
        )
    assert refused.value.field == "description"
    with pytest.raises(DomainError) as refused:
        services.report_make(
            reporter=program.bystander, target=program.question, category="gossip", description="x"
        )
    assert refused.value.field == "category"


def test_staff_enter_reports_from_email_and_need_a_target_or_guild(program: Program) -> None:
    with pytest.raises(DomainError, match="which guild"):
        services.report_enter(entered_by=program.lead, category="other", description="x")
    report = services.report_enter(
        entered_by=program.lead,
        category="other",
        description="x",
        guild=program.guild_b,
        reporter=program.reporter,
    )
    assert report.source == "staff" and report.entered_by == program.lead
    assert report.first_action_at is None  # entering is not a moderator action
    with pytest.raises(DomainError, match="program team"):
        services.report_enter(
            entered_by=program.member.user, category="other", description="x", guild=program.guild_b
        )


def test_acknowledging_tells_the_reporter_and_is_the_first_response(
    program: Program, report: Report, committed: Any
) -> None:
    at = report.made_at + timedelta(hours=5)
    with committed():
        services.report_acknowledge(report=report, by=program.mod_a, at=at)

    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED and report.first_action_at == at
    [email] = mail.outbox
    assert email.to == [program.reporter.email]
    assert "Why is everyone so slow?" in email.body
    # a later action does not move the first response
    services.case_open(reports=[report], by=program.mod_a, at=at + timedelta(hours=1))
    report.refresh_from_db()
    assert report.first_action_at == at


def test_closing_a_report_without_a_case_needs_a_note(program: Program, report: Report) -> None:
    with pytest.raises(DomainError, match="why it is closed"):
        services.report_close(report=report, by=program.mod_a, note=" ")
    services.report_close(report=report, by=program.mod_a, note="A duplicate of #0.")
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.closing_note == "A duplicate of #0."
    with pytest.raises(DomainError, match="closed already"):
        services.report_acknowledge(report=report, by=program.mod_a)


def test_only_the_guilds_moderators_act_on_a_report(program: Program, report: Report) -> None:
    with pytest.raises(DomainError, match="moderators of this guild"):
        services.report_acknowledge(report=report, by=program.mod_b)
    services.report_acknowledge(report=report, by=program.lead)


def test_sla_breach_is_detected_exactly_as_metrics_md_defines_it(program: Program) -> None:
    now = timezone.now()

    def made(hours_ago: float, closed_hours_ago: float | None = None) -> Report:
        report = services.report_enter(
            entered_by=program.lead,
            category="spam",
            description="x",
            guild=program.guild_a,
            at=now - timedelta(hours=hours_ago),
        )
        if closed_hours_ago is not None:
            services.report_close(
                report=report,
                by=program.mod_a,
                note="done",
                at=now - timedelta(hours=closed_hours_ago),
            )
        return report

    breached = made(49)
    made(47)  # not old enough
    exactly = made(48)  # exactly the SLA old: not "more than"
    made(60, closed_hours_ago=1)  # closed before `to`
    closed_at_to = made(50, closed_hours_ago=0)  # closed exactly at `to`: still open at `to`

    over = selectors.reports_over_sla(at=now)
    assert set(over) == {breached, closed_at_to}
    assert exactly not in over
    assert selectors.open_reports_over_sla(at=now) == 2
    # recomputing an earlier moment uses only what was known then
    assert selectors.open_reports_over_sla(at=now - timedelta(hours=2)) == 1


def test_the_sla_alert_goes_out_once_to_moderators_and_lead(
    program: Program, committed: Any
) -> None:
    services.report_enter(
        entered_by=program.lead,
        category="spam",
        description="x",
        guild=program.guild_a,
        at=timezone.now() - timedelta(hours=50),
    )
    with committed():
        assert services.reports_alert_over_sla() == 1
    assert services.reports_alert_over_sla() == 0
    [alert] = mail.outbox
    assert set(alert.to) == {program.mod_a.email, program.deputy_a.email, program.lead.email}


def test_report_response_hours_is_the_median_of_first_moderator_actions(
    program: Program,
) -> None:
    start = timezone.now() - timedelta(days=10)
    end = timezone.now()
    hours = []
    for offset, response in ((1, 2.0), (2, 4.0), (3, 9.0), (4, None)):
        report = services.report_enter(
            entered_by=program.lead,
            category="spam",
            description="x",
            guild=program.guild_a,
            at=start + timedelta(days=offset),
        )
        if response is not None:
            services.report_acknowledge(
                report=report, by=program.mod_a, at=report.made_at + timedelta(hours=response)
            )
            hours.append(response)

    assert selectors.report_response_hours(start=start, end=end) == 4.0
    # a response after `to` does not count for a window ending before it
    assert (
        selectors.report_response_hours(start=start, end=start + timedelta(days=1, hours=1)) is None
    )


def test_a_report_about_a_member_goes_to_a_guild_both_are_in(program: Program) -> None:
    report = services.report_make(
        reporter=program.reporter,
        target=program.member,
        category="harassment",
        description="Rude remarks.",
    )
    assert report.guild == program.guild_a
    stranger = services.report_make(
        reporter=program.reporter,
        target=ChampionFactory(),
        category="spam",
        description="DMs with ads.",
    )
    assert stranger.guild is None  # the program lead's
