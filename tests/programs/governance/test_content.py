"""Hidden content (for the content apps to honour), reports joining a case, an appeal on a
closed case, and appointing moderators."""

from __future__ import annotations

import pytest
from django.utils import timezone

from champions.errors import DomainError
from champions.roles import Role
from programs.clinics.models import Question
from programs.governance import selectors, services
from programs.governance.models import CaseStatus, GuildModerator, Report, ReportStatus
from tests.programs.factories import AnswerFactory, QuestionFactory
from tests.programs.governance.conftest import Program, decide

pytestmark = pytest.mark.django_db


def test_hidden_content_is_left_out_until_restored(program: Program) -> None:
    other = QuestionFactory(guild=program.guild_a)
    questions = Question.objects.filter(guild=program.guild_a)
    hidden = services.content_hide(target=program.question, by=program.mod_a, reason="Ad.")

    assert selectors.is_hidden(program.question) and not selectors.is_hidden(other)
    assert list(selectors.exclude_hidden(questions)) == [other]
    with pytest.raises(DomainError, match="hidden already"):
        services.content_hide(target=program.question, by=program.mod_a, reason="Again.")
    with pytest.raises(DomainError, match="moderators of this guild"):
        services.content_restore(hidden=hidden, by=program.mod_b, reason="No.")

    services.content_restore(hidden=hidden, by=program.mod_a, reason="Edited by the author.")
    assert not selectors.is_hidden(program.question)
    assert set(selectors.exclude_hidden(questions)) == {program.question, other}
    again = services.content_hide(target=program.question, by=program.mod_a, reason="Ad again.")
    assert again.pk != hidden.pk


def test_answers_can_be_hidden_and_members_cannot(program: Program) -> None:
    answer = AnswerFactory(question=program.question, author=program.member)
    services.content_hide(target=answer, by=program.mod_a, reason="Rude.")
    assert selectors.is_hidden(answer)
    with pytest.raises(DomainError, match="not content"):
        services.content_hide(target=program.member, by=program.mod_a, reason="x")


def test_another_report_joins_an_open_case(program: Program, report: Report) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    second = services.report_make(
        reporter=program.bystander, target=program.question, category="spam", description="Same ad."
    )
    services.report_attach(report=second, case=case, by=program.mod_a)
    second.refresh_from_db()
    assert second.case == case and second.status == ReportStatus.IN_CASE
    assert second.first_action_at is not None
    elsewhere = services.report_enter(
        entered_by=program.lead, category="spam", description="x", guild=program.guild_b
    )
    with pytest.raises(DomainError):
        services.report_attach(report=elsewhere, case=case, by=program.mod_a)


def test_an_appeal_on_a_closed_case_returns_it_to_closed(program: Program, report: Report) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    decide(case, program.mod_a)
    services.case_plan_follow_up(case=case, by=program.mod_a, on=timezone.localdate(), note="x")
    services.case_close(case=case, by=program.mod_a)
    appeal = services.appeal_lodge(case=case, champion=program.member, text="Please look again.")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPEALED
    services.appeal_decide(appeal=appeal, by=program.deputy_a, outcome="upheld", note="Stays.")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.consequence.lifted_at is None


def test_appointing_a_moderator_puts_them_in_the_moderator_group(program: Program) -> None:
    user = program.bystander.user
    with pytest.raises(DomainError, match="program lead"):
        services.guild_moderator_appoint(guild=program.guild_b, user=user, by=program.mod_a)
    appointment = services.guild_moderator_appoint(
        guild=program.guild_b, user=user, by=program.lead
    )
    assert user.groups.filter(name=Role.MODERATOR).exists()
    assert (
        services.guild_moderator_appoint(guild=program.guild_b, user=user, by=program.lead)
        == appointment
    )
    services.guild_moderator_end(appointment=appointment, by=program.lead)
    assert not GuildModerator.objects.filter(user=user, ended_at__isnull=True).exists()
