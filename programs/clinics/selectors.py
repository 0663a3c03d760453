"""Reads of clinic questions and answers that more than one door needs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.safestring import SafeString

from champions.markdown import render_markdown
from champions.models import Champion, ChampionState, MembershipStatus
from programs.clinics.models import Answer, Question


def peer_answers(question: Question) -> QuerySet[Answer]:
    """Answers that answer the question in the sense of METRICS.md.

    By a champion who is not the asker and not staff (by their user, even with a champion
    record).
    """
    return (
        Answer.objects.filter(question=question, author__isnull=False, is_staff_answer=False)
        .exclude(author_id=question.asker_id)
        .exclude(author_user__is_staff=True)
        .order_by("posted_at", "id")
    )


def time_to_first_answer(question: Question, *, before: datetime | None = None) -> timedelta | None:
    """Elapsed time from posting to the first peer answer, or None if there is none.

    `before` limits the answers to those posted before a window's end, so a past window
    computed later gives the same value.
    """
    answers = peer_answers(question)
    if before is not None:
        answers = answers.filter(posted_at__lt=before)
    first = answers.values_list("posted_at", flat=True).first()
    return None if first is None else first - question.posted_at


def questions_without_peer_answer(*, posted_before: datetime) -> QuerySet[Question]:
    """Questions posted before a moment that no peer has answered yet (for clinic rotas)."""
    peer_answer = (
        Answer.objects.filter(question=OuterRef("pk"), author__isnull=False, is_staff_answer=False)
        .exclude(author_id=OuterRef("asker_id"))
        .exclude(author_user__is_staff=True)
    )
    return Question.objects.filter(posted_at__lt=posted_before).filter(~Exists(peer_answer))


def questions_with_counts() -> QuerySet[Question]:
    return Question.objects.annotate(answer_count=Count("answers"))


def _mentions(term: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) is not None


def matches_expertise(expertise: list[str], *, tags: list[str], title: str) -> bool:
    """Whether any skill equals a tag or appears as whole words in the title (any case)."""
    title = title.lower()
    tag_set = {tag.lower() for tag in tags}
    for skill in expertise:
        term = str(skill).strip().lower()
        if term and (term in tag_set or _mentions(term, title)):
            return True
    return False


def question_experts(question: Question) -> list[Champion]:
    """Active guild members, other than the asker, whose expertise matches the question."""
    members = (
        Champion.objects.filter(
            memberships__guild_id=question.guild_id,
            memberships__status=MembershipStatus.ACTIVE,
            state__in=(ChampionState.ONBOARDING, ChampionState.ACTIVE, ChampionState.DORMANT),
            erased_at__isnull=True,
        )
        .exclude(pk=question.asker_id)
        .exclude(expertise=[])
        .exclude(Q(user__is_staff=True))
        .order_by("pk")
    )
    return [
        champion
        for champion in members
        if matches_expertise(champion.expertise or [], tags=question.tags, title=question.title)
    ]


def question_body_html(question: Question) -> SafeString:
    return render_markdown(question.body)


def answer_body_html(answer: Answer) -> SafeString:
    return render_markdown(answer.body)
