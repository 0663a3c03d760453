"""The compute functions of the registry, one module per section of METRICS.md.

Each takes a `MetricContext` and returns a JSON-ready value (numbers, None, dicts, lists).
Pieces several metrics need (the active champions, the deal summary) are computed once per
context, so computing every metric costs one query for each such piece.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet

from programs.clinics.models import HelpfulMark
from programs.metrics.scope import MetricScope, Population

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class MetricContext:
    """One computation: the scope, its population and the pieces shared between metrics."""

    def __init__(self, scope: MetricScope, *, population: Population | None = None) -> None:
        self.scope = scope
        self.population = population or Population(scope)
        # Every statement reads one snapshot (a REPEATABLE READ transaction): nothing another
        # transaction commits meanwhile can come between two of them.
        self.one_snapshot = False
        self._shared: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        """Drop what the computation created (its temporary table); shared values stay."""
        while self._closers:
            self._closers.pop()()

    def discard(self) -> None:
        self._closers.clear()

    @property
    def start(self) -> datetime:
        return self.scope.start

    @property
    def end(self) -> datetime:
        return self.scope.end

    def shared(self, name: str, compute: Callable[[], T]) -> T:
        if name not in self._shared:
            self._shared[name] = compute()
        value: T = self._shared[name]
        return value


def answer_valued(end: datetime) -> Q:
    """For an Answer row: accepted, or marked helpful, by someone other than its author,
    before `end` (acceptance by the asker or a moderator; a mark by anyone else)."""
    accepted = Q(accepted_at__lt=end) & ~Q(accepted_by_id=F("author_user_id"))
    marked = Exists(
        HelpfulMark.objects.filter(answer=OuterRef("pk"), created_at__lt=end).exclude(
            user_id=OuterRef("author_user_id")
        )
    )
    return accepted | Q(marked)


def answer_accepted(end: datetime) -> Q:
    """For an Answer row: accepted before `end` by someone other than its author."""
    return Q(accepted_at__lt=end) & ~Q(accepted_by_id=F("author_user_id"))


def peer_answer(population: Population, asker: F | OuterRef) -> Q:
    """For an Answer row: by a visible (non-staff, non-erased) champion other than the asker.

    Self-answers count for volume elsewhere but never answer their own question.
    """
    return population.visible("author_id") & not_staff_answer(population) & ~Q(author_id=asker)


def not_staff_answer(population: Population) -> Q:
    """For an Answer row: neither flagged a staff answer nor written by a staff user."""
    return Q(is_staff_answer=False) & population.not_staff_user("author_user_id")


def once(queryset: QuerySet[M, T]) -> QuerySet[M, T]:
    """The rows as a derived table, so an aggregate that refers to an annotation several
    times (a correlated subquery) reads one computed column instead of repeating it."""
    return queryset.order_by().distinct()
