"""The code of conduct, and whether a champion may post (`can_post`).

Clinics and library call `ensure_can_post` at the top of the services that publish a
champion's words (`question_ask`, `answer_post`, `template_publish`): a champion who has not
accepted the current code, or who is restricted, can read but not post.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import dateformat, timezone

from champions.errors import DomainError
from champions.models import Champion, ChampionState, User
from champions.selectors import champion_live_for_user
from programs.governance.models import (
    RESTRICTING,
    CodeOfConduct,
    CodeOfConductAcceptance,
    Consequence,
    ConsequenceKind,
)


def code_current(*, at: datetime | None = None) -> CodeOfConduct | None:
    """The newest published version; None while none is published."""
    return (
        CodeOfConduct.objects.filter(published_at__lte=at or timezone.now())
        .order_by("-published_at", "-pk")
        .first()
    )


def _same_person(champion: Champion, prefix: str = "") -> Q:
    """This champion record, or any record of the same user (a champion who changed company)."""
    same = Q(**{f"{prefix}champion": champion})
    if champion.user_id is not None:
        same |= Q(**{f"{prefix}champion__user_id": champion.user_id})
    return same


def code_pending(*, champion: Champion, at: datetime | None = None) -> QuerySet[CodeOfConduct]:
    """The current version if the champion has not accepted it (empty otherwise); one query."""
    current = (
        CodeOfConduct.objects.filter(published_at__lte=at or timezone.now())
        .order_by("-published_at", "-pk")
        .values("pk")[:1]
    )
    accepted = CodeOfConductAcceptance.objects.filter(_same_person(champion), code=OuterRef("pk"))
    return CodeOfConduct.objects.filter(pk=Subquery(current)).exclude(Exists(accepted))


def code_with_acceptance(
    *, champion: Champion, at: datetime | None = None
) -> tuple[CodeOfConduct | None, bool]:
    """The current version and whether the champion accepted it, in one query."""
    accepted = CodeOfConductAcceptance.objects.filter(_same_person(champion), code=OuterRef("pk"))
    code = (
        CodeOfConduct.objects.filter(published_at__lte=at or timezone.now())
        .annotate(accepted=Exists(accepted))
        .order_by("-published_at", "-pk")
        .first()
    )
    return code, bool(code is None or getattr(code, "accepted", False))


def has_accepted_current_code(champion: Champion) -> bool:
    """True once the current version is accepted, or while no version is published."""
    return not code_pending(champion=champion).exists()


def restricting_q(at: datetime) -> Q:
    running = Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    return Q(kind__in=RESTRICTING, lifted_at__isnull=True, starts_at__lte=at) & running


def active_restriction(*, champion: Champion, at: datetime | None = None) -> Consequence | None:
    """The restriction or removal in force for the person now; a past or lifted one is not."""
    member = Q(member=champion)
    if champion.user_id is not None:
        member |= Q(member__user_id=champion.user_id)
    restrictions = list(Consequence.objects.filter(member, restricting_q(at or timezone.now())))
    # A removal outranks a restriction; of two restrictions, the one ending last counts.
    removals = [r for r in restrictions if r.kind == ConsequenceKind.REMOVAL]
    if removals:
        return removals[0]
    return max(restrictions, key=lambda r: r.ends_at or r.starts_at, default=None)


def posting_refusal(*, champion: Champion, at: datetime | None = None) -> str | None:
    """Why the champion may not post now, in words for them; None if they may."""
    if champion.erased_at is not None or champion.state in (
        ChampionState.INVITED,
        ChampionState.ALUMNI,
    ):
        return "Only current champions can post."
    restriction = active_restriction(champion=champion, at=at)
    if restriction is not None:
        if restriction.kind == ConsequenceKind.REMOVAL:
            return "You were removed from posting in the program after a moderation decision."
        assert restriction.ends_at is not None
        until = dateformat.format(timezone.localtime(restriction.ends_at), "j F Y, H:i")
        return f"You are restricted from posting until {until} after a moderation decision."
    pending = code_pending(champion=champion, at=at).first()
    if pending is not None:
        return (
            f"Please read and accept the code of conduct (version {pending.version}) before "
            "posting. You can still read everything."
        )
    return None


def can_post(champion: Champion) -> bool:
    """May this champion post questions, answers and templates now?"""
    return posting_refusal(champion=champion) is None


def ensure_can_post(*, champion: Champion | None = None, user: User | None = None) -> None:
    """Raise `DomainError` if the champion (or the user's live champion record) may not post.

    The program team posts as staff and is never held back; a user without a live champion
    record is left to the calling service's own checks.
    """
    if champion is None and user is not None and not user.is_staff:
        champion = champion_live_for_user(user=user)
    if champion is None:
        return
    refusal = posting_refusal(champion=champion)
    if refusal is not None:
        raise DomainError(refusal, field="champion", code="may_not_post")
