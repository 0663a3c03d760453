"""The window's activities as a temporary table, created once per computation.

Half the metrics read the activity log of the window: levels, the heatmap, moderation,
collaboration pairs, template reuse. Each reading the log itself would scan the window
again and apply the population rules again; instead the first one materializes the window
(one scan, with the rules evaluated once into `counted`, `visible` and `moderation`) and the
others read that narrow table. It lives in the computation's connection only and is dropped
when the computation ends (a rollback removes it too: DDL is transactional on PostgreSQL and
SQLite).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Max, Q, QuerySet

from champions.models import Activity, ActivityKind
from programs.metrics.compute import MetricContext
from programs.metrics.models import WindowActivity, WindowChampion
from programs.metrics.sql import compiled, execute

TABLE = WindowActivity._meta.db_table
LEVELS_TABLE = WindowChampion._meta.db_table


def window_activities(ctx: MetricContext) -> QuerySet[WindowActivity]:
    """Every activity dated in the window, with its population flags."""
    ctx.shared("window_table", lambda: _create(ctx))
    return WindowActivity.objects.all()


def _flag(condition: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _create(ctx: MetricContext) -> bool:
    population = ctx.population
    filtered = ctx.scope.filtered
    flags = {
        "visible": _flag(population.visible("champion_id")),
        "moderation": _flag(Q(kind=ActivityKind.MODERATED) & population.moderator_actions()),
    }
    if filtered:
        flags["counted"] = _flag(population.actor("champion_id"))
    source = (
        Activity.objects.filter(occurred_at__gte=ctx.start, occurred_at__lt=ctx.end)
        .annotate(**flags)
        .order_by()
        .values(*COLUMNS, *flags)
    )
    sql, params = compiled(source)
    # Without filters the population is every visible champion: `counted` is `visible`,
    # taken from the row instead of evaluating the same rule twice.
    counted = "" if filtered else ", window_.visible AS counted"
    execute(f"DROP TABLE IF EXISTS {TABLE}")
    execute(
        f"CREATE TEMPORARY TABLE {TABLE} AS SELECT window_.*{counted} FROM ({sql}) window_",  # noqa: S608
        params,
    )
    if connection.vendor == "postgresql":
        # Temporary tables get no statistics by themselves, and without them the planner
        # joins hosts to attendees in a nested loop; a small sample is enough.
        execute("SET LOCAL default_statistics_target = 10")
        execute(f"ANALYZE {TABLE}")
    ctx.on_close(drop)
    return True


COLUMNS = (
    "id",
    "champion_id",
    "kind",
    "level",
    "occurred_at",
    "guild_id",
    "subject_type",
    "subject_id",
)


def drop() -> None:
    execute(f"DROP TABLE IF EXISTS {TABLE}")
    execute(f"DROP TABLE IF EXISTS {LEVELS_TABLE}")


def champion_levels(ctx: MetricContext) -> QuerySet[WindowChampion]:
    """Per champion of the population with any activity in the window, the highest level:
    one grouped pass over the window, kept for the depth and the active champions."""
    ctx.shared("levels_table", lambda: _create_levels(ctx))
    return WindowChampion.objects.all()


def _create_levels(ctx: MetricContext) -> bool:
    per_champion = (
        window_activities(ctx)
        .filter(counted=True)
        .values("champion_id")
        .annotate(top=Max("level"))
        .order_by()
    )
    sql, params = compiled(per_champion)
    execute(f"DROP TABLE IF EXISTS {LEVELS_TABLE}")
    execute(f"CREATE TEMPORARY TABLE {LEVELS_TABLE} AS {sql}", params)
    return True
