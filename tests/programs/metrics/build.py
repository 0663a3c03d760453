"""Small builders for hand-made metric data sets: every fact dated exactly, no services.

The default window is March 2026 in UTC, `[FROM, TO)` = `[2026-03-01, 2026-04-01)`, 31 days.
2026-03-01 is a Sunday, 2026-03-02 a Monday.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from django.db.models import Model

from champions.models import (
    ACTIVITY_LEVELS,
    Account,
    Activity,
    ActivityKind,
    ActivitySource,
    Champion,
    ChampionState,
    Guild,
    Invitation,
    Membership,
)
from programs.clinics.models import Answer, HelpfulMark, Question
from programs.events.models import Event, EventKind
from programs.library.models import Template, TemplateKind
from programs.metrics.registry import compute
from programs.metrics.scope import MetricScope
from tests.factories import AccountFactory, ChampionFactory, GuildFactory, StaffFactory

FROM = datetime(2026, 3, 1, tzinfo=UTC)
TO = datetime(2026, 4, 1, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))
MINUS_ONE = timezone(timedelta(hours=-1))


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A moment of 2026 in UTC."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def march(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return at(3, day, hour, minute)


def value(key: str, start: datetime = FROM, end: datetime = TO, **filters: Any) -> Any:
    """One metric for a window and filters (guild_ids, account_id, industry)."""
    return compute(MetricScope(start, end, **filters), [key])[key]


_counter = iter(range(1, 1_000_000))


def champion(
    *,
    joined: datetime | None = datetime(2025, 6, 1, tzinfo=UTC),
    staff: bool = False,
    erased: bool = False,
    account: Account | None = None,
    guilds: tuple[Guild, ...] = (),
    **fields: Any,
) -> Champion:
    """A champion (joined in June 2025 unless told), optionally staff by their user or erased."""
    n = next(_counter)
    extra: dict[str, Any] = {"account": account or AccountFactory()}
    if staff:
        extra["user"] = StaffFactory(email=f"staff-champion-{n}@vendor.example")
    if joined is None:
        extra.update(state=ChampionState.INVITED, user=None)
    if erased:
        extra["erased_at"] = datetime(2026, 5, 1, tzinfo=UTC)
    fields.setdefault("state_changed_at", joined or datetime(2025, 1, 1, tzinfo=UTC))
    person: Champion = ChampionFactory(
        email=f"person{n}@customer.example", joined_at=joined, **extra, **fields
    )
    for guild in guilds:
        member(person, guild)
    return person


def member(person: Champion, guild: Guild, since: datetime | None = None) -> Membership:
    membership: Membership = Membership.objects.create(
        guild=guild, champion=person, joined_at=since or at(1, 1)
    )
    return membership


def guild(**fields: Any) -> Guild:
    created: Guild = GuildFactory(created_at=fields.pop("created_at", at(1, 1)), **fields)
    return created


def act(
    person: Champion | None,
    kind: str,
    when: datetime,
    *,
    guild: Guild | None = None,
    subject: Model | None = None,
    actor: Any = None,
) -> Activity:
    activity: Activity = Activity.objects.create(
        champion=person,
        actor=actor,
        kind=kind,
        level=ACTIVITY_LEVELS[kind],
        occurred_at=when,
        guild=guild,
        source=ActivitySource.SYSTEM,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
    )
    return activity


def question(
    asker: Champion,
    posted: datetime,
    *,
    guild_: Guild | None = None,
    builds_on: Question | None = None,
) -> Question:
    created: Question = Question.objects.create(
        guild=guild_ or GuildFactory(),
        asker=asker,
        title=f"Question {next(_counter)}",
        body="How?",
        posted_at=posted,
        builds_on=builds_on,
    )
    return created


def answer(
    to: Question,
    author: Champion | None,
    posted: datetime,
    *,
    staff_user: Any = None,
    accepted: datetime | None = None,
    accepted_by: Any = None,
) -> Answer:
    """An answer by a champion, or by a staff user (`author=None, staff_user=...`).

    `accepted` accepts it, by the asker's user unless `accepted_by` says otherwise.
    """
    user = staff_user if author is None else author.user
    created: Answer = Answer.objects.create(
        question=to,
        author=author,
        author_user=user,
        body="Like this.",
        is_staff_answer=author is None,
        posted_at=posted,
        accepted_at=accepted,
        accepted_by=(accepted_by or to.asker.user) if accepted else None,
    )
    return created


def helpful(target: Answer, by: Any, when: datetime) -> HelpfulMark:
    mark: HelpfulMark = HelpfulMark.objects.create(answer=target, user=by, created_at=when)
    return mark


def template(
    author: Champion | None,
    published: datetime | None,
    *,
    guild_: Guild | None = None,
    staff_user: Any = None,
) -> Template:
    created: Template = Template.objects.create(
        title=f"Template {next(_counter)}",
        kind=TemplateKind.MARKDOWN,
        body="1. Do it",
        author=author,
        author_user=author.user if author is not None else staff_user,
        guild=guild_,
        published_at=published,
    )
    return created


def event(kind: str = EventKind.QUARTERLY_DEMO, starts: datetime | None = None) -> Event:
    starts = starts or at(3, 10, 15)
    created: Event = Event.objects.create(
        kind=kind,
        title=f"Event {next(_counter)}",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    return created


def invitation(
    invitee: Champion,
    *,
    sent: datetime,
    by: Champion | None = None,
    by_user: Any = None,
    accepted: datetime | None = None,
    revoked: datetime | None = None,
) -> Invitation:
    created: Invitation = Invitation.objects.create(
        champion=invitee,
        email=invitee.email,
        invited_by_champion=by,
        invited_by_user=by_user,
        token_hash=f"{next(_counter):064x}",
        sent_at=sent,
        expires_at=sent + timedelta(days=14),
        accepted_at=accepted,
        revoked_at=revoked,
    )
    return created


__all__ = ["ActivityKind", "EventKind"]
