"""What a champion may see of the clinics: questions of guilds visible to them.

Questions of a hidden guild exist only for its active members; anyone else gets 404.
Questions and answers a moderator hid (`programs.governance`) are shown to no champion.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from champions.models import Champion, Guild, GuildVisibility, Membership, MembershipStatus
from programs.clinics.models import Answer, HelpfulMark, Question, QuestionStatus
from programs.clinics.selectors import matches_expertise
from programs.governance.selectors import exclude_hidden, hidden_ids

OPEN_STATUSES = (QuestionStatus.OPEN, QuestionStatus.ANSWERED)
MAX_SEARCH_TERMS = 8


def _active_member(champion: Champion, guild_ref: str) -> Exists:
    return Exists(
        Membership.objects.filter(
            guild=OuterRef(guild_ref), champion=champion, status=MembershipStatus.ACTIVE
        )
    )


def shown_questions() -> QuerySet[Question]:
    return exclude_hidden(Question.objects.all())


def shown_answers() -> QuerySet[Answer]:
    return exclude_hidden(Answer.objects.all())


def _shown_answer_count() -> Count:
    return Count("answers", filter=~Q(answers__in=hidden_ids(Answer)))


def questions_visible_to(*, champion: Champion) -> QuerySet[Question]:
    """Questions with their guild, asker and `answer_count`, newest first."""
    return (
        shown_questions()
        .filter(~Q(guild__visibility=GuildVisibility.HIDDEN) | _active_member(champion, "guild"))
        .annotate(answer_count=_shown_answer_count())
        .select_related("guild", "asker")
        .order_by("-posted_at", "-pk")
    )


def guilds_visible_for_questions(*, champion: Champion) -> QuerySet[Guild]:
    return Guild.objects.filter(
        ~Q(visibility=GuildVisibility.HIDDEN) | _active_member(champion, "pk")
    ).order_by("name")


def guilds_to_ask_in(*, champion: Champion) -> QuerySet[Guild]:
    """Public guilds and those the champion is an active member of (the service's rule)."""
    return Guild.objects.filter(
        Q(visibility=GuildVisibility.PUBLIC) | _active_member(champion, "pk")
    ).order_by("name")


def question_search(questions: QuerySet[Question], text: str) -> QuerySet[Question]:
    """Every word must appear in the title, the body or a tag (any case)."""
    for term in text.split()[:MAX_SEARCH_TERMS]:
        questions = questions.filter(
            Q(title__icontains=term) | Q(body__icontains=term) | Q(tags__icontains=term)
        )
    return questions


def answers_for(*, question: Question, user_id: int | None) -> QuerySet[Answer]:
    """The answers in order, with `helpful_count` and whether this user marked each one."""
    return (
        shown_answers()
        .filter(question=question)
        .select_related("author")
        .annotate(
            helpful_count=Count("helpful_marks"),
            marked_by_me=Exists(HelpfulMark.objects.filter(answer=OuterRef("pk"), user=user_id)),
        )
        .order_by("-accepted_at", "posted_at", "pk")
    )


def solved_questions_to_build_on(*, question: Question, limit: int = 50) -> list[Question]:
    """Earlier solved questions of the same guild, newest first: what a question may build on."""
    return list(
        shown_questions()
        .filter(
            guild_id=question.guild_id,
            status=QuestionStatus.SOLVED,
            posted_at__lt=question.posted_at,
        )
        .exclude(pk=question.pk)
        .only("title", "posted_at")
        .order_by("-posted_at")[:limit]
    )


def open_questions_for_my_expertise(*, champion: Champion, limit: int = 5) -> list[Question]:
    """Unsolved questions of others in the champion's guilds that match their expertise."""
    expertise = [str(skill) for skill in champion.expertise or []]
    if not expertise:
        return []
    candidates = (
        shown_questions()
        .filter(
            status__in=OPEN_STATUSES,
            guild__memberships__champion=champion,
            guild__memberships__status=MembershipStatus.ACTIVE,
        )
        .exclude(asker=champion)
        .select_related("guild")
        .only("title", "tags", "status", "posted_at", "guild__name", "guild__slug")
        .order_by("-posted_at")[:200]
    )
    matching = [q for q in candidates if matches_expertise(expertise, tags=q.tags, title=q.title)]
    return matching[:limit]


def answers_to_my_questions_since(
    *, champion: Champion, since: datetime, limit: int = 5
) -> list[Answer]:
    """Others' answers to the champion's questions posted after `since` (for the digest)."""
    return list(
        shown_answers()
        .filter(question__asker=champion, posted_at__gte=since)
        .exclude(author_user_id=champion.user_id)
        .select_related("question")
        .only("question__title", "posted_at")
        .order_by("-posted_at", "-pk")[:limit]
    )


def guild_recent_questions(*, guild: Guild, limit: int = 5) -> list[Question]:
    return list(
        shown_questions()
        .filter(guild=guild)
        .annotate(answer_count=_shown_answer_count())
        .only("title", "status", "posted_at")
        .order_by("-posted_at", "-pk")[:limit]
    )
