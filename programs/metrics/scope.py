"""What a metric is computed over: the window `[start, end)` and the population filters.

METRICS.md, "Conventions": staff (by their user) and erased champions are invisible as actors;
a guild, account or industry filter restricts the champion population, and facts whose actor
is outside it are ignored. The querysets and `Q` objects here are the one place those rules
are written; every compute function builds on them, so they are applied the same way
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from champions.errors import DomainError
from champions.models import (
    Activity,
    ActivityLevel,
    Champion,
    Guild,
    Industry,
    Membership,
    MembershipStatus,
    User,
)
from config.precompiled import AnyOf

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
# Up to this many invisible champions are passed as a list of ids rather than a subquery.
INLINE_LIMIT = 5_000
# Windows are kept to dates where "a year before `from`" and similar arithmetic stays valid.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MetricScope:
    """A window `[start, end)` in UTC and the population filters.

    `guild_ids` restricts to members of any of the guilds (an experiment's audience may be
    several); `cohort` to champions who joined in `[cohort[0], cohort[1])`.
    """

    start: datetime
    end: datetime
    guild_ids: tuple[int, ...] = ()
    account_id: int | None = None
    industry: str | None = None
    cohort: tuple[datetime, datetime] | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment.tzinfo is None:
                raise DomainError(f"The window's “{name}” needs a time zone.", field=name)
            object.__setattr__(self, name, moment.astimezone(UTC))
        if self.start >= self.end:
            raise DomainError(
                "The window is empty or inverted: “from” must lie before “to”.", field="from"
            )
        if self.start < EARLIEST or self.end > LATEST:
            raise DomainError(
                f"The window must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}.",
                field="from" if self.start < EARLIEST else "to",
            )
        if self.industry is not None and self.industry not in Industry.values:
            raise DomainError(f"“{self.industry}” is not an industry.", field="industry")

    @property
    def days(self) -> float:
        """Window days = (to − from) in days, as a decimal."""
        return (self.end - self.start).total_seconds() / SECONDS_PER_DAY

    @property
    def filtered(self) -> bool:
        return bool(self.guild_ids or self.account_id or self.industry or self.cohort)

    def previous(self) -> MetricScope:
        """The window of the same length just before this one, with the same filters."""
        length = self.end - self.start
        return replace(self, start=self.start - length, end=self.start)

    def shifted(self, *, start: datetime, end: datetime) -> MetricScope:
        return replace(self, start=start, end=end)

    def describe(self) -> dict[str, Any]:
        return {
            "guilds": list(self.guild_ids),
            "account": self.account_id,
            "industry": self.industry,
        }


def _staff_users() -> QuerySet[User, Any]:
    return User.objects.filter(is_staff=True).values("pk")


def invisible_champions(staff_users: list[int] | QuerySet[User, Any]) -> QuerySet[Champion, Any]:
    """Champions whose facts no metric sees: erased, or staff by their user.

    Written as `user_id` among the staff users rather than a join to every user: the staff
    are a handful. Given as a list, the database finds their champions by index, with the
    erased ones (`champion_erased`), instead of scanning every champion.
    """
    staff = one_of("user_id", staff_users)
    return Champion.objects.filter(Q(erased_at__isnull=False) | staff).values("pk")


class Population:
    """The champions a scope counts, and predicates that keep a fact to them.

    Without filters the population is every visible champion; a `NOT IN` over the (small)
    set of invisible ones is then cheaper than an `IN` over everyone, and lets the database
    scan the activity log without joining champions and users.
    """

    def __init__(self, scope: MetricScope) -> None:
        self.scope = scope

    @cached_property
    def _invisible_rows(self) -> list[tuple[int, bool]] | None:
        """(id, erased) of the invisible champions (staff, erased), fetched once per
        computation in one query: they are few, and a literal list costs each statement
        nothing, where the subquery would be evaluated again in every one. None past
        `INLINE_LIMIT` of them (the subqueries are used then). Read after the staff users,
        whose list they are found by."""
        rows = [
            (pk, erased_at is not None)
            for pk, erased_at in invisible_champions(self.staff_users)
            .order_by()
            .values_list("pk", "erased_at")[: INLINE_LIMIT + 1]
        ]
        return rows if len(rows) <= INLINE_LIMIT else None

    def fetch(self) -> None:
        """Fetch the lists now (a computation on two connections shares them)."""
        self.invisible, self.staff_users, self.erased  # noqa: B018 (cached on first read)

    @cached_property
    def invisible(self) -> list[int] | QuerySet[Champion, Any]:
        rows = self._invisible_rows
        if rows is None:
            return invisible_champions(self.staff_users)
        return [pk for pk, _ in rows]

    @cached_property
    def staff_users(self) -> list[int] | QuerySet[User, Any]:
        """The staff users (by whom an answer is a staff answer whatever its flag): a
        literal list like `invisible`, which spares every answer query a join to users."""
        ids = list(_staff_users().order_by().values_list("pk", flat=True)[: INLINE_LIMIT + 1])
        return ids if len(ids) <= INLINE_LIMIT else _staff_users()

    @cached_property
    def erased(self) -> list[int] | QuerySet[Champion, Any]:
        rows = self._invisible_rows
        if rows is None:
            return Champion.objects.filter(erased_at__isnull=False).values("pk")
        return [pk for pk, erased in rows if erased]

    @cached_property
    def champions(self) -> QuerySet[Champion]:
        champions = Champion.objects.filter(none_of("pk", self.invisible))
        scope = self.scope
        if scope.guild_ids:
            member = Membership.objects.filter(
                champion=OuterRef("pk"),
                guild_id__in=scope.guild_ids,
                status=MembershipStatus.ACTIVE,
            )
            champions = champions.filter(Exists(member))
        if scope.account_id is not None:
            champions = champions.filter(account_id=scope.account_id)
        if scope.industry is not None:
            champions = champions.filter(account__industry=scope.industry)
        if scope.cohort is not None:
            champions = champions.filter(
                joined_at__gte=scope.cohort[0], joined_at__lt=scope.cohort[1]
            )
        return champions

    def ids(self) -> QuerySet[Champion, Any]:
        return self.champions.values("pk")

    def actor(self, field: str) -> Q:
        """The champion in `field` (e.g. "asker_id") is in the population."""
        if not self.scope.filtered:
            return self.visible(field)
        return Q(**{f"{field}__in": self.ids()})

    def visible(self, field: str) -> Q:
        """The champion in `field` is any visible champion (a counterpart, not the actor)."""
        return Q(**{f"{field}__isnull": False}) & none_of(field, self.invisible)

    def not_staff_user(self, field: str) -> Q:
        """The user in `field` (not null) is not a staff user."""
        return none_of(field, self.staff_users)

    def account_ids(self) -> QuerySet[Champion, Any]:
        """Accounts of the population, for deals ("filtered by the deal's company account")."""
        return self.champions.values("account_id")

    def contributions(self) -> QuerySet[Activity]:
        """Contribution activities of the population in the window."""
        return self.activities().filter(level__gt=ActivityLevel.OBSERVER)

    def activities(self) -> QuerySet[Activity]:
        """Every activity (presence included) of the population in the window."""
        return Activity.objects.filter(
            self.actor("champion_id"),
            occurred_at__gte=self.scope.start,
            occurred_at__lt=self.scope.end,
        )

    def moderator_actions(self) -> Q:
        """Moderator actions count whoever takes them (staff too), erased champions aside.

        With a guild filter they are the actions on the guild's content (the activity's
        guild); with an account or industry filter, the actions of the population.
        """
        not_erased = Q(champion_id__isnull=True) | none_of("champion_id", self.erased)
        scope = self.scope
        if scope.account_id is not None or scope.industry is not None or scope.cohort:
            return self.actor("champion_id")
        if scope.guild_ids:
            return not_erased & Q(guild_id__in=scope.guild_ids)
        return not_erased


def one_of(field: str, ids: list[int] | QuerySet[Any, Any]) -> Q:
    """`field` is one of `ids` (a list as one array parameter, as in `none_of`)."""
    if isinstance(ids, list):
        return Q(AnyOf(field, ids))
    return Q(**{f"{field}__in": ids})


def none_of(field: str, ids: list[int] | QuerySet[Any, Any]) -> Q:
    """`field` (not null: a NULL is in no list) is none of `ids`. A list goes as one array
    parameter (`AnyOf`): the statement has one placeholder however many ids there are, so
    neither Django nor the driver walks hundreds of them in every statement that uses it."""
    return ~one_of(field, ids)


def check_guilds(guild_ids: tuple[int, ...]) -> None:
    known = set(Guild.objects.filter(pk__in=guild_ids).values_list("pk", flat=True))
    missing = [str(pk) for pk in guild_ids if pk not in known]
    if missing:
        raise DomainError(f"There is no guild with id {', '.join(missing)}.", field="guild")


def hour_start(moment: datetime) -> datetime:
    """The start of the UTC hour of `moment`."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of the day of `moment`."""
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def days_before(end: datetime, days: int) -> datetime:
    return end - timedelta(days=days)


def parse_moment(text: str, *, field: str) -> datetime:
    """A date (midnight UTC) or an ISO 8601 moment (UTC unless it names an offset)."""
    from django.utils.dateparse import parse_date, parse_datetime

    text = text.strip()
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    except ValueError:
        moment = None
    if moment is None:
        raise DomainError(
            f"“{text}” is not a date or moment; write 2026-03-01 or 2026-03-01T09:00:00+01:00.",
            field=field,
        )
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
