"""What the metrics read off the window's activity log, each in one pass over the window.

The log is the largest table; the metrics that read the window need different things from
it, each taken in a single pass, once per computation:

- `champion_levels`: per champion of the population with any activity in the window, the
  highest level (a temporary table; the depth, the active champions, collaboration);
- `hour_counts`: per hour of the week, the contributions, moderator actions and
  interactions (168 rows at most; the heatmap and the moderation effort);
- `in_window`: the window's activities of one kind whose subject a metric joins
  (attendance, template reuse), each read where it is needed from the log's covering index
  on (kind, time) (the first value moments, template reuse, learning transfer): copying
  them into a temporary table first cost more than these index-only reads (measured,
  BENCHMARKS.md).

Likewise `window_answers`: the answers with their question's fields and the answer rules
(peer, counted, accepted, valued) evaluated once, for the metrics that read the window's answers.

The temporary tables live in the computation's connection only and are dropped when it ends
(a rollback removes them too: DDL is transactional on PostgreSQL and SQLite).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from champions.models import Activity, ActivityKind, ActivityLevel
from programs.clinics.models import Answer
from programs.metrics.compute import (
    MetricContext,
    answer_accepted,
    answer_valued,
    not_staff_answer,
    peer_answer,
)
from programs.metrics.models import (
    ActivityHourCount,
    HourCountsState,
    WindowAnswer,
    WindowChampion,
)
from programs.metrics.scope import EARLIEST, hour_start, one_of
from programs.metrics.sql import (
    HourStart,
    compiled,
    execute,
    planner,
    run,
    week_hour,
)

LEVELS_TABLE = WindowChampion._meta.db_table
ANSWERS_TABLE = WindowAnswer._meta.db_table

INTERACTION_KINDS = (
    ActivityKind.ASKED_QUESTION,
    ActivityKind.ANSWERED_QUESTION,  # self-answers too: they count for volume
    ActivityKind.RSVP,
    ActivityKind.SHARED_TEMPLATE,
)


def _clear(ctx: MetricContext) -> None:
    """Before the computation's first temporary table: drop any left by an earlier one in
    this connection, and drop them all when the computation ends (one statement each)."""

    def drop() -> None:
        tables = (LEVELS_TABLE, ANSWERS_TABLE)
        if connection.vendor == "postgresql":
            execute(f"DROP TABLE IF EXISTS {', '.join(tables)}")
        else:  # SQLite drops one table per statement
            for table in tables:
                execute(f"DROP TABLE IF EXISTS {table}")

    def clear() -> bool:
        drop()
        ctx.on_close(drop)
        return True

    ctx.shared("clear", clear)


def _analyze(table: str) -> None:
    """Temporary tables get no statistics by themselves, and without them the planner
    misjudges every join to them (hosts to attendees in a nested loop, the active champions
    deduplicated before a semi-join); a small sample is enough."""
    if connection.vendor == "postgresql":
        execute("SET LOCAL default_statistics_target = 10")
        execute(f"ANALYZE {table}")


def in_window(ctx: MetricContext) -> QuerySet[Activity]:
    return Activity.objects.filter(occurred_at__gte=ctx.start, occurred_at__lt=ctx.end).order_by()


def _flag(condition: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(condition, output_field=BooleanField())


def champion_levels(ctx: MetricContext) -> QuerySet[WindowChampion]:
    """Per champion of the population with any activity in the window, the highest level:
    one grouped pass over the window, kept for the depth and the active champions."""
    ctx.shared("levels_table", lambda: _create_levels(ctx))
    return WindowChampion.objects.all()


def _create_levels(ctx: MetricContext) -> bool:
    per_champion = (
        in_window(ctx)
        .filter(ctx.population.actor("champion_id"))
        .values("champion_id")
        .annotate(top=Max("level"))
    )
    sql, params = compiled(per_champion)
    _clear(ctx)
    # Grouping the window by champion: a sort in memory by one process takes half the time
    # of a hash table as large as the champions, or of parallel workers merging their sorts
    # (measured, BENCHMARKS.md).
    with planner(enable_hashagg="off", max_parallel_workers_per_gather=0):
        execute(f"CREATE TEMPORARY TABLE {LEVELS_TABLE} AS {sql}", params)
    _analyze(LEVELS_TABLE)
    return True


def hour_counts(ctx: MetricContext) -> list[dict[str, Any]]:
    """Per hour of the week (UTC, `week_hour`): contributions of the population and
    moderator actions (the heatmap), moderator actions alone, and interactions of the
    population (the moderation effort), in one statement.

    Filtered scopes count the window's contributions in the log, grouped by the hour they
    fall in (cheap integer arithmetic per row; every kind counted here is above observer).
    Program-wide, the hours the roll-up has counted (`ActivityHourCount`) are read from it,
    less the invisible champions' activities in them, and the rest from the log: the
    window's partial hours, the hours not rolled up yet, and activities recorded since the
    last roll-up (docs/decisions/0005-activity-hour-counts.md). Then the few hours are
    folded into the 168 hours of the week."""

    def compute() -> list[dict[str, Any]]:
        # One transaction: the roll-up's state, locked against a roll-up committing before
        # the counts are read (an activity would be counted twice or not at all).
        with transaction.atomic():
            if ctx.scope.filtered:
                parts = [_per_hour(ctx, in_window(ctx))]
            else:
                parts = _rolled_up_parts(ctx, *_roll_up_state(lock=not ctx.one_snapshot))
            sql = " UNION ALL ".join(part for part, _ in parts)
            params = tuple(value for _, part_params in parts for value in part_params)
            # The ORM's own SQL inside constant text; every value is a parameter.
            statement = (
                f"SELECT {week_hour('hours.hour')}, SUM(contributions), SUM(actions), "  # noqa: S608
                f"SUM(interactions) FROM ({sql}) hours GROUP BY 1"
            )
            # A plain scan and count of the window: worth parallel workers, which the
            # planner's default costs refuse it (half the time on two cores; measured,
            # BENCHMARKS.md). Not for the few rows around the roll-up: starting the workers
            # takes longer than reading them (the planner would start two: 8 ms without
            # them, 12-17 ms with them, more while the other connection keeps a core busy).
            parallel = {"parallel_setup_cost": 0, "parallel_tuple_cost": 0}
            serial = {"max_parallel_workers_per_gather": 0}
            with planner(**(parallel if ctx.scope.filtered else serial)):
                rows = run(statement, params)
        names = ("hour_of_week", "contributions", "actions", "interactions")
        return [dict(zip(names, (int(value) for value in row), strict=True)) for row in rows]

    return ctx.shared("hour_counts", compute)


def _roll_up_state(*, lock: bool) -> tuple[int, datetime]:
    """(through_id, until) of the roll-up (nothing counted without its state row), with a
    shared lock on PostgreSQL until the transaction ends: a roll-up waits for it. Not in
    one snapshot (`lock=False`): the state and the counts are then read as one roll-up
    left them, whatever commits meanwhile (and a lock on a row changed since the snapshot
    would fail the computation)."""
    for_share = " FOR SHARE" if lock and connection.vendor == "postgresql" else ""
    table = HourCountsState._meta.db_table
    rows = run(f"SELECT through_id, until FROM {table} WHERE id = 1{for_share}", ())  # noqa: S608
    if not rows:
        return 0, EARLIEST
    through_id, until = rows[0]
    return int(through_id), _as_moment(until)


def _as_moment(value: Any) -> datetime:
    """A datetime column read by a hand-written statement (SQLite gives its text)."""
    converted: datetime = HourCountsState._meta.get_field("until").to_python(value)
    return converted if converted.tzinfo else converted.replace(tzinfo=UTC)


def _next_hour(moment: datetime) -> datetime:
    """The first whole hour's start at or after `moment`."""
    start = hour_start(moment)
    return start if start == moment else start + timedelta(hours=1)


def _rolled_up_parts(
    ctx: MetricContext, through_id: int, until: datetime
) -> list[tuple[str, tuple[Any, ...]]]:
    """The window's counts by hour as parts of a union: the roll-up's counts for the
    window's whole hours it has counted, `[first, last)`, less the invisible champions'
    rows in them, and the log for the rest."""
    first = min(_next_hour(ctx.start), ctx.end)
    last = max(first, min(hour_start(ctx.end), until))
    window = in_window(ctx)
    counted_hours = Q(occurred_at__gte=first, occurred_at__lt=last)
    log = [
        window.filter(occurred_at__lt=first),
        window.filter(occurred_at__gte=last),
        # Activities in the counted hours that the roll-up has not counted yet.
        window.filter(counted_hours, pk__gt=through_id),
    ]
    counted = (
        ActivityHourCount.objects.filter(hour__gte=first, hour__lt=last)
        .order_by()
        .values("hour")
        .annotate(
            contributions=_sum(Q(anonymous=False) | Q(kind=ActivityKind.MODERATED)),
            actions=_sum(Q(kind=ActivityKind.MODERATED)),
            interactions=_sum(Q(kind__in=INTERACTION_KINDS, anonymous=False)),
        )
    )
    parts = [*(_per_hour(ctx, part) for part in log), compiled(counted)]
    # The roll-up counts everyone's activities; the invisible champions' count only as the
    # definitions say (a staff moderator's actions do, nothing of an erased champion does):
    # their rows in the counted hours, from the champion's index (a few), correct that.
    invisible = ctx.population.invisible  # a list, or a subquery past INLINE_LIMIT
    if not isinstance(invisible, list) or invisible:
        rows = window.filter(counted_hours, one_of("champion_id", invisible), pk__lte=through_id)
        parts.append(_per_hour(ctx, rows, less_counted=True))
    return parts


def _sum(condition: Q) -> Coalesce:
    return Coalesce(Sum("count", filter=condition), 0)


def _per_hour(
    ctx: MetricContext, activities: QuerySet[Activity], *, less_counted: bool = False
) -> tuple[str, tuple[Any, ...]]:
    """The contributions among `activities` by hour: counted as the metrics count them, or
    (`less_counted`) less what the roll-up counted of them (`ActivityHourCount`)."""
    population = ctx.population
    counted = population.actor("champion_id")
    moderated = Q(kind=ActivityKind.MODERATED)
    moderation = moderated & population.moderator_actions()
    interactions = Q(kind__in=INTERACTION_KINDS)
    figures: dict[str, Any] = {
        "contributions": Count("pk", filter=counted | moderation),
        "actions": Count("pk", filter=moderation),
        "interactions": Count("pk", filter=interactions & counted),
    }
    if less_counted:
        rolled_up = {
            "contributions": Count("pk"),
            "actions": Count("pk", filter=moderated),
            "interactions": Count("pk", filter=interactions),
        }
        figures = {name: figure - rolled_up[name] for name, figure in figures.items()}
    return compiled(
        activities.filter(level__gt=ActivityLevel.OBSERVER)
        .annotate(hour=HourStart("occurred_at"))
        .values("hour")
        .annotate(**figures)
    )


def window_answers(ctx: MetricContext) -> QuerySet[WindowAnswer]:
    """The answers the metrics read, with their question (asker, posting, guild, the
    question it builds on) and the rules of METRICS.md as flags (`WindowAnswer`)."""
    ctx.shared("answers_table", lambda: _create_answers(ctx))
    return WindowAnswer.objects.all()


def _create_answers(ctx: MetricContext) -> bool:
    population, start, end = ctx.population, ctx.start, ctx.end
    posted_in_window = Q(posted_at__gte=start, posted_at__lt=end)
    source = (
        # The rows some metric reads: answers posted in the window, answers to questions
        # asked in it (first answers), and answers accepted in it (solved chains: a few
        # hundred beyond the others). The accepted answers from before the window, most of
        # all, are not copied: solved chains look up the few they need by index.
        Answer.objects.filter(
            posted_in_window
            | Q(question__posted_at__gte=start, question__posted_at__lt=end, posted_at__lt=end)
            | Q(accepted_at__gte=start, accepted_at__lt=end)
        )
        .order_by()
        .values(
            "id",
            "question_id",
            "author_id",
            "posted_at",
            "accepted_at",
            asker_id=F("question__asker_id"),
            asked_at=F("question__posted_at"),
            question_guild_id=F("question__guild_id"),
            builds_on_id=F("question__builds_on_id"),
            peer=_flag(peer_answer(population, F("question__asker_id"))),
            counted=_flag(population.actor("author_id") & not_staff_answer(population)),
            accepted=_flag(answer_accepted(end)),
            # The helpful marks are looked up only for the window's answers, the only ones
            # a metric asks about (and only when not accepted).
            valued=_flag(posted_in_window & answer_valued(end)),
        )
    )
    sql, params = compiled(source)
    _clear(ctx)
    execute(f"CREATE TEMPORARY TABLE {ANSWERS_TABLE} AS {sql}", params)
    _analyze(ANSWERS_TABLE)
    return True
