"""Cases follow the guide in order; decisions climb the ladder predictably; restrictions end;
appeals are once and never to the decider; escalation; mediation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from champions.errors import DomainError
from programs.governance import selectors, services
from programs.governance.models import (
    AppealOutcome,
    CaseStatus,
    ConsequenceKind,
    EscalationLevel,
    Report,
    ReportStatus,
)
from tests.programs.factories import QuestionFactory
from tests.programs.governance.conftest import Program, decide, walk_to_decision

pytestmark = pytest.mark.django_db


def _case(program: Program, report: Report, **kwargs: Any) -> Any:
    return services.case_open(reports=[report], by=program.mod_a, **kwargs)


def test_opening_a_case_assigns_moderator_and_deputy_and_takes_the_report_in(
    program: Program, report: Report
) -> None:
    case = _case(program, report)

    report.refresh_from_db()
    assert (case.moderator, case.deputy) == (program.mod_a, program.deputy_a)
    assert case.member == program.member and case.guild == program.guild_a
    assert report.case == case and report.status == ReportStatus.IN_CASE
    assert report.acknowledged_at == case.opened_at


def test_steps_are_recorded_in_the_guides_order(program: Program, report: Report) -> None:
    case = _case(program, report)
    by = program.mod_a

    with pytest.raises(DomainError, match="Mirror the concern"):
        services.case_record_step(case=case, kind="interests", text="x", by=by)
    services.case_record_step(case=case, kind="mirror", text="You felt spammed.", by=by)
    with pytest.raises(DomainError, match="recorded already"):
        services.case_record_step(case=case, kind="mirror", text="again", by=by)
    with pytest.raises(DomainError, match="Clarify interests"):
        services.case_record_step(case=case, kind="options", text="x", by=by)
    services.case_record_step(case=case, kind="interests", text="Focus.", by=by)
    services.case_record_step(case=case, kind="options", text="Warn.", by=by)
    with pytest.raises(DomainError, match="own forms"):
        services.case_record_step(case=case, kind="decision", text="x", by=by)

    assert list(case.steps.values_list("kind", flat=True)) == ["mirror", "interests", "options"]
    assert selectors.next_step(case=case) == "decision"


def test_a_decision_without_the_earlier_steps_is_refused(program: Program, report: Report) -> None:
    case = _case(program, report)
    services.case_record_step(case=case, kind="mirror", text="Spam.", by=program.mod_a)

    with pytest.raises(DomainError, match="Clarify interests") as refused:
        services.case_decide(
            case=case,
            by=program.mod_a,
            decision="Warn",
            member_message="Hi",
            consequence="note",
            reason="spam",
        )
    assert refused.value.field == "decision"
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not hasattr(case, "consequence")


def test_the_ladder_takes_the_next_rung_unless_a_reason_is_given(program: Program) -> None:
    member, by = program.member, program.mod_a
    rungs = []
    for expected in ("note", "warning", "restriction", "removal", "removal"):
        report = services.report_enter(
            entered_by=program.lead,
            category="spam",
            description="Again.",
            target=QuestionFactory(guild=program.guild_a, asker=member),
        )
        case = services.case_open(reports=[report], by=by)
        assert selectors.ladder_next(member=member) == expected
        if expected != "note":
            walk_to_decision(case, by)
            with pytest.raises(DomainError, match="Give a reason") as refused:
                services.case_decide(
                    case=case,
                    by=by,
                    decision="d",
                    member_message="m",
                    consequence="note",
                    reason="r",
                )
            assert refused.value.field == "skip_reason"
            services.case_decide(
                case=case,
                by=by,
                decision="d",
                member_message="m",
                consequence=expected,
                reason="r",
                restriction_days=3,
            )
        else:
            decide(case, by, consequence="note")
        rungs.append(case.consequence.kind)
    assert rungs == ["note", "warning", "restriction", "removal", "removal"]


def test_skipping_a_rung_with_a_reason_is_recorded(program: Program, report: Report) -> None:
    case = _case(program, report)
    decide(
        case,
        program.mod_a,
        consequence="restriction",
        restriction_days=7,
        skip_reason="Threatened a member.",
    )
    assert case.consequence.kind == ConsequenceKind.RESTRICTION
    assert case.consequence.skip_reason == "Threatened a member."


def test_a_restriction_needs_its_days(program: Program, report: Report) -> None:
    case = _case(program, report)
    walk_to_decision(case, program.mod_a)
    with pytest.raises(DomainError, match="1 to 365 days") as refused:
        services.case_decide(
            case=case,
            by=program.mod_a,
            decision="d",
            member_message="m",
            consequence="restriction",
            reason="r",
            skip_reason="s",
        )
    assert refused.value.field == "restriction_days"


def test_a_restriction_stops_posting_until_its_end(program: Program, report: Report) -> None:
    case = _case(program, report)
    decided_at = timezone.now() - timedelta(days=2)
    walk_to_decision(case, program.mod_a)
    services.case_decide(
        case=case,
        by=program.mod_a,
        decision="d",
        member_message="Take a break.",
        consequence="restriction",
        restriction_days=3,
        reason="r",
        skip_reason="Repeated spam.",
        at=decided_at,
    )
    member = program.member

    assert not selectors.can_post(member)
    assert "restricted from posting until" in (selectors.posting_refusal(champion=member) or "")
    later = decided_at + timedelta(days=3, seconds=1)
    assert selectors.posting_refusal(champion=member, at=later) is None
    assert selectors.active_restriction(champion=member, at=later) is None


def test_the_member_is_told_the_decision_without_the_reporter(
    program: Program, report: Report, committed: Any
) -> None:
    case = _case(program, report)
    mail.outbox.clear()
    walk_to_decision(case, program.mod_a)

    with pytest.raises(DomainError, match="must not say who reported") as refused:
        services.case_decide(
            case=case,
            by=program.mod_a,
            decision="d",
            consequence="note",
            reason="r",
            member_message="Ada Lovelace told us about your links.",
        )
    assert refused.value.field == "member_message"
    with committed():
        services.case_decide(
            case=case,
            by=program.mod_a,
            decision="d",
            consequence="note",
            reason="r",
            member_message="Please keep paid offers out of the clinics.",
        )

    [notice] = [m for m in mail.outbox if m.to == [program.member.email]]
    text = notice.body + str(notice.alternatives[0][0])
    assert "Please keep paid offers out" in text
    for secret in ("Ada", "Lovelace", "ada@acme.example", "Acme"):
        assert secret not in text


def test_follow_up_then_close_closes_the_reports_and_tells_the_reporter(
    program: Program, report: Report, committed: Any
) -> None:
    case = _case(program, report)
    decide(case, program.mod_a)
    with pytest.raises(DomainError, match="Plan the follow-up"):
        services.case_close(case=case, by=program.mod_a)
    with pytest.raises(DomainError, match="past"):
        services.case_plan_follow_up(
            case=case, by=program.mod_a, on=timezone.localdate() - timedelta(days=1), note="x"
        )
    services.case_plan_follow_up(
        case=case, by=program.mod_a, on=timezone.localdate() + timedelta(days=14), note="Check in."
    )
    mail.outbox.clear()
    with committed():
        case = services.case_close(
            case=case, by=program.mod_a, note_to_reporters="Handled, thank you."
        )

    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.closed_at == case.closed_at
    assert [m.to for m in mail.outbox] == [[program.reporter.email]]
    assert "Handled, thank you." in mail.outbox[0].body


def test_the_member_appeals_once_to_someone_other_than_the_decider(
    program: Program, report: Report
) -> None:
    case = _case(program, report)
    decide(case, program.mod_a, consequence="note")
    appeal = services.appeal_lodge(case=case, champion=program.member, text="It was a free guide.")

    assert appeal.reviewer == program.deputy_a
    with pytest.raises(DomainError, match="appealed this decision already"):
        services.appeal_lodge(case=case, champion=program.member, text="Again")
    with pytest.raises(DomainError, match="cannot review the appeal"):
        services.appeal_decide(appeal=appeal, by=program.mod_a, outcome="overturned", note="x")

    services.appeal_decide(
        appeal=appeal,
        by=program.deputy_a,
        outcome="overturned",
        note="The guide is free; the link is fine.",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    assert case.consequence.lifted_at is not None
    assert selectors.ladder_next(member=program.member) == "note"  # lifted: no longer counts


def test_appeal_only_by_the_member_within_the_period_and_with_a_consequence(
    program: Program, report: Report
) -> None:
    case = _case(program, report)
    decide(case, program.mod_a, consequence=None)
    with pytest.raises(DomainError, match="no consequence"):
        services.appeal_lodge(case=case, champion=program.member, text="x")
    with pytest.raises(DomainError, match="No decision about you"):
        services.appeal_lodge(case=case, champion=program.bystander, text="x")

    other = services.report_enter(
        entered_by=program.lead,
        category="spam",
        description="x",
        target=program.member,
        guild=program.guild_a,
    )
    late = services.case_open(reports=[other], by=program.mod_a)
    decide(late, program.mod_a, consequence="note", at=timezone.now() - timedelta(days=30))
    with pytest.raises(DomainError, match="time to appeal"):
        services.appeal_lodge(case=late, champion=program.member, text="x")


def test_a_restricted_member_can_still_appeal(program: Program, report: Report) -> None:
    case = _case(program, report)
    decide(case, program.mod_a, consequence="removal", skip_reason="Doxxing a member.")
    assert not selectors.can_post(program.member)

    appeal = services.appeal_lodge(case=case, champion=program.member, text="Please review.")
    assert appeal.outcome == AppealOutcome.PENDING


def test_serious_categories_escalate_to_the_program_lead_at_once(
    program: Program, committed: Any
) -> None:
    report = services.report_make(
        reporter=program.reporter,
        target=program.member,
        category="harassment",
        description="Insults in DMs.",
        guild=program.guild_a,
    )
    mail.outbox.clear()
    with committed():
        case = services.case_open(reports=[report], by=program.mod_a)

    assert case.escalation_level == EscalationLevel.PROGRAM_LEAD
    assert any(program.lead.email in m.to for m in mail.outbox)
    walk_to_decision(case, program.mod_a)
    with pytest.raises(DomainError, match="program lead decides"):
        services.case_decide(case=case, by=program.mod_a, decision="d", member_message="m")


def test_escalation_to_the_outside_contact_needs_the_lead_and_a_contact(
    program: Program, report: Report, settings: Any, committed: Any
) -> None:
    case = _case(program, report)
    services.case_escalate(case=case, by=program.mod_a, reason="Threats.")
    with pytest.raises(DomainError, match="Only the program lead"):
        services.case_escalate(case=case, by=program.mod_a, reason="More.")
    with pytest.raises(DomainError, match="No outside contact"):
        services.case_escalate(case=case, by=program.lead, reason="More.")

    settings.GOVERNANCE_ESCALATION_CONTACT_NAME = "Olga Ombud"
    settings.GOVERNANCE_ESCALATION_CONTACT_EMAIL = "ombud@outside.example"
    mail.outbox.clear()
    with committed():
        services.case_escalate(case=case, by=program.lead, reason="Legal threat.")
    case.refresh_from_db()
    assert case.escalation_level == EscalationLevel.OUTSIDE
    [outside] = [m for m in mail.outbox if m.to == ["ombud@outside.example"]]
    assert "Ada" not in outside.body and "paid course" not in outside.body
    with pytest.raises(DomainError, match="already"):
        services.case_escalate(case=case, by=program.lead, reason="x")


def test_mediation_is_offered_to_a_party_and_booked_by_them(
    program: Program, report: Report
) -> None:
    case = _case(program, report)
    starts = timezone.now() + timedelta(days=2)
    with pytest.raises(DomainError, match="people in the case"):
        services.mediation_offer(
            case=case,
            by=program.mod_a,
            offered_to=program.bystander,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            place="https://meet.example/x",
        )
    slot = services.mediation_offer(
        case=case,
        by=program.mod_a,
        offered_to=program.member,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        place="https://meet.example/x",
    )
    with pytest.raises(DomainError):
        services.mediation_book(slot=slot, champion=program.reporter)
    services.mediation_book(slot=slot, champion=program.member)
    with pytest.raises(DomainError, match="booked this slot already"):
        services.mediation_book(slot=slot, champion=program.member)


def test_reports_of_different_guilds_or_members_do_not_share_a_case(program: Program) -> None:
    first = services.report_enter(
        entered_by=program.lead, category="spam", description="x", target=program.question
    )
    elsewhere = services.report_enter(
        entered_by=program.lead, category="spam", description="x", guild=program.guild_b
    )
    with pytest.raises(DomainError, match="different guilds"):
        services.case_open(reports=[first, elsewhere], by=program.lead)
