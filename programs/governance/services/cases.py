"""Moderation cases following the guide: open, the steps in order, decision on the
consequence ladder, follow-up, closing, and escalation for serious categories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from champions.errors import DomainError
from champions.models import ActivitySource, User
from programs.governance import conf
from programs.governance.models import (
    ESCALATION_ORDER,
    LADDER,
    ActionKind,
    CaseStatus,
    CaseStep,
    Consequence,
    ConsequenceKind,
    EscalationLevel,
    GuildModerator,
    ModerationCase,
    Report,
    ReportCategory,
    ReportStatus,
    StepKind,
)
from programs.governance.selectors import (
    available_moderators,
    is_away,
    is_program_lead,
    ladder_next,
    may_moderate_case,
    may_moderate_report,
    program_leads,
    steps_before,
    steps_recorded,
)
from programs.governance.services.audit import queue_email, record_action
from programs.governance.services.moderators import case_hand_over
from programs.governance.services.personal_data import people_of, personal_data_in

GUIDE_STEPS = (StepKind.MIRROR, StepKind.INTERESTS, StepKind.OPTIONS)
DEFAULT_CLOSING_NOTE = (
    "A moderator looked into your report and took the steps our code of conduct foresees. "
    "Thank you for speaking up."
)


def _lock(case: ModerationCase, by: User) -> ModerationCase:
    case = ModerationCase.objects.select_for_update().get(pk=case.pk)
    if not may_moderate_case(user=by, case=case):
        raise DomainError("Only the moderators of this case can act on it.", field="by")
    return case


def _most_serious(categories: set[str]) -> str:
    serious = conf.serious_categories()
    ranked = sorted(categories, key=lambda c: (c not in serious, ReportCategory.values.index(c)))
    return ranked[0]


def _team(
    reports: list[Report], by: User, moderator: User | None, deputy: User | None, on: date
) -> tuple[User, User | None]:
    guild, member = reports[0].guild, reports[0].subject_member
    excluding = {member.user_id} if member is not None and member.user_id else set()
    if moderator is None:
        appointed = GuildModerator.objects.filter(guild=guild, user=by, ended_at__isnull=True)
        if guild is not None and appointed.exists() and not is_away(user=by, on=on):
            moderator = by
        else:
            found = available_moderators(guild=guild, on=on, excluding=excluding)
            moderator = found[0] if found else by
    if moderator.pk in excluding:
        raise DomainError("The reported member cannot moderate their own case.", field="moderator")
    if deputy is None:
        others = available_moderators(guild=guild, on=on, excluding=excluding | {moderator.pk})
        leads = program_leads().exclude(pk__in=excluding | {moderator.pk})
        deputy = others[0] if others else leads.first()
    if deputy is not None and deputy.pk in excluding | {moderator.pk}:
        raise DomainError("The deputy must be someone else than the moderator.", field="deputy")
    return moderator, deputy


@transaction.atomic
def case_open(
    *,
    reports: Sequence[Report],
    by: User,
    moderator: User | None = None,
    deputy: User | None = None,
    at: datetime | None = None,
) -> ModerationCase:
    """Open a case from one or more open reports of one guild about the same member.

    The moderator is `moderator`, else `by` if they moderate the guild, else the guild's least
    busy available moderator; the deputy another one (or the program lead). A moderator away
    at assignment hands the case straight to the deputy. Serious categories go to the program
    lead at once.
    """
    at = at or timezone.now()
    ids = [report.pk for report in reports]
    locked = list(
        Report.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("guild", "subject_member")
        .order_by("made_at", "pk")
    )
    if not locked:
        raise DomainError("Choose at least one report.", field="reports")
    for report in locked:
        if not may_moderate_report(user=by, report=report):
            raise DomainError(f"You cannot moderate report #{report.pk}.", field="reports")
        if report.closed_at is not None or report.case_id is not None:
            raise DomainError(f"Report #{report.pk} is closed or in a case.", field="reports")
    if len({r.guild_id for r in locked}) > 1:
        raise DomainError("Reports from different guilds go into separate cases.", field="reports")
    if len({r.subject_member_id for r in locked if r.subject_member_id}) > 1:
        raise DomainError("These reports are about different members.", field="reports")
    moderator, deputy = _team(locked, by, moderator, deputy, timezone.localdate(at))
    case = ModerationCase.objects.create(
        guild=locked[0].guild,
        member=next((r.subject_member for r in locked if r.subject_member), None),
        category=_most_serious({r.category for r in locked}),
        moderator=moderator,
        deputy=deputy,
        opened_at=at,
        opened_by=by,
    )
    unacknowledged = [r.pk for r in locked if r.acknowledged_at is None and r.reporter_id]
    Report.objects.filter(pk__in=ids).update(
        case=case, status=ReportStatus.IN_CASE, acknowledged_at=Coalesce(F("acknowledged_at"), at)
    )
    record_action(kind=ActionKind.CASE_OPENED, actor=by, at=at, case=case, detail={"reports": ids})
    for report_id in unacknowledged:
        queue_email("report_acknowledged", report_id)
    if is_away(user=moderator, on=timezone.localdate(at)):
        case = _hand_over_at_assignment(case, at)
    elif moderator.pk != by.pk:
        queue_email("case_assigned", case.pk)
    if case.category in conf.serious_categories():
        _escalate(
            case,
            EscalationLevel.PROGRAM_LEAD,
            None,
            at,
            "Serious category: the program lead is involved from the start.",
        )
    return case


def _hand_over_at_assignment(case: ModerationCase, at: datetime) -> ModerationCase:
    try:
        return case_hand_over(case=case, reason="The moderator is away at assignment.", at=at)
    except DomainError:
        return case  # nobody available: it stays with the moderator, visible in the queue


@transaction.atomic
def report_attach(
    *, report: Report, case: ModerationCase, by: User, at: datetime | None = None
) -> Report:
    """Add another report about the same matter to an open case."""
    at = at or timezone.now()
    case = _lock(case, by)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not may_moderate_report(user=by, report=report):
        raise DomainError("You cannot moderate this report.", field="report")
    if report.closed_at is not None or report.case_id is not None:
        raise DomainError("This report is closed or in a case already.", field="report")
    if case.status == CaseStatus.CLOSED:
        raise DomainError("The case is closed; open a new one.", field="case")
    if report.guild_id != case.guild_id:
        raise DomainError("The report belongs to another guild.", field="report")
    newly = report.acknowledged_at is None
    report.case, report.status = case, ReportStatus.IN_CASE
    report.acknowledged_at = report.acknowledged_at or at
    report.save(update_fields=["case", "status", "acknowledged_at"])
    record_action(kind=ActionKind.REPORT_ATTACHED, actor=by, at=at, case=case, report=report)
    if newly and report.reporter_id:
        queue_email("report_acknowledged", report.pk)
    return report


@transaction.atomic
def case_record_step(
    *, case: ModerationCase, kind: str, text: str, by: User, at: datetime | None = None
) -> CaseStep:
    """Record one of the guide's first three steps, in order: mirror the concern, clarify
    interests, collect options."""
    at = at or timezone.now()
    case = _lock(case, by)
    if kind not in GUIDE_STEPS:
        raise DomainError(
            "Record the decision and the follow-up with their own forms.", field="kind"
        )
    if case.status != CaseStatus.OPEN:
        raise DomainError("The case is decided; its steps are recorded.", field="kind")
    done = steps_recorded(case=case)
    if kind in done:
        raise DomainError(f"“{StepKind(kind).label}” is recorded already.", field="kind")
    missing = [k for k in steps_before(kind) if k not in done]
    if missing:
        raise DomainError(
            f"Record “{StepKind(missing[0]).label}” first: the guide's steps come in order.",
            field="kind",
        )
    if not text.strip():
        raise DomainError("Write down what came out of this step.", field="text")
    step = CaseStep.objects.create(
        case=case, kind=kind, text=text.strip(), recorded_by=by, recorded_at=at
    )
    record_action(kind=ActionKind.STEP_RECORDED, actor=by, at=at, case=case, detail={"step": kind})
    return step


def _check_member_message(case: ModerationCase, message: str) -> None:
    reporters = [r.reporter for r in case.reports.select_related("reporter__account")]
    people = [p for reporter in reporters for p in people_of(reporter, "someone")]
    found = personal_data_in(message, people)
    if found:
        raise DomainError(
            "The message to the member must not say who reported or give contact details; "
            f"remove: {', '.join(found)}.",
            field="member_message",
        )


def _consequence(
    case: ModerationCase,
    kind: str,
    days: int | None,
    reason: str,
    skip_reason: str,
    by: User,
    at: datetime,
) -> Consequence:
    member = case.member
    if member is None:
        raise DomainError(
            "This case is about no member: decide without a consequence.", field="consequence"
        )
    if kind not in LADDER:
        raise DomainError("Choose a rung of the consequence ladder.", field="consequence")
    if not reason.strip():
        raise DomainError("Give the reason for the consequence.", field="reason")
    expected = ladder_next(member=member)
    if kind != expected and not skip_reason.strip():
        raise DomainError(
            f"The next step on this member's ladder is “{ConsequenceKind(expected).label}”. "
            f"Give a reason to apply “{ConsequenceKind(kind).label}” instead.",
            field="skip_reason",
        )
    ends_at = None
    if kind == ConsequenceKind.RESTRICTION:
        if not days or not 1 <= days <= conf.max_restriction_days():
            raise DomainError(
                f"A restriction lasts 1 to {conf.max_restriction_days()} days.",
                field="restriction_days",
            )
        ends_at = at + timedelta(days=days)
    return Consequence.objects.create(
        case=case,
        member=member,
        kind=kind,
        restriction_days=days if kind == ConsequenceKind.RESTRICTION else None,
        starts_at=at,
        ends_at=ends_at,
        reason=reason.strip(),
        skip_reason=skip_reason.strip() if kind != expected else "",
        decided_by=by,
    )


@transaction.atomic
def case_decide(
    *,
    case: ModerationCase,
    by: User,
    decision: str,
    member_message: str = "",
    consequence: str | None = None,
    restriction_days: int | None = None,
    reason: str = "",
    skip_reason: str = "",
    at: datetime | None = None,
) -> ModerationCase:
    """Record the decision: refused until the guide's first three steps are recorded.

    A consequence takes the next rung of the member's ladder unless `skip_reason` says why
    not. The member is told `member_message` (checked not to name the reporter) and may appeal
    within the appeal period.
    """
    at = at or timezone.now()
    case = _lock(case, by)
    if case.status != CaseStatus.OPEN:
        raise DomainError("This case has a decision already.", field="decision")
    done = steps_recorded(case=case)
    missing = [StepKind(k).label for k in steps_before(StepKind.DECISION) if k not in done]
    if missing:
        raise DomainError(
            "A decision needs the earlier steps of the guide recorded first: "
            + ", ".join(f"“{label}”" for label in missing)
            + ".",
            field="decision",
        )
    if case.escalation_level != EscalationLevel.MODERATOR and not is_program_lead(by):
        raise DomainError("This case is escalated: the program lead decides it.", field="by")
    if not decision.strip():
        raise DomainError("Write down the decision and why.", field="decision")
    if case.member_id is not None:
        if not member_message.strip():
            raise DomainError("Write what the member is told.", field="member_message")
        _check_member_message(case, member_message)
    applied = None
    if consequence:
        applied = _consequence(case, consequence, restriction_days, reason, skip_reason, by, at)
    CaseStep.objects.create(
        case=case, kind=StepKind.DECISION, text=decision.strip(), recorded_by=by, recorded_at=at
    )
    case.status, case.decided_at, case.decided_by = CaseStatus.DECIDED, at, by
    case.member_message = member_message.strip()
    case.appeal_until = at + timedelta(days=conf.appeal_days()) if applied else None
    case.save(
        update_fields=["status", "decided_at", "decided_by", "member_message", "appeal_until"]
    )
    detail = {
        "consequence": consequence or None,
        "restriction_days": restriction_days,
        "rung_skipped": bool(applied and applied.skip_reason),
    }
    record_action(kind=ActionKind.DECISION_RECORDED, actor=by, at=at, case=case, detail=detail)
    if case.member_id is not None:
        queue_email("decision", case.pk)
    return case


@transaction.atomic
def case_plan_follow_up(
    *, case: ModerationCase, by: User, on: date, note: str, at: datetime | None = None
) -> CaseStep:
    """The guide's last step: when and how the moderator checks in again."""
    at = at or timezone.now()
    case = _lock(case, by)
    done = steps_recorded(case=case)
    if StepKind.DECISION not in done:
        raise DomainError("Plan the follow-up after the decision.", field="on")
    if StepKind.FOLLOW_UP in done:
        raise DomainError("The follow-up is planned already.", field="on")
    if on < timezone.localdate(at):
        raise DomainError("The follow-up date lies in the past.", field="on")
    if not note.strip():
        raise DomainError("Say what the follow-up is for.", field="note")
    step = CaseStep.objects.create(
        case=case, kind=StepKind.FOLLOW_UP, text=note.strip(), recorded_by=by, recorded_at=at
    )
    case.follow_up_on = on
    case.save(update_fields=["follow_up_on"])
    record_action(
        kind=ActionKind.FOLLOW_UP_PLANNED, actor=by, at=at, case=case, detail={"on": on.isoformat()}
    )
    return step


@transaction.atomic
def case_close(
    *, case: ModerationCase, by: User, note_to_reporters: str = "", at: datetime | None = None
) -> ModerationCase:
    """Close a decided case after its follow-up is planned; its reports close with it."""
    at = at or timezone.now()
    case = _lock(case, by)
    if case.status == CaseStatus.OPEN:
        raise DomainError("Decide the case before closing it.", field="case")
    if case.status == CaseStatus.APPEALED:
        raise DomainError("An appeal is pending: decide it before closing.", field="case")
    if case.status == CaseStatus.CLOSED:
        raise DomainError("The case is closed already.", field="case")
    if StepKind.FOLLOW_UP not in steps_recorded(case=case):
        raise DomainError("Plan the follow-up before closing the case.", field="case")
    case.status, case.closed_at = CaseStatus.CLOSED, at
    case.save(update_fields=["status", "closed_at"])
    reports = list(case.reports.filter(closed_at__isnull=True))
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        closed_at=at,
        status=ReportStatus.CLOSED,
        closing_note=note_to_reporters.strip() or DEFAULT_CLOSING_NOTE,
    )
    record_action(kind=ActionKind.CASE_CLOSED, actor=by, at=at, case=case)
    for report in reports:
        if report.reporter_id is not None:
            queue_email("report_closed", report.pk)
    return case


def _escalate(
    case: ModerationCase, level: str, by: User | None, at: datetime, reason: str
) -> ModerationCase:
    case.escalation_level, case.escalated_at = level, at
    case.save(update_fields=["escalation_level", "escalated_at"])
    record_action(
        kind=ActionKind.ESCALATED,
        actor=by,
        at=at,
        case=case,
        note=reason,
        detail={"to": level},
        source=ActivitySource.ADMIN if by else ActivitySource.SYSTEM,
    )
    queue_email("escalated", case.pk)
    return case


@transaction.atomic
def case_escalate(
    *, case: ModerationCase, by: User, reason: str, at: datetime | None = None
) -> ModerationCase:
    """One level up: moderator → program lead → the named contact outside the program."""
    at = at or timezone.now()
    case = _lock(case, by)
    if case.status == CaseStatus.CLOSED:
        raise DomainError("A closed case is not escalated.", field="case")
    position = ESCALATION_ORDER.index(EscalationLevel(case.escalation_level))
    if position + 1 >= len(ESCALATION_ORDER):
        raise DomainError("The case is with the outside contact already.", field="case")
    level = ESCALATION_ORDER[position + 1]
    if level == EscalationLevel.OUTSIDE:
        if not is_program_lead(by):
            raise DomainError("Only the program lead escalates outside the program.", field="by")
        if conf.escalation_contact() is None:
            raise DomainError(
                "No outside contact is configured (GOVERNANCE_ESCALATION_CONTACT_EMAIL).",
                field="case",
            )
    if not reason.strip():
        raise DomainError("Say why the case is escalated.", field="reason")
    return _escalate(case, level, by, at, reason.strip())
