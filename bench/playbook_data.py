"""Data for the playbook automation benchmark: a program of 50,000 champions with a history.

Everything is written with bulk_create (no services, no per-row saves) and dated relative to
`REFERENCE`, so the benchmark evaluates at a fixed moment and gets the same matches whenever
it runs. Deterministic for a given seed. Used by `bench/bench_playbook_automation.py`.

Shape (for 50,000 champions): 2,000 accounts in 10 industries, 40 guilds, ~1.9 memberships
per joined champion, 5 % invited, 10 % onboarding, 70 % active, 10 % dormant, 5 % alumni,
0.5 % erased, 10 staff with champion records; 3-30 activities per joined champion over their
tenure (about 800,000 rows) with three in four active champions contributing in the last 30
days; 6,000 clinic questions (most answered by peers, a few hundred still open); 30 events.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, reset_queries, transaction

from champions.models import (
    ACTIVITY_LEVELS,
    Account,
    Activity,
    ActivityKind,
    ActivitySource,
    Champion,
    ChampionState,
    Guild,
    Industry,
    Membership,
    Region,
    SizeBand,
    User,
)
from programs.clinics.models import Answer, Question, QuestionStatus
from programs.events.models import Event, EventKind, EventStatus

REFERENCE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
BATCH = 10_000
TIMEZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "Asia/Kolkata",
)
STATES = (
    (ChampionState.INVITED, 5),
    (ChampionState.ONBOARDING, 10),
    (ChampionState.ACTIVE, 70),
    (ChampionState.DORMANT, 10),
    (ChampionState.ALUMNI, 5),
)
# Presence is most of what people do; contributions are rarer, leadership rarest.
KINDS = (
    (ActivityKind.LOGIN, 30),
    (ActivityKind.PAGE_VIEW, 20),
    (ActivityKind.TEMPLATE_VIEWED, 8),
    (ActivityKind.RSVP, 8),
    (ActivityKind.ATTENDED_EVENT, 7),
    (ActivityKind.ASKED_QUESTION, 6),
    (ActivityKind.REUSED_TEMPLATE, 6),
    (ActivityKind.ANSWERED_QUESTION, 6),
    (ActivityKind.SHARED_TEMPLATE, 2),
    (ActivityKind.INVITED_PEER, 2),
    (ActivityKind.PRESENTED_AT_DEMO, 1),
    (ActivityKind.WROTE_STORY, 1),
    (ActivityKind.GAVE_REFERENCE, 1),
    (ActivityKind.HOSTED_CLINIC, 1),
    (ActivityKind.MENTORED_AS_BUDDY, 1),
)
CONTRIBUTIONS = tuple((k, w) for k, w in KINDS if ACTIVITY_LEVELS[k] > 1)


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _bulk(model: Any, rows: Iterable[Any], log: Callable[[str], object]) -> list[Any]:
    created: list[Any] = []
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            created += model.objects.bulk_create(batch)
            batch = []
            reset_queries()  # DEBUG keeps every statement; these are megabytes each
    created += model.objects.bulk_create(batch)
    log(f"  {model.__name__}: {len(created):,}")
    return created


def already_generated(champions: int) -> bool:
    return Champion.objects.count() >= champions


@transaction.atomic
def generate(
    *, champions: int = 50_000, seed: int = 7, log: Callable[[str], object] = print
) -> None:
    rng = random.Random(seed)
    log(f"Generating {champions:,} champions (seed {seed}, reference {REFERENCE:%Y-%m-%d %H:%M})")
    accounts = _bulk(
        Account,
        (
            Account(
                name=f"Bench customer {i}",
                domain=f"bench{i}.example",
                industry=rng.choice(Industry.values),
                region=rng.choice(Region.values),
                size_band=rng.choice(SizeBand.values),
                created_at=REFERENCE - timedelta(days=800),
            )
            for i in range(max(1, champions // 25))
        ),
        log,
    )
    guilds = _bulk(
        Guild,
        (Guild(name=f"Bench guild {i}", slug=f"bench-guild-{i}", theme="Bench") for i in range(40)),
        log,
    )
    people = _champions(rng, champions, accounts, log)
    joined = [c for c in people if c.joined_at is not None]
    _bulk(
        Membership,
        (
            Membership(guild=g, champion=c, joined_at=c.joined_at)
            for c in joined
            for g in rng.sample(guilds, rng.randint(1, 3))
        ),
        log,
    )
    _bulk(Activity, _activities(rng, joined), log)
    _clinic_questions(rng, joined, guilds, log)
    _events(rng, guilds, log)


def _champions(
    rng: random.Random, count: int, accounts: list[Account], log: Callable[[str], object]
) -> list[Champion]:
    specs = []
    for i in range(count):
        staff = i < 10  # the program team, with champion records of their own
        state = ChampionState.ACTIVE if staff else _weighted(rng, STATES)
        if state == ChampionState.INVITED:
            joined_at = None
        elif state == ChampionState.ONBOARDING or rng.random() < 0.01:
            joined_at = REFERENCE - timedelta(days=rng.uniform(0, 20))
        else:
            joined_at = REFERENCE - timedelta(days=rng.uniform(20, 730))
        specs.append((i, state, joined_at, staff))
    users = _bulk(
        User,
        (
            User(email=f"bench{i}@bench.example", password="!", is_staff=staff)  # noqa: S106
            for i, _, joined_at, staff in specs
            if joined_at is not None
        ),
        log,
    )
    user_of = iter(users)
    rows = []
    for i, state, joined_at, _ in specs:
        first_value = None
        if joined_at is not None and rng.random() < 0.6:
            first_value = min(joined_at + timedelta(days=rng.uniform(0, 30)), REFERENCE)
        rows.append(
            Champion(
                user=next(user_of) if joined_at is not None else None,
                account=rng.choice(accounts),
                email=f"bench{i}@bench.example",
                full_name=f"Bench Champion {i}",
                timezone=rng.choice(TIMEZONES),
                joined_at=joined_at,
                first_value_at=first_value,
                state=state,
                state_changed_at=joined_at or REFERENCE - timedelta(days=30),
                erased_at=REFERENCE if rng.random() < 0.005 else None,
                created_at=(joined_at or REFERENCE) - timedelta(days=3),
            )
        )
    return _bulk(Champion, rows, log)


def _activities(rng: random.Random, joined: list[Champion]) -> Iterable[Activity]:
    for c in joined:
        assert c.joined_at is not None
        yield _activity(c, ActivityKind.ACCEPTED_INVITATION, c.joined_at)
        tenure = (REFERENCE - c.joined_at).total_seconds()
        # Dormant and silent champions stopped 30+ days ago; the rest are still at it.
        silent = c.state == ChampionState.DORMANT or rng.random() < 0.25
        end = tenure - (31 * 86_400 if silent else 0)
        for _ in range(rng.randint(3, 30)):
            if end <= 0:
                break
            at = c.joined_at + timedelta(seconds=rng.uniform(0, end))
            yield _activity(c, _weighted(rng, KINDS), at)
        if not silent and c.state == ChampionState.ACTIVE:
            recent = REFERENCE - timedelta(days=rng.uniform(0, 29))
            yield _activity(c, _weighted(rng, CONTRIBUTIONS), max(recent, c.joined_at))


def _activity(champion: Champion, kind: str, at: datetime) -> Activity:
    return Activity(
        champion=champion,
        kind=kind,
        level=ACTIVITY_LEVELS[kind],
        occurred_at=at,
        source=ActivitySource.IMPORT,
    )


def _clinic_questions(
    rng: random.Random, joined: list[Champion], guilds: list[Guild], log: Callable[[str], object]
) -> None:
    questions = _bulk(
        Question,
        (
            Question(
                guild=rng.choice(guilds),
                asker=rng.choice(joined),
                title=f"Bench question {i}",
                body="How do you do this?",
                posted_at=REFERENCE
                - timedelta(days=rng.uniform(0, 365) if i % 10 else 8 * rng.random()),
            )
            for i in range(6_000)
        ),
        log,
    )
    answers, solved = [], []
    for q in questions:
        if rng.random() < 0.4 and q.posted_at > REFERENCE - timedelta(days=8):
            continue  # still waiting for a peer
        for _ in range(rng.randint(1, 3)):
            author = rng.choice(joined)
            assert author.user_id is not None
            answers.append(
                Answer(
                    question=q,
                    author=author,
                    author_user_id=author.user_id,
                    body="Like this.",
                    posted_at=q.posted_at + timedelta(hours=rng.uniform(0.5, 30)),
                )
            )
        solved.append(q.pk)
    _bulk(Answer, answers, log)
    Question.objects.filter(pk__in=solved).update(status=QuestionStatus.ANSWERED)


def _events(rng: random.Random, guilds: list[Guild], log: Callable[[str], object]) -> None:
    def event(i: int, kind: str, days: float) -> Event:
        starts = REFERENCE + timedelta(days=days)
        return Event(
            kind=kind,
            title=f"Bench {kind} {i}",
            guild=rng.choice(guilds) if i % 3 else None,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            status=EventStatus.SCHEDULED if days > 0 else EventStatus.HELD,
            online_url=f"https://meet.example.com/bench-{i}",
        )

    clinics = (event(i, EventKind.PEER_CLINIC, rng.uniform(-180, 60)) for i in range(22))
    demos = (event(100 + i, EventKind.QUARTERLY_DEMO, -90.0 * i + 30) for i in range(8))
    _bulk(Event, [*clinics, *demos], log)


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give them later."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
