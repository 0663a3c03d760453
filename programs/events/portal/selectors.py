"""What a champion may see of events: program-wide ones and those of guilds visible to them.

Events of a hidden guild exist only for its active members; anyone else gets 404.
Events a moderator hid (`programs.governance`) are shown to no champion.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from champions.models import (
    Champion,
    Guild,
    GuildVisibility,
    Membership,
    MembershipStatus,
    zone_or_utc,
)
from programs.events.models import Event, EventStatus, Registration, RegistrationStatus
from programs.events.selectors import events_with_counts
from programs.governance.selectors import exclude_hidden, hidden_ids

ACTIVE_REGISTRATION = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


def _member_of_event_guild(champion: Champion) -> Exists:
    return Exists(
        Membership.objects.filter(
            guild=OuterRef("guild"), champion=champion, status=MembershipStatus.ACTIVE
        )
    )


def events_visible_to(*, champion: Champion) -> QuerySet[Event]:
    """Events with their seat counts and the champion's own registration status (`my_status`)."""
    mine = Registration.objects.filter(event=OuterRef("pk"), champion=champion)
    return (
        exclude_hidden(events_with_counts())
        .filter(
            Q(guild__isnull=True)
            | ~Q(guild__visibility=GuildVisibility.HIDDEN)
            | _member_of_event_guild(champion)
        )
        .annotate(my_status=Subquery(mine.values("status")[:1]))
        .select_related("guild")
    )


def guilds_with_events_for(*, champion: Champion) -> QuerySet[Guild]:
    """Guilds to filter the event list by: those the champion can see."""
    mine = Membership.objects.filter(
        guild=OuterRef("pk"), champion=champion, status=MembershipStatus.ACTIVE
    )
    return Guild.objects.filter(~Q(visibility=GuildVisibility.HIDDEN) | Exists(mine)).order_by(
        "name"
    )


def upcoming(events: QuerySet[Event], *, now: datetime | None = None) -> QuerySet[Event]:
    """Not over yet (running events included), soonest first."""
    return events.filter(ends_at__gt=now or timezone.now()).order_by("starts_at", "pk")


def past(events: QuerySet[Event], *, now: datetime | None = None) -> QuerySet[Event]:
    return events.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at", "-pk")


def my_upcoming_registrations(*, champion: Champion, limit: int = 5) -> list[Registration]:
    """Seats and waitlist places at scheduled events that have not ended, soonest first."""
    return list(
        Registration.objects.filter(
            champion=champion,
            status__in=ACTIVE_REGISTRATION,
            event__status=EventStatus.SCHEDULED,
            event__ends_at__gt=timezone.now(),
        )
        .exclude(event__in=hidden_ids(Event))
        .select_related("event")
        .order_by("event__starts_at", "pk")[:limit]
    )


def guild_upcoming_events(*, guild: Guild, limit: int = 5) -> list[Event]:
    return list(
        exclude_hidden(Event.objects.all())
        .filter(guild=guild, status=EventStatus.SCHEDULED, ends_at__gt=timezone.now())
        .order_by("starts_at", "pk")[:limit]
    )


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    events: list[Event]


@dataclass(frozen=True)
class CalendarMonth:
    first: date
    weeks: list[list[CalendarDay]]
    events: list[Event]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        days = calendar.monthrange(self.first.year, self.first.month)[1]
        return self.first + timedelta(days=days)


def month_calendar(
    *, events: QuerySet[Event], year: int, month: int, timezone_name: str
) -> CalendarMonth:
    """A month grid (weeks from Monday) of the events, each on its start day in the time zone."""
    zone = zone_or_utc(timezone_name)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start = datetime.combine(weeks[0][0], time.min, tzinfo=zone)
    end = datetime.combine(weeks[-1][-1] + timedelta(days=1), time.min, tzinfo=zone)
    shown = list(events.filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "pk"))
    by_day: dict[date, list[Event]] = {}
    for event in shown:
        by_day.setdefault(event.starts_at.astimezone(zone).date(), []).append(event)
    today = timezone.now().astimezone(zone).date()
    grid = [
        [CalendarDay(day, day.month == month, day == today, by_day.get(day, [])) for day in week]
        for week in weeks
    ]
    first = date(year, month, 1)
    in_month = [e for e in shown if e.starts_at.astimezone(zone).date().month == month]
    return CalendarMonth(first=first, weeks=grid, events=in_month)
