"""Making reports (portal, or staff from an email), acknowledging and closing them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, ChampionState, Guild, MembershipStatus, User
from programs.governance import conf
from programs.governance.models import (
    ActionKind,
    Report,
    ReportCategory,
    ReportSource,
    ReportStatus,
)
from programs.governance.selectors import (
    author_of,
    guild_of,
    kind_of,
    may_moderate_report,
)
from programs.governance.services.audit import queue_email, record_action

MAX_DESCRIPTION = 5000


def _check_text(category: str, description: str) -> str:
    if category not in ReportCategory.values:
        raise DomainError("Choose what kind of concern this is.", field="category")
    description = description.strip()
    if not description:
        raise DomainError("Describe what happened in a few sentences.", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            f"Keep the description under {MAX_DESCRIPTION} characters.", field="description"
        )
    return description


def _new_report(
    *,
    target: Model | None,
    category: str,
    description: str,
    at: datetime,
    source: str,
    reporter: Champion | None = None,
    entered_by: User | None = None,
    guild: Guild | None = None,
) -> Report:
    kind = kind_of(target) if target is not None else ""
    sla = conf.report_sla_hours()
    report = Report(
        reporter=reporter,
        entered_by=entered_by,
        source=source,
        target_kind=kind,
        subject_member=author_of(target),
        guild=guild_of(target) or guild,
        category=category,
        description=_check_text(category, description),
        made_at=at,
        sla_hours=sla,
        due_at=at + timedelta(hours=sla),
    )
    if kind:
        setattr(report, kind, target)
    report.save()
    return report


@transaction.atomic
def report_make(
    *,
    reporter: Champion,
    target: Model,
    category: str,
    description: str,
    guild: Guild | None = None,
    at: datetime | None = None,
) -> Report:
    """A champion reports a concern from the portal. Restricted members may report too."""
    if reporter.erased_at is not None or reporter.state in (
        ChampionState.INVITED,
        ChampionState.ALUMNI,
    ):
        raise DomainError("Only current champions can report in the portal.", field="reporter")
    subject = author_of(target)
    if subject is not None and (
        subject.pk == reporter.pk or (subject.user_id and subject.user_id == reporter.user_id)
    ):
        raise DomainError("You cannot report yourself or your own posts.", field="target")
    kind = kind_of(target)
    duplicate = Report.objects.filter(
        reporter=reporter, closed_at__isnull=True, target_kind=kind, **{kind: target}
    ).exists()
    if duplicate:
        raise DomainError(
            "You reported this already and the report is still open. A moderator will get back"
            " to you.",
            field="target",
        )
    if guild is None and isinstance(target, Champion):
        guild = _shared_guild(reporter, target)
    return _new_report(
        target=target,
        category=category,
        description=description,
        at=at or timezone.now(),
        source=ReportSource.PORTAL,
        reporter=reporter,
        guild=guild,
    )


def _shared_guild(reporter: Champion, member: Champion) -> Guild | None:
    """A report about a member goes to the moderators of a guild both are in (the first by
    name); without one it is the program lead's."""
    active = MembershipStatus.ACTIVE
    return (
        Guild.objects.filter(memberships__champion=reporter, memberships__status=active)
        .filter(memberships__champion=member, memberships__status=active)
        .order_by("name")
        .first()
    )


@transaction.atomic
def report_enter(
    *,
    entered_by: User,
    category: str,
    description: str,
    target: Model | None = None,
    reporter: Champion | None = None,
    guild: Guild | None = None,
    at: datetime | None = None,
) -> Report:
    """The program team enters a report received by email or phone (not a moderator action)."""
    if not entered_by.is_staff:
        raise DomainError("Only the program team enters reports for others.", field="entered_by")
    if target is None and guild is None:
        raise DomainError(
            "Say what the report is about, or at least in which guild it happened.", field="guild"
        )
    return _new_report(
        target=target,
        category=category,
        description=description,
        at=at or timezone.now(),
        source=ReportSource.STAFF,
        reporter=reporter,
        entered_by=entered_by,
        guild=guild,
    )


def _lock_open(report: Report, by: User) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not may_moderate_report(user=by, report=report):
        raise DomainError("Only the moderators of this guild can act on this report.", field="by")
    if report.closed_at is not None:
        raise DomainError("This report is closed already.", field="report")
    return report


@transaction.atomic
def report_acknowledge(*, report: Report, by: User, at: datetime | None = None) -> Report:
    """A moderator tells the reporter the report is being looked at."""
    at = at or timezone.now()
    report = _lock_open(report, by)
    if report.acknowledged_at is not None:
        return report
    report.acknowledged_at = at
    if report.status == ReportStatus.RECEIVED:
        report.status = ReportStatus.ACKNOWLEDGED
    report.save(update_fields=["acknowledged_at", "status"])
    record_action(kind=ActionKind.REPORT_ACKNOWLEDGED, actor=by, at=at, report=report)
    if report.reporter_id is not None:
        queue_email("report_acknowledged", report.pk)
    return report


@transaction.atomic
def report_close(*, report: Report, by: User, note: str, at: datetime | None = None) -> Report:
    """Close a report that needs no case (a duplicate, spam removed, no breach of the code)."""
    at = at or timezone.now()
    report = _lock_open(report, by)
    if report.case_id is not None:
        raise DomainError("This report belongs to a case: close the case instead.", field="report")
    if not note.strip():
        raise DomainError("Tell the reporter in a sentence why it is closed.", field="note")
    report.closed_at = at
    report.closing_note = note.strip()
    report.status = ReportStatus.CLOSED
    report.acknowledged_at = report.acknowledged_at or at
    report.save(update_fields=["closed_at", "closing_note", "status", "acknowledged_at"])
    record_action(kind=ActionKind.REPORT_CLOSED, actor=by, at=at, report=report, note=note)
    if report.reporter_id is not None:
        queue_email("report_closed", report.pk)
    return report


@transaction.atomic
def reports_alert_over_sla(*, at: datetime | None = None) -> int:
    """Beat task: tell the moderators (and the program lead) about reports past their SLA,
    once per report. Returns how many alerts were queued."""
    at = at or timezone.now()
    due = list(
        Report.objects.filter(closed_at__isnull=True, due_at__lt=at, sla_alerted_at__isnull=True)
    )
    Report.objects.filter(pk__in=[r.pk for r in due]).update(sla_alerted_at=at)
    for report in due:
        queue_email("sla_breach", report.pk)
    return len(due)
