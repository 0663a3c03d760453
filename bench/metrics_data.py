"""Data for the metrics benchmark: a program of 50,000 champions with a year of history.

Deterministic for a seed and dated relative to `REFERENCE` (the end of the measured window),
so the same figures come out whenever it runs. Bulk writes only: `bulk_create` in batches for
the records, PostgreSQL `COPY` for the 1,000,000 activities. The facts the metrics join are
consistent with one another: every asked/answered activity is a question or answer row,
attendance and hosting point at events, reuse at templates, buddy pairings at champions.

Shape (defaults): 2,000 accounts, 50 guilds, 50,000 champions (4 % invited, 3 % alumni,
0.5 % erased, 20 staff with champion records), joined over two years (half in the last year),
~40 % through a peer invitation; 1-3 guild memberships each; 10,000 events; 100,000 questions
and 100,000 answers (~70 % accepted, helpful marks on ~30 %); 5,000 templates; 20,000 deals
with 8,000 reference requests; reference-call consent for 15 % of champions; 1,000,000
activities in the year before `REFERENCE` (the facts above, then presence and other
contributions to make up the total).
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, reset_queries, transaction

from champions.models import (
    ACTIVITY_LEVELS,
    Account,
    ActivityKind,
    Champion,
    ChampionState,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    Guild,
    Industry,
    Invitation,
    Membership,
    Region,
    SizeBand,
    User,
    refresh_reference_call_consent,
)
from programs.clinics.models import Answer, HelpfulMark, Question
from programs.events.models import Event, EventKind, EventStatus
from programs.library.models import Template, TemplateKind
from programs.references.models import (
    ActivityType,
    Attribution,
    Deal,
    ReferenceRequest,
    RequestOutcome,
    RequestStatus,
)

REFERENCE = datetime(2026, 6, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
BATCH = 10_000
Log = Callable[[str], object]


def _bulk(model: Any, rows: Iterable[Any], log: Log) -> list[Any]:
    created: list[Any] = []
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            created += model.objects.bulk_create(batch)
            batch = []
            reset_queries()
    created += model.objects.bulk_create(batch)
    log(f"  {model.__name__}: {len(created):,}")
    return created


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def already_generated(champions: int) -> bool:
    return Champion.objects.count() >= champions


@transaction.atomic
def generate(
    *,
    champions: int = 50_000,
    activities: int = 1_000_000,
    questions: int = 100_000,
    answers: int = 100_000,
    events: int = 10_000,
    seed: int = 11,
    log: Log = print,
) -> None:
    rng = random.Random(seed)
    log(f"Generating (seed {seed}, reference {REFERENCE:%Y-%m-%d})")
    accounts = _bulk(
        Account,
        (
            Account(
                name=f"Metrics customer {i}",
                domain=f"metrics{i}.example",
                industry=rng.choice(Industry.values),
                region=rng.choice(Region.values),
                size_band=rng.choice(SizeBand.values),
            )
            for i in range(max(1, champions // 25))
        ),
        log,
    )
    guilds = _bulk(
        Guild,
        (
            Guild(
                name=f"Metrics guild {i}",
                slug=f"metrics-guild-{i}",
                theme="Bench",
                created_at=REFERENCE - 2 * YEAR,
            )
            for i in range(50)
        ),
        log,
    )
    people = _champions(rng, champions, accounts, log)
    joined = [c for c in people if c.joined_at is not None]
    guilds_of = _memberships(rng, joined, guilds, log)
    _invitations(rng, people, log)
    facts: list[tuple[Any, ...]] = []
    event_rows = _events(rng, events, guilds, log)
    facts += _attendance(rng, joined, event_rows, guilds_of)
    question_rows, answer_rows = _clinic(rng, joined, guilds_of, questions, answers, log)
    facts += [
        (q.asker_id, ActivityKind.ASKED_QUESTION, q.posted_at, q.guild_id, "clinics.question", q.pk)
        for q in question_rows
    ]
    guild_of_question = {q.pk: q.guild_id for q in question_rows}
    facts += [
        (
            a.author_id,
            ActivityKind.ANSWERED_QUESTION,
            a.posted_at,
            guild_of_question[a.question_id],
            "clinics.answer",
            a.pk,
        )
        for a in answer_rows
        if a.author_id is not None
    ]
    facts += _library(rng, joined, guilds, log)
    facts += _relations(rng, joined)
    _references(rng, joined, accounts, log)
    _reports(rng, joined, guilds, log)
    _copy_activities(rng, facts, joined, activities, log)


def _champions(
    rng: random.Random, count: int, accounts: Sequence[Account], log: Log
) -> list[Champion]:
    specs = []
    for i in range(count):
        staff = i < 20
        roll = rng.random()
        invited = not staff and roll < 0.04
        joined_at = None if invited else _moment(rng, REFERENCE - 2 * YEAR, REFERENCE)
        if joined_at is not None and rng.random() < 0.5:  # half of them in the last year
            joined_at = _moment(rng, REFERENCE - YEAR, REFERENCE)
        state = ChampionState.INVITED if invited else ChampionState.ACTIVE
        if not invited and 0.04 <= roll < 0.07:
            state = ChampionState.ALUMNI
        specs.append((i, state, joined_at, staff))
    specs.sort(key=lambda spec: spec[2] or REFERENCE)  # ids grow with joining
    users = _bulk(
        User,
        (
            User(email=f"metrics{i}@bench.example", password="!", is_staff=staff)  # noqa: S106
            for i, _, joined_at, staff in specs
            if joined_at is not None
        ),
        log,
    )
    user_of = iter(users)
    rows = [
        Champion(
            user=next(user_of) if joined_at is not None else None,
            account=rng.choice(accounts),
            email=f"metrics{i}@bench.example",
            full_name=f"Metrics Champion {i}",
            joined_at=joined_at,
            state=state,
            state_changed_at=joined_at or REFERENCE - YEAR,
            erased_at=REFERENCE if rng.random() < 0.005 else None,
            created_at=(joined_at or REFERENCE - YEAR) - timedelta(days=3),
        )
        for i, state, joined_at, _ in specs
    ]
    people = _bulk(Champion, rows, log)
    # About 40 % joined through a peer who had joined before them.
    joined = [c for c in people if c.joined_at is not None]
    for index, champion in enumerate(joined[50:], start=50):
        if rng.random() < 0.4:
            champion.invited_by = joined[rng.randrange(max(1, index - 2000), index)]
    Champion.objects.bulk_update([c for c in joined if c.invited_by_id], ["invited_by"], BATCH)
    return people


def _memberships(
    rng: random.Random, joined: Sequence[Champion], guilds: Sequence[Guild], log: Log
) -> dict[int, list[int]]:
    guilds_of: dict[int, list[int]] = {}
    rows = []
    for champion in joined:
        chosen = rng.sample(list(guilds), rng.randint(1, 3))
        guilds_of[champion.pk] = [g.pk for g in chosen]
        rows += [
            Membership(guild=g, champion=champion, joined_at=champion.joined_at) for g in chosen
        ]
    _bulk(Membership, rows, log)
    return guilds_of


def _invitations(rng: random.Random, people: Sequence[Champion], log: Log) -> None:
    def rows() -> Iterable[Invitation]:
        for n, champion in enumerate(people):
            joined = champion.joined_at
            sent = (joined or REFERENCE - timedelta(days=rng.uniform(1, 60))) - timedelta(
                days=rng.expovariate(1 / 3)
            )
            yield Invitation(
                champion=champion,
                email=champion.email,
                invited_by_champion_id=champion.invited_by_id,
                token_hash=f"{n:064x}",
                sent_at=sent,
                expires_at=sent + timedelta(days=14),
                accepted_at=joined,
            )

    _bulk(Invitation, rows(), log)


def _events(rng: random.Random, count: int, guilds: Sequence[Guild], log: Log) -> list[Event]:
    kinds = (
        [EventKind.QUARTERLY_DEMO] * 1 + [EventKind.PEER_CLINIC] * 4 + [EventKind.LIVE_BUILD] * 3
    )
    kinds += [EventKind.PAIRING_SESSION] * 2

    def rows() -> Iterable[Event]:
        for n in range(count):
            starts = _moment(rng, REFERENCE - YEAR, REFERENCE).replace(minute=0, second=0)
            yield Event(
                kind=rng.choice(kinds),
                title=f"Metrics event {n}",
                guild=rng.choice(guilds) if rng.random() < 0.9 else None,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                status=EventStatus.HELD,
            )

    return _bulk(Event, rows(), log)


Fact = tuple[int | None, str, datetime, int | None, str, int | None]


def _attendance(
    rng: random.Random,
    joined: Sequence[Champion],
    events: Sequence[Event],
    guilds_of: dict[int, list[int]],
) -> list[Fact]:
    facts: list[Fact] = []
    for event in events:
        people = rng.sample(joined, 16)
        present = [c for c in people if c.joined_at and c.joined_at < event.starts_at]
        for champion in present[:12]:
            rsvp_at = event.starts_at - timedelta(days=rng.uniform(1, 14))
            facts.append(
                (champion.pk, ActivityKind.RSVP, rsvp_at, event.guild_id, "events.event", event.pk)
            )
        attendees = present[:10]
        if event.kind == EventKind.PEER_CLINIC and attendees:
            host, attendees = attendees[0], attendees[1:]
            facts.append(
                (
                    host.pk,
                    ActivityKind.HOSTED_CLINIC,
                    event.starts_at,
                    event.guild_id,
                    "events.event",
                    event.pk,
                )
            )
        if event.kind == EventKind.QUARTERLY_DEMO and attendees:
            presenter, attendees = attendees[0], attendees[1:]
            facts.append(
                (
                    presenter.pk,
                    ActivityKind.PRESENTED_AT_DEMO,
                    event.starts_at,
                    event.guild_id,
                    "events.event",
                    event.pk,
                )
            )
        facts += [
            (
                c.pk,
                ActivityKind.ATTENDED_EVENT,
                event.starts_at,
                event.guild_id,
                "events.event",
                event.pk,
            )
            for c in attendees
        ]
    return facts


def _clinic(
    rng: random.Random,
    joined: Sequence[Champion],
    guilds_of: dict[int, list[int]],
    questions: int,
    answers: int,
    log: Log,
) -> tuple[list[Question], list[Answer]]:
    def question_rows() -> Iterable[Question]:
        for n in range(questions):
            asker = rng.choice(joined)
            assert asker.joined_at is not None
            posted = _moment(rng, max(asker.joined_at, REFERENCE - YEAR), REFERENCE)
            yield Question(
                guild_id=rng.choice(guilds_of[asker.pk]),
                asker=asker,
                title=f"Metrics question {n}",
                body="How?",
                posted_at=posted,
            )

    asked = _bulk(Question, question_rows(), log)
    asked.sort(key=lambda q: q.posted_at)
    for index, question in enumerate(asked[1000:], start=1000):  # chains of solved problems
        if rng.random() < 0.1:
            question.builds_on = asked[rng.randrange(index - 1000, index)]
    Question.objects.bulk_update([q for q in asked if q.builds_on_id], ["builds_on"], BATCH)

    def answer_rows() -> Iterable[Answer]:
        for _ in range(answers):
            question = rng.choice(asked)
            author = question.asker if rng.random() < 0.05 else rng.choice(joined)
            posted = question.posted_at + timedelta(hours=rng.expovariate(1 / 20))
            accepted = rng.random() < 0.7
            yield Answer(
                question=question,
                author=author,
                author_user_id=author.user_id,
                body="Like this.",
                posted_at=posted,
                accepted_at=posted + timedelta(hours=rng.uniform(1, 48)) if accepted else None,
                accepted_by_id=question.asker.user_id if accepted else None,
            )

    given = _bulk(Answer, answer_rows(), log)
    _bulk(
        HelpfulMark,
        (
            HelpfulMark(
                answer=a,
                user_id=rng.choice(joined).user_id,
                created_at=a.posted_at + timedelta(hours=3),
            )
            for a in given
            if rng.random() < 0.3
        ),
        log,
    )
    return asked, given


def _library(
    rng: random.Random, joined: Sequence[Champion], guilds: Sequence[Guild], log: Log
) -> list[Fact]:
    def rows() -> Iterable[Template]:
        for n in range(5000):
            author = rng.choice(joined)
            assert author.joined_at is not None
            yield Template(
                title=f"Metrics template {n}",
                kind=TemplateKind.MARKDOWN,
                body="1. Do it",
                author=author,
                author_user_id=author.user_id,
                guild=rng.choice(guilds) if rng.random() < 0.8 else None,
                published_at=_moment(rng, max(author.joined_at, REFERENCE - YEAR), REFERENCE),
            )

    templates = _bulk(Template, rows(), log)
    facts: list[Fact] = []
    for template in templates:
        assert template.published_at is not None
        facts.append(
            (
                template.author_id,
                ActivityKind.SHARED_TEMPLATE,
                template.published_at,
                template.guild_id,
                "library.template",
                template.pk,
            )
        )
        for _ in range(rng.randint(0, 24)):
            reuser = rng.choice(joined)
            when = template.published_at + timedelta(days=rng.expovariate(1 / 40))
            if when < REFERENCE:
                facts.append(
                    (
                        reuser.pk,
                        ActivityKind.REUSED_TEMPLATE,
                        when,
                        template.guild_id,
                        "library.template",
                        template.pk,
                    )
                )
    return facts


def _relations(rng: random.Random, joined: Sequence[Champion]) -> list[Fact]:
    facts: list[Fact] = []
    recent = [c for c in joined if c.joined_at and c.joined_at > REFERENCE - YEAR]
    for newcomer in rng.sample(recent, min(len(recent), 12_000)):
        buddy = rng.choice(joined)
        if buddy.pk != newcomer.pk and newcomer.joined_at is not None:
            when = newcomer.joined_at + timedelta(days=rng.uniform(0, 5))
            facts.append(
                (
                    buddy.pk,
                    ActivityKind.MENTORED_AS_BUDDY,
                    when,
                    None,
                    "champions.champion",
                    newcomer.pk,
                )
            )
    for champion in recent:
        assert champion.joined_at is not None
        facts.append(
            (
                champion.pk,
                ActivityKind.ACCEPTED_INVITATION,
                champion.joined_at,
                None,
                "champions.invitation",
                None,
            )
        )
        if champion.invited_by_id:
            facts.append(
                (
                    champion.invited_by_id,
                    ActivityKind.INVITED_PEER,
                    champion.joined_at - timedelta(days=2),
                    None,
                    "champions.invitation",
                    None,
                )
            )
    return facts


def _references(
    rng: random.Random, joined: Sequence[Champion], accounts: Sequence[Account], log: Log
) -> None:
    seller = User.objects.create(email="seller@bench.example", password="!")  # noqa: S106

    def deal_rows() -> Iterable[Deal]:
        for n in range(20_000):
            created = _moment(rng, REFERENCE - YEAR, REFERENCE)
            close = created + timedelta(days=rng.uniform(10, 120))
            closed = close < REFERENCE and rng.random() < 0.8
            yield Deal(
                name=f"Metrics deal {n}",
                account=rng.choice(accounts),
                amount=Decimal(rng.randrange(5_000, 200_000)),
                created_at=created,
                close_date=close,
                is_closed=closed,
                is_won=closed and rng.random() < 0.4,
            )

    deals = _bulk(Deal, deal_rows(), log)
    requests = []
    for n, deal in enumerate(rng.sample(deals, 8000)):
        requested = deal.created_at + timedelta(days=rng.uniform(0, 20))
        giver = rng.choice(joined)
        held = requested + timedelta(days=rng.uniform(2, 20))
        fulfilled = held < REFERENCE and rng.random() < 0.7
        requests.append(
            ReferenceRequest(
                requested_by=seller,
                deal=deal,
                prospect_company=f"Prospect {n}",
                prospect_industry=Industry.SOFTWARE,
                prospect_region=Region.EMEA,
                prospect_size_band=SizeBand.M,
                activity_type=ActivityType.CALL,
                requested_at=requested,
                offer_due_at=requested + timedelta(days=2),
                status=RequestStatus.COMPLETED if held < REFERENCE else RequestStatus.OFFERED,
                champion=giver,
                completed_at=held if held < REFERENCE else None,
                outcome=(RequestOutcome.HELD if fulfilled else RequestOutcome.CANCELLED)
                if held < REFERENCE
                else "",
                fulfilled_at=held if fulfilled else None,
            )
        )
    made = _bulk(ReferenceRequest, requests, log)
    _bulk(
        Attribution,
        (
            Attribution(
                request=r,
                champion=r.champion,
                deal=r.deal,
                type=r.activity_type,
                date=r.fulfilled_at,
            )
            for r in made
            if r.fulfilled_at is not None
        ),
        log,
    )
    _bulk(
        ConsentRecord,
        (
            ConsentRecord(
                champion=c,
                scope=ConsentScope.REFERENCE_CALL,
                granted=True,
                text_version="1",
                text_hash="0" * 64,
                method=ConsentMethod.PORTAL,
                recorded_at=_moment(rng, REFERENCE - YEAR, REFERENCE),
            )
            for c in joined
            if rng.random() < 0.15
        ),
        log,
    )
    refresh_reference_call_consent()


def _reports(
    rng: random.Random, joined: Sequence[Champion], guilds: Sequence[Guild], log: Log
) -> None:
    try:
        from programs.governance.models import Report, ReportCategory, ReportSource
    except ImportError:
        log("  reports: governance not installed, none")
        return

    def rows() -> Iterable[Any]:
        for _ in range(2000):
            made = _moment(rng, REFERENCE - YEAR, REFERENCE)
            acted = made + timedelta(hours=rng.expovariate(1 / 20))
            closed = acted + timedelta(hours=rng.uniform(1, 100))
            yield Report(
                reporter=rng.choice(joined),
                source=ReportSource.PORTAL,
                category=rng.choice(ReportCategory.values),
                description="Bench report.",
                guild=rng.choice(guilds),
                made_at=made,
                sla_hours=48,
                due_at=made + timedelta(hours=48),
                first_action_at=acted if acted < REFERENCE else None,
                closed_at=closed if closed < REFERENCE and rng.random() < 0.9 else None,
            )

    _bulk(Report, rows(), log)


PRESENCE = (ActivityKind.LOGIN, ActivityKind.PAGE_VIEW, ActivityKind.TEMPLATE_VIEWED)
OTHER = (
    ActivityKind.MODERATED,
    ActivityKind.GAVE_REFERENCE,
    ActivityKind.WROTE_STORY,
    ActivityKind.LED_GUILD,
)
COLUMNS = (
    "champion_id",
    "kind",
    "level",
    "occurred_at",
    "guild_id",
    "source",
    "subject_type",
    "subject_id",
    "metadata",
    "recorded_at",
)


def _copy_activities(
    rng: random.Random, facts: list[Fact], joined: Sequence[Champion], total: int, log: Log
) -> None:
    """The facts, then presence and other contributions up to `total`, with COPY."""
    facts = [fact for fact in facts if fact[2] >= REFERENCE - YEAR and fact[2] < REFERENCE]
    fill = total - len(facts)
    for n in range(max(fill, 0)):
        person = rng.choice(joined)
        kind = rng.choice(PRESENCE) if n % 20 else rng.choice(OTHER)
        facts.append((person.pk, kind, _moment(rng, REFERENCE - YEAR, REFERENCE), None, "", None))
    # An append-only log is written as things happen: in time order, as in production.
    facts = sorted(facts[:total], key=lambda fact: fact[2])
    buffer = io.StringIO()
    for champion_id, kind, when, guild_id, subject_type, subject_id in facts:
        buffer.write(
            "\t".join(
                (
                    str(champion_id),
                    kind,
                    str(ACTIVITY_LEVELS[kind]),
                    when.isoformat(),
                    "\\N" if guild_id is None else str(guild_id),
                    "system",
                    subject_type,
                    "\\N" if subject_id is None else str(subject_id),
                    json.dumps({}),
                    when.isoformat(),  # recorded as it happened
                )
            )
            + "\n"
        )
    buffer.seek(0)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY champions_activity ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
    log(f"  Activity: {len(facts):,} (COPY, in time order)")
