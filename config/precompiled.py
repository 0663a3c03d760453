"""Querysets compiled once per process, run again and again with new values.

Building a queryset and compiling it costs Django 1–3 ms of Python per query, more than
PostgreSQL needs to answer a small one. A hot read whose shape never changes (the details of
a reference search page, the stories sales may use) is therefore compiled once per database
vendor with placeholder values, and each call puts its own values where the placeholders
landed among the compiled parameters. The database still evaluates the whole query every
time: nothing is cached but the SQL text.

    DETAILS = Precompiled(
        lambda ids, at: Champion.objects.filter(AnyOf("pk", ids), joined_at__lte=at),
        ids=Ids,
        at=Moment,
    )
    DETAILS.rows(ids=[3, 5, 8], at=timezone.now())

Kinds of placeholder: `Ids` (a list of ids, through `AnyOf`), `Moment` (a datetime) and `Number`
(an integer, say a setting that a test may change).

A value the queryset derives from a placeholder (`at - 90 days`) is named in `derived`, with
the placeholder it comes from and how. Compiling raises if a placeholder (or, when values
are derived, a derived value) does not appear among the parameters as itself, which is what
happens when the queryset transforms a placeholder without saying so. Declare every value a
queryset derives from its placeholders: one left undeclared could run with a placeholder.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, QuerySet
from django.db.models.expressions import RawSQL

_serial = itertools.count(1)


class AnyOf(Func):
    """SQL: `expression` is one of `values`, written with a single parameter whatever the
    number of values (`= ANY(%s)` with an array on PostgreSQL, `IN (SELECT value FROM
    json_each(%s))` on SQLite), so the compiled SQL is the same for every list."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression: str | F, values: Sequence[int]) -> None:
        super().__init__(F(expression) if isinstance(expression, str) else expression)
        self.values = list(values)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"{sql} = ANY(%s::bigint[])", [*params, adapt_ids(connection, self.values)]

    def as_sqlite(  # type: ignore[override]
        self, compiler: Any, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return (
            f"{sql} IN (SELECT value FROM json_each(%s))",  # noqa: S608 (compiled SQL)
            [*params, adapt_ids(connection, self.values)],
        )


def adapt_ids(connection: BaseDatabaseWrapper, values: Sequence[int]) -> Any:
    """A list of ids as `AnyOf` passes it: on PostgreSQL the text of an array, which the SQL
    casts to `bigint[]`; JSON text elsewhere.

    `bigint[]`, as the id columns are: psycopg would size small ids as `int4[]`, and
    PostgreSQL then compares bigint with int4 element by element instead of through a hash
    of the array (six times slower over a window of the log; measured). Text made once per
    list: the metrics pass the same few hundred ids to some forty statements, and psycopg
    dumping each element every time cost 15 ms of Python per computation (measured)."""
    ids = tuple(int(v) for v in values)
    if connection.vendor == "postgresql":
        return _array_text(ids)
    return _json_text(ids)


@functools.lru_cache(maxsize=64)
def _array_text(ids: tuple[int, ...]) -> str:
    return "{" + ",".join(map(str, ids)) + "}"


@functools.lru_cache(maxsize=64)
def _json_text(ids: tuple[int, ...]) -> str:
    return json.dumps(ids)


def Ids() -> list[int]:
    """A placeholder list of ids no caller passes."""
    return [-1_000_000_000 - next(_serial)]


def Moment() -> datetime:
    """A placeholder moment no caller passes."""
    return datetime(1901, 2, 3, tzinfo=UTC) + timedelta(microseconds=next(_serial))


def Number() -> int:
    """A placeholder integer no caller passes (for a setting read at run time)."""
    return -2_000_000_000 - next(_serial)


def _adapt(connection: BaseDatabaseWrapper, value: Any) -> Any:
    if isinstance(value, bool):
        raise TypeError("No placeholder kind for bool")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, list):
        return adapt_ids(connection, value)
    raise TypeError(f"No placeholder kind for {type(value).__name__}")


def _same(param: Any, value: Any) -> bool:
    """`param` is the placeholder `value` as compiled. An integer may come back wrapped in
    the driver's sized type (psycopg's `Int4` for an IntegerField value on PostgreSQL)."""
    if isinstance(value, int) and not isinstance(param, bool) and isinstance(param, int):
        return int(param) == value
    return type(param) is type(value) and bool(param == value)


@dataclass
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: list[tuple[int, str]]  # (index among the parameters, placeholder name)
    converters: dict[int, tuple[list[Any], Any]]


class Precompiled:
    """`build(**placeholders)`'s SQL, compiled on first use per vendor (see the module)."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        derived: Mapping[str, tuple[str, Callable[[Any], Any]]] | None = None,
        **kinds: Callable[[], Any],
    ) -> None:
        self.build = build
        self.kinds = kinds
        self.derived = dict(derived or {})
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self) -> _Compiled:
        compiled = self._compiled.get(connection.vendor)
        if compiled is not None:
            return compiled
        sentinels = {name: kind() for name, kind in self.kinds.items()}
        queryset = self.build(**sentinels)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        every = {**sentinels, **self._derive(sentinels)}
        adapted = {name: _adapt(connection, value) for name, value in every.items()}
        slots = [
            (index, name)
            for index, param in enumerate(params)
            for name, value in adapted.items()
            if _same(param, value)
        ]
        # A placeholder may appear only through what is derived from it (`at - 90 days`).
        required = set(every) - {base for base, _ in self.derived.values()}
        missing = required - {name for _, name in slots}
        if missing:
            raise RuntimeError(
                f"Placeholders {sorted(missing)} are not among the compiled parameters: the "
                "queryset transforms them (declare the result in `derived`)."
            )
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        compiled = _Compiled(sql, tuple(params), slots, compiler.get_converters(fields))
        self._compiled[connection.vendor] = compiled
        return compiled

    def _derive(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: derive(values[base]) for name, (base, derive) in self.derived.items()}

    def _params(self, compiled: _Compiled, values: Mapping[str, Any]) -> list[Any]:
        if set(values) != set(self.kinds):
            raise TypeError(f"Expected values for {sorted(self.kinds)}, got {sorted(values)}")
        every = {**values, **self._derive(values)}
        params = list(compiled.params)
        for index, name in compiled.slots:
            value = _adapt(connection, every[name])
            if isinstance(value, int):
                value = type(compiled.params[index])(value)  # psycopg's Int4 etc., kept
            params[index] = value
        return params

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows, with the fields' own conversions (JSON, booleans, times on SQLite...)."""
        compiled = self._compile()
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, values))
            rows = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for index, (converters, expression) in compiled.converters.items():
                value = row[index]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[index] = value
            converted.append(tuple(row))
        return converted

    def raw(self, **values: Any) -> RawSQL:
        """The query as a subquery, e.g. for `pk__in=` (its SELECT list must be one column)."""
        compiled = self._compile()
        return RawSQL(compiled.sql, self._params(compiled, values))  # noqa: S611 (compiled by Django)
