"""Who moderates what, and what each user may see.

- The **program lead** (a superuser or a member of the Program manager group) sees every
  report and case.
- A **moderator** sees the reports and cases of the guilds they are appointed to
  (`GuildModerator`), and the cases assigned to them (as moderator, deputy or appeal reviewer).
  Reports and cases without a guild are the program lead's.
- Nobody sees a report or case about themselves in the admin.
Seeing a report includes seeing its reporter: the reporter is shown to the moderators of the
case and to no one else (the member-facing pages and emails never name them).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet

from champions.models import Guild, User
from champions.roles import Role
from programs.governance.models import (
    CaseStatus,
    GuildModerator,
    ModerationCase,
    ModeratorAvailability,
    Report,
)

OPEN_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.DECIDED, CaseStatus.APPEALED)


def is_program_lead(user: User) -> bool:
    """A superuser or a program manager; remembered on the user object for the request, as
    Django remembers permissions (`_perm_cache`)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached: bool | None = getattr(user, "_governance_lead", None)
    if cached is None:
        cached = user.groups.filter(name=Role.PROGRAM_MANAGER).exists()
        user._governance_lead = cached  # type: ignore[attr-defined]
    return cached


def program_leads() -> QuerySet[User]:
    lead = Q(is_superuser=True) | Q(groups__name=Role.PROGRAM_MANAGER)
    return User.objects.filter(lead, is_active=True).distinct().order_by("pk")


def moderated_guild_ids(*, user: User) -> QuerySet[GuildModerator, int]:
    return GuildModerator.objects.filter(user=user, ended_at__isnull=True).values_list(
        "guild_id", flat=True
    )


def guild_moderators(*, guild: Guild | None) -> QuerySet[User]:
    """The guild's appointed moderators; without a guild, the program leads."""
    if guild is None:
        return program_leads()
    return (
        User.objects.filter(
            guild_moderations__guild=guild,
            guild_moderations__ended_at__isnull=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def is_away(*, user: User, on: date) -> bool:
    return ModeratorAvailability.objects.filter(
        user=user, starts_on__lte=on, ends_on__gte=on
    ).exists()


def available_moderators(
    *, guild: Guild | None, on: date, excluding: set[int] | None = None
) -> list[User]:
    """The guild's moderators not away on `on`, those with fewer open cases first."""
    away = ModeratorAvailability.objects.filter(starts_on__lte=on, ends_on__gte=on).values(
        "user_id"
    )
    candidates = (
        guild_moderators(guild=guild)
        .exclude(pk__in=away)
        .exclude(pk__in=excluding or set())
        .annotate(
            load=Count(
                "cases_moderated",
                filter=Q(cases_moderated__status__in=OPEN_CASE_STATUSES),
                distinct=True,
            )
        )
        .order_by("load", "pk")
    )
    return list(candidates)


def cases_visible_to(*, user: User) -> QuerySet[ModerationCase]:
    cases = ModerationCase.objects.all()
    if not user.is_active:
        return cases.none()
    if not is_program_lead(user):
        mine = Q(guild_id__in=moderated_guild_ids(user=user))
        assigned = Q(moderator=user) | Q(deputy=user) | Q(appeal__reviewer=user)
        cases = cases.filter(mine | assigned)
    return cases.exclude(member__user=user)


def reports_visible_to(*, user: User) -> QuerySet[Report]:
    reports = Report.objects.all()
    if not user.is_active:
        return reports.none()
    if not is_program_lead(user):
        in_my_cases = Q(case__in=cases_visible_to(user=user).values("pk"))
        unassigned = Q(case__isnull=True, guild_id__in=moderated_guild_ids(user=user))
        reports = reports.filter(in_my_cases | unassigned)
    return reports.exclude(subject_member__user=user)


def may_moderate_case(*, user: User, case: ModerationCase) -> bool:
    return cases_visible_to(user=user).filter(pk=case.pk).exists()


def may_moderate_report(*, user: User, report: Report) -> bool:
    return reports_visible_to(user=user).filter(pk=report.pk).exists()


def may_moderate_guild(*, user: User, guild: Guild | None) -> bool:
    if is_program_lead(user):
        return True
    return guild is not None and moderated_guild_ids(user=user).filter(guild_id=guild.pk).exists()
