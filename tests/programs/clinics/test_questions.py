"""Asking, answering, accepting and marking helpful; the activities and value moments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from champions.errors import DomainError
from champions.models import (
    Activity,
    ActivityKind,
    ActivityLevel,
    ActivitySource,
    GuildVisibility,
)
from champions.roles import Role
from programs.clinics import services
from programs.clinics.models import QuestionStatus
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory, StaffFactory
from tests.programs.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def _ask(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "asker": ChampionFactory(),
        "guild": GuildFactory(),
        "title": "How do I schedule the month-end export?",
        "body": "We do it by hand.",
        "tags": ["Reporting", " exports ", "reporting"],
    }
    values.update(overrides)
    return services.question_ask(**values)


def test_asking_records_the_question_and_its_activity() -> None:
    question = _ask(source=ActivitySource.PORTAL)

    assert question.status == QuestionStatus.OPEN
    assert question.tags == ["reporting", "exports"]
    activity = Activity.objects.get(kind=ActivityKind.ASKED_QUESTION)
    assert (activity.champion, activity.level, activity.occurred_at, activity.guild) == (
        question.asker,
        ActivityLevel.PARTICIPANT,
        question.posted_at,
        question.guild,
    )


@pytest.mark.parametrize(("field", "value"), [("title", "  "), ("body", "")])
def test_a_question_needs_a_title_and_a_body(field: str, value: str) -> None:
    with pytest.raises(DomainError) as error:
        _ask(**{field: value})
    assert error.value.field == field


def test_only_members_ask_in_a_private_guild() -> None:
    guild = GuildFactory(visibility=GuildVisibility.PRIVATE)

    with pytest.raises(DomainError, match="Only members") as error:
        _ask(guild=guild)

    assert error.value.field == "guild"
    member = MembershipFactory(guild=guild).champion
    assert _ask(guild=guild, asker=member).pk


def test_a_question_builds_only_on_a_solved_one() -> None:
    open_question = QuestionFactory()
    solved = QuestionFactory(status=QuestionStatus.SOLVED)

    with pytest.raises(DomainError) as error:
        _ask(builds_on=open_question)
    assert error.value.field == "builds_on"
    assert _ask(builds_on=solved).builds_on == solved


def test_linking_an_existing_question_to_an_earlier_solved_one() -> None:
    earlier = QuestionFactory(
        status=QuestionStatus.SOLVED, posted_at=timezone.now() - timedelta(days=3)
    )
    question = QuestionFactory()

    services.question_link_builds_on(question=question, builds_on=earlier, user=question.asker.user)

    question.refresh_from_db()
    assert question.builds_on == earlier
    question.status = QuestionStatus.SOLVED
    question.save()
    with pytest.raises(DomainError, match="earlier"):
        services.question_link_builds_on(question=earlier, builds_on=question, user=StaffFactory())
    with pytest.raises(DomainError, match="moderator"):
        services.question_link_builds_on(
            question=question, builds_on=earlier, user=ChampionFactory().user
        )


def test_answering_records_a_contributor_activity_and_marks_the_question_answered() -> None:
    question = QuestionFactory()
    peer = ChampionFactory()

    answer = services.answer_post(question=question, author_user=peer.user, body="Schedule it.")

    assert answer.author == peer
    assert answer.is_staff_answer is False
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    activity = Activity.objects.get(kind=ActivityKind.ANSWERED_QUESTION)
    assert (activity.champion, activity.level, activity.occurred_at, activity.guild) == (
        peer,
        ActivityLevel.CONTRIBUTOR,
        answer.posted_at,
        question.guild,
    )


def test_a_self_answer_is_recorded_but_does_not_answer_the_question() -> None:
    question = QuestionFactory()

    services.answer_post(question=question, author_user=question.asker.user, body="Found it.")

    question.refresh_from_db()
    assert question.status == QuestionStatus.OPEN
    activity = Activity.objects.get(kind=ActivityKind.ANSWERED_QUESTION)
    assert activity.champion == question.asker
    assert activity.metadata["self_answer"] is True


def test_a_staff_answer_has_no_champion_and_no_activity() -> None:
    question = QuestionFactory()
    staff = StaffFactory()
    ChampionFactory(user=staff, email=staff.email)  # staff with a champion record stay staff

    answer = services.answer_post(question=question, author_user=staff, body="See the guide.")

    assert (answer.author, answer.is_staff_answer) == (None, True)
    assert not Activity.objects.filter(kind=ActivityKind.ANSWERED_QUESTION).exists()


def test_users_who_are_neither_champions_nor_staff_cannot_answer() -> None:
    from tests.factories import UserFactory

    with pytest.raises(DomainError) as error:
        services.answer_post(question=QuestionFactory(), author_user=UserFactory(), body="Hi")
    assert error.value.field == "author_user"


def test_the_asker_accepts_an_answer_and_the_question_is_solved() -> None:
    answer = AnswerFactory()
    asker = answer.question.asker

    services.answer_accept(answer=answer, user=asker.user)

    answer.refresh_from_db()
    answer.question.refresh_from_db()
    assert answer.accepted_by == asker.user
    assert answer.question.status == QuestionStatus.SOLVED
    asker.refresh_from_db()
    assert asker.first_value_at == answer.posted_at
    assert not Activity.objects.filter(kind=ActivityKind.MODERATED).exists()


def test_accepting_an_answer_to_someone_elses_question_is_refused() -> None:
    answer = AnswerFactory()
    bystander = ChampionFactory()

    with pytest.raises(DomainError, match="Only the person who asked") as error:
        services.answer_accept(answer=answer, user=bystander.user)

    assert error.value.field == "user"
    answer.refresh_from_db()
    assert answer.accepted_at is None


def test_a_moderator_may_accept_and_that_is_a_moderator_action() -> None:
    answer = AnswerFactory()
    moderator = ChampionFactory()
    moderator.user.groups.add(Group.objects.get_or_create(name=Role.MODERATOR)[0])

    services.answer_accept(answer=answer, user=moderator.user, source=ActivitySource.ADMIN)

    activity = Activity.objects.get(kind=ActivityKind.MODERATED)
    assert (activity.actor, activity.champion, activity.level) == (
        moderator.user,
        moderator,
        ActivityLevel.LEADER,
    )
    answer.question.asker.refresh_from_db()
    assert answer.question.asker.first_value_at == answer.posted_at


def test_marking_a_peer_answer_helpful_is_the_askers_first_value_moment() -> None:
    question = QuestionFactory()
    answer = AnswerFactory(question=question, posted_at=timezone.now() - timedelta(hours=3))

    mark = services.answer_mark_helpful(answer=answer, user=ChampionFactory().user)
    again = services.answer_mark_helpful(answer=answer, user=mark.user)

    assert again.pk == mark.pk
    question.asker.refresh_from_db()
    assert question.asker.first_value_at == answer.posted_at


def test_the_author_cannot_mark_their_own_answer_helpful() -> None:
    answer = AnswerFactory()

    with pytest.raises(DomainError, match="your own answer") as error:
        services.answer_mark_helpful(answer=answer, user=answer.author_user)

    assert error.value.field == "user"
    assert not answer.helpful_marks.exists()


def test_a_self_answer_accepted_or_marked_helpful_is_no_first_value() -> None:
    question = QuestionFactory()
    self_answer = services.answer_post(
        question=question, author_user=question.asker.user, body="Solved it myself."
    )

    services.answer_mark_helpful(answer=self_answer, user=ChampionFactory().user)
    services.answer_accept(answer=self_answer, user=question.asker.user)

    question.asker.refresh_from_db()
    assert question.asker.first_value_at is None


def test_a_staff_answer_is_no_first_value() -> None:
    question = QuestionFactory()
    staff_answer = services.answer_post(question=question, author_user=StaffFactory(), body="x")

    services.answer_accept(answer=staff_answer, user=question.asker.user)

    question.asker.refresh_from_db()
    assert question.asker.first_value_at is None


def test_guild_experts_are_emailed_about_a_matching_question(
    django_capture_on_commit_callbacks: Any,
) -> None:
    guild = GuildFactory()
    by_tag = MembershipFactory(guild=guild, champion__expertise=["Exports"]).champion
    by_title = MembershipFactory(guild=guild, champion__expertise=["month-end"]).champion
    MembershipFactory(guild=guild, champion__expertise=["Salesforce"])
    MembershipFactory(guild=guild, champion__expertise=["port"])  # not a whole word
    elsewhere = ChampionFactory(expertise=["exports"])  # not in the guild
    asker = MembershipFactory(guild=guild, champion__expertise=["exports"]).champion

    with django_capture_on_commit_callbacks(execute=True):
        _ask(guild=guild, asker=asker, title="Scheduling the month-end <export>")

    assert sorted(m.to[0] for m in mail.outbox) == sorted([by_tag.email, by_title.email])
    assert elsewhere.email not in {m.to[0] for m in mail.outbox}
    html = mail.outbox[0].alternatives[0][0]
    assert "&lt;export&gt;" in html
