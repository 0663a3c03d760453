"""Depth and retention (METRICS.md): levels, cohorts, collaboration, learning transfer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth

from champions.models import (
    ActivityKind,
    ActivityLevel,
    Membership,
    MembershipStatus,
)
from programs.clinics.models import Answer, Question
from programs.library.models import Template
from programs.metrics.compute import MetricContext
from programs.metrics.compute.window import (
    champion_levels,
    in_window,
    window_answers,
)
from programs.metrics.sql import as_float, compiled, greatest, least, planner, ratio, run

LEVELS = {
    ActivityLevel.OBSERVER: "observer",
    ActivityLevel.PARTICIPANT: "participant",
    ActivityLevel.CONTRIBUTOR: "contributor",
    ActivityLevel.LEADER: "leader",
}


def _levels(ctx: MetricContext) -> dict[str, Any]:
    """Champions with any activity in the window, counted by the highest level reached
    (from the per-champion levels of the window, a temporary table)."""

    def compute() -> dict[str, Any]:
        return champion_levels(ctx).aggregate(
            mean=Avg("top"),
            **{name: Count("top", filter=Q(top=level)) for level, name in LEVELS.items()},
        )

    return ctx.shared("levels", compute)


def active_count(ctx: MetricContext) -> int:
    """Active champions: at least one contribution (above observer) in the window."""
    levels = _levels(ctx)
    return int(sum(levels[name] for level, name in LEVELS.items() if level > 1))


def contribution_depth(ctx: MetricContext) -> dict[str, Any]:
    levels = _levels(ctx)
    counts = {name: int(levels[name]) for name in LEVELS.values()}
    total = sum(counts.values())
    return {
        "counts": counts,
        "shares": {name: ratio(count, total) for name, count in counts.items()},
        "total": total,
        "mean": as_float(levels["mean"]),
    }


def _month_key(moment: datetime) -> tuple[int, int]:
    moment = moment.astimezone(UTC)
    return moment.year, moment.month


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)


def retention_by_cohort(ctx: MetricContext) -> dict[str, Any]:
    """Two grouped queries: cohort sizes by join month, then distinct active champions by
    (join month, activity month); the shares are read off those few rows."""
    cohort = ctx.population.champions.filter(joined_at__gte=ctx.start, joined_at__lt=ctx.end)
    sizes = {
        _month_key(row["month"]): row["n"]
        for row in cohort.order_by()
        .annotate(month=TruncMonth("joined_at", tzinfo=UTC))
        .values("month")
        .annotate(n=Count("pk"))
    }
    if not sizes:
        return {}
    first = _month_start(*min(sizes))
    # From the cohort's champions (one scan, with their joining) to their contributions,
    # not from the contributions to a list of the cohort and then to champions again.
    active_rows = (
        cohort.filter(
            activities__level__gt=ActivityLevel.OBSERVER,
            activities__occurred_at__gte=first,
            activities__occurred_at__lt=ctx.end,
        )
        .order_by()
        .annotate(
            cohort_month=TruncMonth("joined_at", tzinfo=UTC),
            month=TruncMonth("activities__occurred_at", tzinfo=UTC),
        )
        .values("cohort_month", "month")
        .annotate(n=Count("pk", distinct=True))
    )
    # A nested loop, the champion's index-only range per cohort member: the planner, which
    # overestimates the cohort, would hash it against every contribution of the months.
    with planner(enable_hashjoin="off", enable_mergejoin="off"):
        active = {
            (_month_key(row["cohort_month"]), _month_key(row["month"])): row["n"]
            for row in active_rows
        }
    return {
        f"{year:04d}-{month:02d}": _cohort_row((year, month), size, active, ctx.end)
        for (year, month), size in sorted(sizes.items())
    }


def _cohort_row(
    cohort: tuple[int, int],
    size: int,
    active: dict[tuple[tuple[int, int], tuple[int, int]], int],
    end: datetime,
) -> dict[str, Any]:
    shares: list[float] = []
    year, month = cohort
    offset = 0
    while _month_start(year, month + offset) < end:
        target = _month_start(year, month + offset)
        shares.append(active.get((cohort, (target.year, target.month)), 0) / size)
        offset += 1
    return {"size": size, "shares": shares}


def collaboration_density(ctx: MetricContext) -> float | None:
    """Distinct unordered pairs of active champions who answered one another's question,
    were paired as buddies, or one hosted a clinic the other attended, in the window — over
    n(n−1)/2. One statement: the three pair sets as a union, ordered by (smaller, larger)
    id, kept where both are active, counted distinct."""
    n = active_count(ctx)
    if n < 2:
        return None
    # From the program's tables, not the window's temporary tables: with the levels, this
    # metric is computed on the second connection (`split.ALONGSIDE`).
    window = in_window(ctx)
    parts = [
        (
            "answer_pairs(a, b)",
            Answer.objects.filter(posted_at__gte=ctx.start, posted_at__lt=ctx.end).values_list(
                "author_id", "question__asker_id"
            ),
        ),
        (
            "buddy_pairs(a, b)",
            window.filter(
                kind=ActivityKind.MENTORED_AS_BUDDY, subject_type="champions.champion"
            ).values_list("champion_id", "subject_id"),
        ),
        (
            "hosts(event, person)",
            window.filter(kind=ActivityKind.HOSTED_CLINIC, subject_type="events.event").values_list(
                "subject_id", "champion_id"
            ),
        ),
        (
            "attendees(event, person)",
            window.filter(
                kind=ActivityKind.ATTENDED_EVENT, subject_type="events.event"
            ).values_list("subject_id", "champion_id"),
        ),
    ]
    ctes: list[str] = []
    params: list[Any] = []
    for name, queryset in parts:
        sql, part_params = compiled(queryset.order_by())
        ctes.append(f"{name} AS ({sql})")
        params.extend(part_params)
    # The active champions straight from the (analyzed) table of levels, not a CTE: the
    # planner then hashes it for a semi-join instead of deduplicating it first. The level
    # is a constant of the code, not input.
    active = (
        f"SELECT champion_id FROM {champion_levels(ctx).model._meta.db_table} "  # noqa: S608
        f"WHERE top > {int(ActivityLevel.OBSERVER)}"
    )
    # The ORM's own SQL inside constant text; every value is a parameter.
    pairs_sql = (
        "raw_pairs(a, b) AS (SELECT a, b FROM answer_pairs UNION ALL "  # noqa: S608
        "SELECT a, b FROM buddy_pairs UNION ALL SELECT hosts.person, attendees.person "
        "FROM hosts JOIN attendees ON hosts.event = attendees.event), "
        f"pairs AS (SELECT DISTINCT {least('a', 'b')} AS lo, {greatest('a', 'b')} AS hi "
        f"FROM raw_pairs WHERE a <> b AND a IN ({active}) AND b IN ({active})) "
        "SELECT COUNT(*) FROM pairs"
    )
    pairs = run("WITH " + ", ".join([*ctes, pairs_sql]), params)[0][0]
    return ratio(pairs, n * (n - 1) / 2)


def _not_member(guild: Any, champion: Any, at: Any) -> Q:
    """The champion was not an active member of the guild at the moment (no guild: nobody
    is a member)."""
    membership = Membership.objects.filter(
        guild_id=guild, champion_id=champion, status=MembershipStatus.ACTIVE, joined_at__lte=at
    )
    return ~Q(Exists(membership))


def learning_transfer_rate(ctx: MetricContext) -> float | None:
    """Templates published and accepted answers posted in the window, and how many of them a
    champion outside the item's guild reused in the window (downloaded or forked a template;
    asked a later question building on the answer's question)."""
    population = ctx.population
    published = Template.objects.filter(
        population.actor("author_id"), published_at__gte=ctx.start, published_at__lt=ctx.end
    )
    # The reused templates as one uncorrelated set of ids (hashed once), found from the
    # template's side: each published template is matched against the window's reuses of it
    # in a semi-join, which stops at the first reuse from outside its guild (the guild is the
    # template's own column, not a lookup per reuse).
    reuses_outside = (
        in_window(ctx)
        .filter(
            population.visible("champion_id"),
            kind=ActivityKind.REUSED_TEMPLATE,
            subject_type="library.template",
            subject_id=OuterRef("pk"),
        )
        .filter(
            _not_member(
                OuterRef(OuterRef("guild_id")), OuterRef("champion_id"), OuterRef("occurred_at")
            )
        )
    )
    transferred = published.filter(Exists(reuses_outside)).values("pk")
    templates = published.aggregate(
        items=Count("pk"), reused=Count("pk", filter=Q(pk__in=transferred))
    )
    # The answers built on: a semi-join in the WHERE clause of a count of its own (in the
    # aggregate's FILTER it would be a subquery per answer), against the window's questions
    # that build on anything (few, from the index on the link).
    builds_on = Question.objects.filter(
        population.visible("asker_id"),
        _not_member(
            OuterRef(OuterRef("question_guild_id")), OuterRef("asker_id"), OuterRef("posted_at")
        ),
        builds_on_id__isnull=False,
        builds_on_id=OuterRef("question_id"),
        posted_at__gte=ctx.start,
        posted_at__lt=ctx.end,
        posted_at__gt=OuterRef("posted_at"),
    )
    answers = (
        window_answers(ctx)
        .filter(counted=True, accepted=True, posted_at__gte=ctx.start, posted_at__lt=ctx.end)
        .exclude(author_id=F("asker_id"))
    )
    items_sql, items_params = compiled(answers.values("pk"))
    reused_sql, reused_params = compiled(answers.filter(Exists(builds_on)).values("pk"))
    # The ORM's own SQL inside constant text; every value is a parameter.
    statement = (
        f"SELECT (SELECT COUNT(*) FROM ({items_sql}) items), "  # noqa: S608
        f"(SELECT COUNT(*) FROM ({reused_sql}) reused)"
    )
    items, reused = run(statement, (*items_params, *reused_params))[0]
    return ratio(templates["reused"] + reused, templates["items"] + items)
