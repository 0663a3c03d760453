"""Guild moderators, their absences, and handing cases over to the deputy."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import ActivitySource, Guild, User
from champions.roles import Role
from programs.governance.models import (
    ActionKind,
    GuildModerator,
    ModerationCase,
    ModeratorAvailability,
)
from programs.governance.selectors import available_moderators, is_away, is_program_lead
from programs.governance.selectors.access import OPEN_CASE_STATUSES
from programs.governance.services.audit import queue_email, record_action


@transaction.atomic
def guild_moderator_appoint(*, guild: Guild, user: User, by: User) -> GuildModerator:
    """Appoint a moderator to a guild (and into the Moderator group, for the admin's pages)."""
    if not is_program_lead(by):
        raise DomainError("Only the program lead appoints moderators.", field="user")
    if not user.is_active:
        raise DomainError(f"{user} cannot sign in and cannot moderate.", field="user")
    existing = GuildModerator.objects.filter(guild=guild, user=user, ended_at__isnull=True).first()
    if existing is not None:
        return existing
    group, _ = Group.objects.get_or_create(name=Role.MODERATOR)
    user.groups.add(group)
    return GuildModerator.objects.create(guild=guild, user=user, appointed_by=by)


@transaction.atomic
def guild_moderator_end(*, appointment: GuildModerator, by: User) -> GuildModerator:
    if not is_program_lead(by):
        raise DomainError("Only the program lead ends an appointment.", field="user")
    if appointment.ended_at is None:
        appointment.ended_at = timezone.now()
        appointment.save(update_fields=["ended_at"])
    return appointment


@transaction.atomic
def moderator_absence_add(
    *, user: User, starts_on: date, ends_on: date, note: str = "", today: date | None = None
) -> ModeratorAvailability:
    """Record an absence; if it has begun, the moderator's open cases pass to their deputies."""
    if ends_on < starts_on:
        raise DomainError("The absence ends before it starts.", field="ends_on")
    absence = ModeratorAvailability.objects.create(
        user=user, starts_on=starts_on, ends_on=ends_on, note=note.strip()
    )
    today = today or timezone.localdate()
    if starts_on <= today <= ends_on:
        cases_hand_over_absent(on=today)
    return absence


def successor_for(case: ModerationCase, *, on: date) -> User | None:
    """Who takes the case over: the deputy if present, else the guild's least busy moderator,
    else a program lead."""
    if case.deputy is not None and case.deputy.is_active and not is_away(user=case.deputy, on=on):
        return case.deputy
    excluding = {pk for pk in (case.moderator_id,) if pk is not None}
    if case.member is not None and case.member.user_id is not None:
        excluding.add(case.member.user_id)
    candidates = available_moderators(guild=case.guild, on=on, excluding=excluding)
    if not candidates and case.guild is not None:  # the program lead backs every guild up
        candidates = available_moderators(guild=None, on=on, excluding=excluding)
    return candidates[0] if candidates else None


@transaction.atomic
def case_hand_over(
    *,
    case: ModerationCase,
    to: User | None = None,
    by: User | None = None,
    reason: str,
    at: datetime | None = None,
) -> ModerationCase:
    """Pass the case to `to` (default: the deputy, else an available guild moderator).

    The moderator handing over becomes the deputy, so the case keeps two people who know it.
    Without `by` it is the automatic hand-over of an absent moderator (not a moderator action).
    """
    at = at or timezone.now()
    case = (
        ModerationCase.objects.select_for_update(of=("self",))
        .select_related("deputy", "member")
        .get(pk=case.pk)
    )
    if case.status not in OPEN_CASE_STATUSES:
        raise DomainError("A closed case is not handed over.", field="case")
    to = to or successor_for(case, on=timezone.localdate(at))
    if to is None:
        raise DomainError("Nobody is available to take the case over.", field="to")
    if to.pk == case.moderator_id:
        raise DomainError(f"{to} moderates this case already.", field="to")
    previous = case.moderator
    case.moderator, case.deputy = to, previous
    case.save(update_fields=["moderator", "deputy"])
    record_action(
        kind=ActionKind.HANDED_OVER,
        actor=by,
        at=at,
        case=case,
        note=reason,
        detail={"from": previous.pk if previous else None, "to": to.pk},
        source=ActivitySource.ADMIN if by else ActivitySource.SYSTEM,
    )
    queue_email("case_assigned", case.pk)
    return case


def cases_hand_over_absent(*, on: date | None = None) -> int:
    """Beat task: open cases whose moderator is away today pass to their deputies.

    Returns how many were handed over; a case nobody can take stays (and stays in the queue).
    """
    on = on or timezone.localdate()
    away = ModeratorAvailability.objects.filter(starts_on__lte=on, ends_on__gte=on).values(
        "user_id"
    )
    cases = ModerationCase.objects.filter(status__in=OPEN_CASE_STATUSES, moderator__in=away)
    moved = 0
    for case in cases:
        try:
            case_hand_over(case=case, reason=f"The moderator is away on {on:%d %b %Y}.")
        except DomainError:
            continue
        moved += 1
    return moved
