"""SQL building blocks that read the same on PostgreSQL and SQLite.

- `EpochSeconds`: elapsed seconds between two timestamps, exact to the microsecond
  (PostgreSQL: `EXTRACT(EPOCH FROM a - b)`; SQLite: Django's own `django_timestamp_diff`).
- `median`: PostgreSQL's `percentile_cont(0.5)`; elsewhere the portable form with window
  functions, `AVG` over the one or two middle rows of `ROW_NUMBER() OVER (ORDER BY v)`.
  Both give the mean of the two middle values for an even count (METRICS.md, "Units").
- `run`/`compiled`: a querysets' SQL wrapped in a statement the ORM cannot express
  (recursive chains, a union of pair sets), its parameters kept as the ORM prepared them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, DateTimeField, Expression, FloatField, Func, QuerySet
from django.db.models.sql.compiler import SQLCompiler

# The middle one or two rows of a ranked set: rows (c + 1) / 2 and (c + 2) / 2 in integer
# division are the same row for an odd count and the two middle rows for an even one.
MIDDLE_ROWS = "rn IN ((c + 1) / 2, (c + 2) / 2)"


class EpochSeconds(Func):
    """Seconds elapsed from `earlier` to `later`, as a float (PostgreSQL and SQLite only)."""

    arity = 2
    output_field = FloatField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        (later, later_params), (earlier, earlier_params) = self._parts(compiler)
        sql = f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS double precision)"
        return sql, (*later_params, *earlier_params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        (later, later_params), (earlier, earlier_params) = self._parts(compiler)
        sql = f"(django_timestamp_diff({later}, {earlier}) / 1000000.0)"
        return sql, (*later_params, *earlier_params)

    def _parts(self, compiler: SQLCompiler) -> list[tuple[str, Sequence[Any]]]:
        return [compiler.compile(expression) for expression in self.get_source_expressions()]


class HourStart(Func):
    """The start of the UTC hour of a moment. On PostgreSQL `date_bin`, integer arithmetic
    on the stored microseconds (no calendar, no time zone); on SQLite the text of the hour."""

    arity = 1
    output_field = DateTimeField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"date_bin('1 hour', {sql}, TIMESTAMPTZ '2000-01-03 00:00:00+00')", tuple(params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"strftime('%%Y-%%m-%%d %%H:00:00', {sql})", tuple(params)


def week_hour(column: str) -> str:
    """SQL: the hour of the week (0–167) of an hour's start in `column`, counted from
    Thursday 00:00 UTC (the epoch's weekday); see `week_hour_cell`. Whole hours only."""
    if connection.vendor == "postgresql":
        return f"(CAST(date_part('epoch', {column}) AS bigint) / 3600 %% 168)"
    return f"(CAST(strftime('%%s', {column}) AS INTEGER) / 3600 %% 168)"


def week_hour_cell(hour_of_week: int) -> tuple[int, int]:
    """(ISO weekday 1–7, hour 0–23) of a `week_hour` value; hour 0 is a Thursday."""
    day, hour = divmod(hour_of_week, 24)
    return (3 + day) % 7 + 1, hour


class PercentileMedian(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)`: the median, interpolating an even count."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def compiled(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """The queryset's SQL and parameters, for use inside a hand-written statement."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def expression_sql(expression: Expression | Func) -> tuple[str, tuple[Any, ...]]:
    """An expression's SQL for this database (columns as `RawSQL`), for use inside a
    hand-written statement."""
    from champions.models import Champion

    compiler = Champion.objects.none().query.get_compiler(connection=connection)
    sql, params = compiler.compile(expression)
    return sql, tuple(params)


def run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


@contextmanager
def planner(**settings: str | int) -> Iterator[None]:
    """PostgreSQL planner settings for the statements inside (`SET LOCAL`, so within the
    computation's transaction), back to their defaults after; elsewhere nothing."""
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        for name, value in settings.items():
            execute(f"SET LOCAL {name} = {value}")
    yield
    if postgresql:
        for name in settings:
            execute(f"SET LOCAL {name} TO DEFAULT")


def execute(sql: str, params: Sequence[Any] = ()) -> None:
    """A statement without rows (DDL)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


def median(queryset: QuerySet[Any], value: Expression | Func) -> float | None:
    """The median of `value` over the queryset's rows; rows where it is NULL are skipped.

    The value is written once in the statement (aggregates skip NULLs on PostgreSQL; the
    portable form filters them in the outer query), so a correlated subquery in it runs
    once per row.
    """
    rows = queryset.order_by()
    if connection.vendor == "postgresql":
        return as_float(rows.aggregate(m=PercentileMedian(value))["m"])
    sql, params = compiled(rows.annotate(metric_value=value).values("metric_value"))
    # The ORM's own SQL inside constant text; every value is a parameter.
    statement = (
        "SELECT CAST(AVG(v) AS double precision) FROM ("  # noqa: S608
        "SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS c FROM ("
        f"SELECT metric_value AS v FROM ({sql}) source WHERE metric_value IS NOT NULL) "
        f"values_) ranked WHERE {MIDDLE_ROWS}"
    )
    return as_float(run(statement, params)[0][0])


def summary_select(table: str) -> str:
    """`SELECT max, count, median` of column `v` of `table` (a CTE named before it); on
    PostgreSQL one pass over it (`percentile_cont`), elsewhere the portable median."""
    if connection.vendor == "postgresql":
        return (
            "SELECT MAX(v), COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY v) "  # noqa: S608
            f"FROM {table}"
        )
    return (
        f"SELECT (SELECT MAX(v) FROM {table}), (SELECT COUNT(*) FROM {table}), "  # noqa: S608
        "(SELECT CAST(AVG(v) AS double precision) FROM (SELECT v, ROW_NUMBER() OVER "
        f"(ORDER BY v) AS rn, COUNT(*) OVER () AS c FROM {table}) ranked WHERE {MIDDLE_ROWS})"
    )


def median_select(table: str, column: str) -> str:
    """A scalar subquery: the median of `column` over `table` (a CTE named before it)."""
    if connection.vendor == "postgresql":
        return f"(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY {column}) FROM {table})"  # noqa: S608
    return (
        f"(SELECT CAST(AVG(v) AS double precision) FROM (SELECT {column} AS v, ROW_NUMBER() "  # noqa: S608
        f"OVER (ORDER BY {column}) AS rn, COUNT(*) OVER () AS c FROM {table}) ranked "
        f"WHERE {MIDDLE_ROWS})"
    )


def summary(row: tuple[Any, ...]) -> dict[str, Any]:
    """`{max, median, count}` from a `summary_select` row (METRICS.md shape)."""
    top, count, middle = row
    return {
        "max": None if top is None else int(top),
        "median": as_float(middle),
        "count": int(count or 0),
    }


def least(*parts: str) -> str:
    """The smallest of SQL values (PostgreSQL LEAST, SQLite's multi-argument MIN)."""
    name = "LEAST" if connection.vendor == "postgresql" else "MIN"
    return f"{name}({', '.join(parts)})"


def greatest(*parts: str) -> str:
    name = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{name}({', '.join(parts)})"


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """A share or rate; `None` for a zero denominator (METRICS.md, "Empty")."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator
