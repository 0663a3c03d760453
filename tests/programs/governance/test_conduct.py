"""The code of conduct: versions, acceptance, and `can_post` guarding clinics and library."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from champions.errors import DomainError
from programs.clinics import services as clinics
from programs.governance import selectors, services
from programs.governance.models import CodeOfConduct
from programs.library import services as library
from tests.programs.factories import TemplateFactory
from tests.programs.governance.conftest import Program

pytestmark = pytest.mark.django_db


def test_without_a_published_code_everyone_may_post(program: Program) -> None:
    services.code_of_conduct_draft(version="1", body="Be kind.", by=program.lead)  # a draft only

    assert selectors.can_post(program.member)
    assert selectors.has_accepted_current_code(program.member)


def test_can_post_only_after_accepting_the_current_version(
    program: Program, code_v1: CodeOfConduct
) -> None:
    assert not selectors.can_post(program.member)

    services.code_of_conduct_accept(champion=program.member, code=code_v1)
    assert selectors.can_post(program.member)

    v2 = services.code_of_conduct_draft(version="2", body="Be kind. Cite sources.", by=program.lead)
    assert selectors.can_post(program.member)  # a draft changes nothing
    services.code_of_conduct_publish(code=v2, by=program.lead)
    assert not selectors.can_post(program.member)
    assert "version 2" in (selectors.posting_refusal(champion=program.member) or "")

    services.code_of_conduct_accept(champion=program.member, code=v2)
    assert selectors.can_post(program.member)


def test_accepting_an_old_version_is_refused_and_accepting_twice_is_one_record(
    program: Program, code_v1: CodeOfConduct
) -> None:
    v2 = services.code_of_conduct_draft(version="2", body="New.", by=program.lead)
    services.code_of_conduct_publish(code=v2, by=program.lead)

    with pytest.raises(DomainError, match="newer version"):
        services.code_of_conduct_accept(champion=program.member, code=code_v1)
    first = services.code_of_conduct_accept(champion=program.member, code=v2)
    assert services.code_of_conduct_accept(champion=program.member, code=v2) == first


def test_only_the_program_lead_writes_and_publishes(program: Program) -> None:
    with pytest.raises(DomainError, match="program lead"):
        services.code_of_conduct_draft(version="1", body="x", by=program.mod_a)
    code = services.code_of_conduct_draft(version="1", body="x", by=program.lead)
    with pytest.raises(DomainError, match="program lead"):
        services.code_of_conduct_publish(code=code, by=program.mod_a)


def test_clinics_and_library_refuse_posting_until_the_code_is_accepted(
    program: Program, code_v1: CodeOfConduct
) -> None:
    with pytest.raises(DomainError, match="code of conduct"):
        clinics.question_ask(asker=program.member, guild=program.guild_a, title="Q", body="Why?")
    with pytest.raises(DomainError, match="code of conduct"):
        clinics.answer_post(question=program.question, author_user=program.member.user, body="A")
    template = TemplateFactory(author=program.member, published_at=None)
    with pytest.raises(DomainError, match="code of conduct"):
        library.template_publish(template=template, by_user=program.member.user)

    services.code_of_conduct_accept(champion=program.member, code=code_v1)
    clinics.question_ask(asker=program.member, guild=program.guild_a, title="Q", body="Why?")
    clinics.answer_post(question=program.question, author_user=program.member.user, body="A")
    library.template_publish(template=template, by_user=program.member.user)


def test_staff_post_whatever_the_code(program: Program, code_v1: CodeOfConduct) -> None:
    clinics.answer_post(question=program.question, author_user=program.lead, body="Staff answer")


def test_acceptance_counts_for_the_person_after_a_company_move(
    program: Program, code_v1: CodeOfConduct
) -> None:
    services.code_of_conduct_accept(champion=program.member, code=code_v1)
    from champions.services import champion_move_account
    from tests.factories import AccountFactory

    moved = champion_move_account(champion=program.member, account=AccountFactory())
    assert selectors.can_post(moved)


def test_published_in_the_future_is_not_current_yet(program: Program) -> None:
    code = services.code_of_conduct_draft(version="9", body="Later.", by=program.lead)
    services.code_of_conduct_publish(
        code=code, by=program.lead, at=timezone.now() + timedelta(days=1)
    )
    assert selectors.code_current() is None
    assert selectors.can_post(program.member)
