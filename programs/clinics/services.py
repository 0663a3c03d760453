"""Every change to clinic questions and answers goes through these functions.

Status is what a reader of the clinic sees: a question is answered once someone other than
the asker answered it, solved once an answer is accepted. The metrics do not read the status;
they follow METRICS.md from the facts (who answered, when, accepted or marked helpful by whom).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import (
    ActivityKind,
    ActivitySource,
    Champion,
    ChampionState,
    Guild,
    GuildVisibility,
    Membership,
    MembershipStatus,
    User,
)
from champions.roles import Role
from champions.services import activity_record, champion_record_first_value
from programs.clinics.models import Answer, HelpfulMark, Question, QuestionStatus
from programs.governance.selectors import ensure_can_post

MAX_TAGS = 10
MAX_TAG_LENGTH = 40
_TAG_SPACES = re.compile(r"\s+")


def is_moderator(user: User) -> bool:
    """The program team and moderators may act on any question, not only their own."""
    return bool(
        user.is_staff or user.is_superuser or user.groups.filter(name=Role.MODERATOR).exists()
    )


def live_champion_of(user: User) -> Champion | None:
    """The user's current champion record (alumni records are history)."""
    return (
        Champion.objects.filter(user=user)
        .exclude(state__in=(ChampionState.ALUMNI, ChampionState.INVITED))
        .first()
    )


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = _TAG_SPACES.sub(" ", str(tag)).strip().lower()
        if not tag or tag in cleaned:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise DomainError(f"A tag is at most {MAX_TAG_LENGTH} characters.", field="tags")
        cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise DomainError(f"A question has at most {MAX_TAGS} tags.", field="tags")
    return cleaned


def _check_may_ask(asker: Champion, guild: Guild) -> None:
    if asker.state in (ChampionState.INVITED, ChampionState.ALUMNI):
        raise DomainError(
            f"{asker.full_name} is {asker.get_state_display().lower()} and cannot ask questions.",
            field="asker",
        )
    if guild.visibility == GuildVisibility.PUBLIC:
        return
    member = Membership.objects.filter(
        guild=guild, champion=asker, status=MembershipStatus.ACTIVE
    ).exists()
    if not member:
        raise DomainError(f"Only members of {guild.name} can ask there.", field="guild")


def _check_builds_on(question: Question | None, builds_on: Question) -> None:
    if builds_on.status != QuestionStatus.SOLVED:
        raise DomainError(
            f"“{builds_on.title}” is not solved yet; a question can only build on a solved one.",
            field="builds_on",
        )
    if question is not None and (
        builds_on.pk == question.pk or builds_on.posted_at >= question.posted_at
    ):
        # Only earlier questions: this also keeps the builds-on chains free of cycles.
        raise DomainError("A question can only build on an earlier question.", field="builds_on")


@transaction.atomic
def question_ask(
    *,
    asker: Champion,
    guild: Guild,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    builds_on: Question | None = None,
    source: str = ActivitySource.PORTAL,
) -> Question:
    """A champion asks a guild's clinic; members whose expertise matches are told."""
    ensure_can_post(champion=asker)  # code of conduct accepted, not restricted (governance)
    _check_may_ask(asker, guild)
    if not title.strip():
        raise DomainError("A question needs a title.", field="title")
    if not body.strip():
        raise DomainError("Describe the question in a few sentences.", field="body")
    if builds_on is not None:
        _check_builds_on(None, builds_on)
    question = Question.objects.create(
        guild=guild,
        asker=asker,
        title=title.strip(),
        body=body,
        tags=_clean_tags(tags),
        builds_on=builds_on,
        posted_at=timezone.now(),
    )
    activity_record(
        kind=ActivityKind.ASKED_QUESTION,
        source=source,
        champion=asker,
        occurred_at=question.posted_at,
        guild=guild,
        subject=question,
        idempotency_key=f"question:{question.pk}:asked",
    )
    from programs.clinics.tasks import notify_question_experts

    transaction.on_commit(lambda: notify_question_experts.delay(question_id=question.pk))
    return question


@transaction.atomic
def answer_post(
    *, question: Question, author_user: User, body: str, source: str = ActivitySource.PORTAL
) -> Answer:
    """Answer a question, as a champion or as the program team (a staff answer).

    A self-answer is kept and counts as an answer activity, but does not mark the question
    answered: it does not answer one's own question (METRICS.md).
    """
    ensure_can_post(user=author_user)  # code of conduct accepted, not restricted (governance)
    if not body.strip():
        raise DomainError("An answer cannot be empty.", field="body")
    question = Question.objects.select_for_update().get(pk=question.pk)
    is_staff = author_user.is_staff
    author = None if is_staff else live_champion_of(author_user)
    if not is_staff and author is None:
        raise DomainError(
            "Only champions and the program team can answer questions.", field="author_user"
        )
    answer = Answer.objects.create(
        question=question,
        author=author,
        author_user=author_user,
        body=body,
        is_staff_answer=is_staff,
        posted_at=timezone.now(),
    )
    if author is not None:
        activity_record(
            kind=ActivityKind.ANSWERED_QUESTION,
            source=source,
            champion=author,
            occurred_at=answer.posted_at,
            guild=question.guild,
            subject=answer,
            idempotency_key=f"answer:{answer.pk}:answered",
            metadata={"question_id": question.pk, "self_answer": author.pk == question.asker_id},
        )
    if question.status == QuestionStatus.OPEN and (author is None or author != question.asker):
        question.status = QuestionStatus.ANSWERED
        question.save(update_fields=["status", "updated_at"])
    if author is None or author != question.asker:
        answer_notify_asker(answer=answer)
    return answer


def _gives_value_to_asker(answer: Answer, by_user: User) -> bool:
    """Whether accepting or marking this answer helpful is the asker's value moment."""
    author = answer.author
    return (
        author is not None
        and not answer.is_staff_answer
        and author.pk != answer.question.asker_id
        and not answer.author_user.is_staff
        and by_user.pk != answer.author_user_id
    )


def _record_value(answer: Answer, by_user: User) -> None:
    if _gives_value_to_asker(answer, by_user):
        champion_record_first_value(champion=answer.question.asker, at=answer.posted_at)


@transaction.atomic
def answer_mark_helpful(*, answer: Answer, user: User) -> HelpfulMark:
    """Someone found an answer helpful; marking it again changes nothing."""
    answer = Answer.objects.select_related("question__asker", "author_user").get(pk=answer.pk)
    author_champion_user = answer.author.user_id if answer.author is not None else None
    if user.pk in (answer.author_user_id, author_champion_user):
        raise DomainError("You cannot mark your own answer as helpful.", field="user")
    existing = HelpfulMark.objects.filter(answer=answer, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            mark = HelpfulMark.objects.create(answer=answer, user=user)
    except IntegrityError:
        return HelpfulMark.objects.get(answer=answer, user=user)
    _record_value(answer, user)
    return mark


@transaction.atomic
def answer_accept(*, answer: Answer, user: User, source: str = ActivitySource.PORTAL) -> Answer:
    """The asker (or a moderator) accepts an answer; the question is solved.

    A moderator accepting on the asker's behalf is a moderator action and recorded as one.
    """
    answer = Answer.objects.select_related("question__asker", "author_user").get(pk=answer.pk)
    question = Question.objects.select_for_update().get(pk=answer.question_id)
    is_asker = question.asker.user_id is not None and question.asker.user_id == user.pk
    if not is_asker and not is_moderator(user):
        raise DomainError(
            "Only the person who asked, or a moderator, can accept an answer.", field="user"
        )
    if answer.accepted_at is not None:
        return answer
    now = timezone.now()
    answer.accepted_at = now
    answer.accepted_by = user
    answer.save(update_fields=["accepted_at", "accepted_by"])
    if question.status != QuestionStatus.SOLVED:
        question.status = QuestionStatus.SOLVED
        question.solved_at = now
        question.save(update_fields=["status", "solved_at", "updated_at"])
    if not is_asker:
        activity_record(
            kind=ActivityKind.MODERATED,
            source=source,
            champion=live_champion_of(user),
            actor=user,
            occurred_at=now,
            guild=question.guild,
            subject=answer,
            idempotency_key=f"answer:{answer.pk}:accepted",
            metadata={"action": "accepted_answer", "question_id": question.pk},
        )
    _record_value(answer, user)
    return answer


@transaction.atomic
def question_link_builds_on(*, question: Question, builds_on: Question, user: User) -> Question:
    """Note that a question continues an earlier solved one (its asker or a moderator)."""
    question = (
        Question.objects.select_for_update(of=("self",)).select_related("asker").get(pk=question.pk)
    )
    if question.asker.user_id != user.pk and not is_moderator(user):
        raise DomainError(
            "Only the person who asked, or a moderator, can link the question.", field="user"
        )
    _check_builds_on(question, builds_on)
    question.builds_on = builds_on
    question.save(update_fields=["builds_on", "updated_at"])
    return question


def answer_notify_asker(*, answer: Answer) -> None:
    """Queue the "your question was answered" email for after the commit; the task asks the
    asker's notification preferences when it runs."""
    from programs.clinics.tasks import notify_question_answered

    answer_id = answer.pk
    transaction.on_commit(lambda: notify_question_answered.delay(answer_id=answer_id))
