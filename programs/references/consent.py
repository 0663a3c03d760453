"""Consent as SQL expressions, so visibility follows a withdrawal without any job.

The latest `ConsentRecord` per champion and scope is the current state (the records are
append-only); the expressions read it with a correlated subquery that the
`(scope, champion, recorded_at, id)` index answers with one index probe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, DateTimeField, F, Func, QuerySet, Value, Window
from django.db.models.functions import Coalesce, FirstValue

from champions.models import ConsentRecord, ConsentScope
from programs.references.models import ReferenceStory


class _LatestGranted(Func):
    """SQL: `granted` of the champion's latest record for the scope at a moment, NULL when
    there is none — one probe of the `consent_latest_per_scope` index.

    The same subquery a `Subquery` of a ConsentRecord queryset would write, but written
    directly: story visibility nests four of them per story, and Django rebuilds a nested
    queryset on every use (about 10 ms of Python per search page for these four alone).
    """

    output_field = BooleanField()

    def __init__(self, champion: F, scope: str, at: datetime) -> None:
        super().__init__(champion, Value(scope), Value(at, output_field=DateTimeField()))

    def as_sql(
        self, compiler: Any, connection: Any, *args: Any, **kwargs: Any
    ) -> tuple[str, tuple[Any, ...]]:
        quote = connection.ops.quote_name
        opts = ConsentRecord._meta
        table = quote(opts.db_table)
        column = {f.name: f"latest_consent.{quote(f.column)}" for f in opts.concrete_fields}
        params: list[Any] = []
        parts = []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        champion, scope, at = parts
        # Names come from the model and values are parameters.
        return (
            f"(SELECT {column['granted']} FROM {table} latest_consent "  # noqa: S608
            f"WHERE {column['champion']} = {champion} AND {column['scope']} = {scope} "
            f"AND {column['recorded_at']} <= {at} "
            f"ORDER BY {column['recorded_at']} DESC, {column['id']} DESC LIMIT 1)",
            tuple(params),
        )


def consent_granted(scope: str, *, at: datetime, champion_ref: str = "pk") -> Coalesce:
    """True when the champion's latest record for `scope` at `at` is a grant; else False.

    `champion_ref` names the champion in the queryset this is used on (`pk` on champions,
    `champion` on a model pointing at one)."""
    return Coalesce(
        _LatestGranted(F(champion_ref), scope, at), Value(False), output_field=BooleanField()
    )


def champions_with_consent(scope: str, *, at: datetime) -> QuerySet[Any]:
    """SQL: the ids of champions whose latest record for `scope` at `at` is a grant.

    Set-based (one pass over the scope's records, a window per champion) for filtering many
    champions at once; the planner hashes it instead of probing once per champion. The
    filter on the window's value stays outside the window (Django's "qualify" subquery), so
    a later withdrawal always wins over an earlier grant.
    """
    return (
        ConsentRecord.objects.filter(scope=scope, recorded_at__lte=at)
        .annotate(
            latest_granted=Window(
                FirstValue("granted"),
                partition_by=[F("champion_id")],
                order_by=[F("recorded_at").desc(), F("id").desc()],
            )
        )
        .filter(latest_granted=True)
        .values("champion_id")
    )


def story_consent_scopes(story: ReferenceStory, *, has_quotes: bool) -> list[str]:
    """The consents a story uses: a case study always; quotes, logo and video when present."""
    scopes = [ConsentScope.CASE_STUDY.value]
    if has_quotes:
        scopes.append(ConsentScope.QUOTE.value)
    if story.logo_permission:
        scopes.append(ConsentScope.LOGO.value)
    if story.video_url:
        scopes.append(ConsentScope.VIDEO.value)
    return scopes
