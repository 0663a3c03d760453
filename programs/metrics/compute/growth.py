"""Growth and activation (METRICS.md): first value, invitations, referral chains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Least, NullIf

from champions.models import Activity, ActivityKind, Champion, Invitation
from programs.clinics.models import Answer
from programs.events.models import FIRST_VALUE_KINDS, Event
from programs.library.models import Template
from programs.metrics.compute import MetricContext, answer_valued, peer_answer
from programs.metrics.compute.depth import active_count
from programs.metrics.scope import SECONDS_PER_DAY, Population
from programs.metrics.sql import EpochSeconds, compiled, median, ratio, run, summary, summary_select

ACTIVATION_DAYS = 30
# Stands in for "no moment" where SQLite's MIN(a, b, c) would turn one NULL into NULL.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


# --- the first value moment ---------------------------------------------------------------


def value_moments(
    population: Population, *, end: datetime, within: timedelta | None = None
) -> list[QuerySet[Any]]:
    """For a Champion row (OuterRef "pk", "joined_at"): the three kinds of first value moment,
    each a queryset of moment times ordered earliest first, from joining until `end`
    (and, given `within`, no later than joining + `within`).

    1. an answer by another visible champion to one's question, accepted or marked helpful
       by someone other than its author before `end` (the moment: the answer's posting);
    2. attending a demo or clinic (the moment: its start);
    3. downloading or forking a template by another visible champion.
    """
    joined = OuterRef("joined_at")

    def bounded(field: str) -> Q:
        bounds = Q(**{f"{field}__gte": joined, f"{field}__lt": end})
        if within is not None:
            bounds &= Q(**{f"{field}__lte": joined + within})
        return bounds

    answers = (
        Answer.objects.filter(bounded("posted_at"), question__asker_id=OuterRef("pk"))
        .filter(peer_answer(population, F("question__asker_id")))
        .filter(answer_valued(end))
        .order_by("posted_at")
        .values("posted_at")
    )
    attended = (
        Activity.objects.filter(
            bounded("occurred_at"),
            champion_id=OuterRef("pk"),
            kind=ActivityKind.ATTENDED_EVENT,
            subject_type="events.event",
            subject_id__in=Event.objects.filter(kind__in=FIRST_VALUE_KINDS).values("pk"),
        )
        .order_by("occurred_at")
        .values("occurred_at")
    )
    peer_template = Template.objects.filter(pk=OuterRef("subject_id")).filter(
        population.visible("author_id") & ~Q(author_id=OuterRef("champion_id"))
    )
    reused = (
        Activity.objects.filter(
            bounded("occurred_at"),
            champion_id=OuterRef("pk"),
            kind=ActivityKind.REUSED_TEMPLATE,
            subject_type="library.template",
        )
        .filter(Exists(peer_template))
        .order_by("occurred_at")
        .values("occurred_at")
    )
    return [answers, attended, reused]


def first_value_at(population: Population, *, end: datetime) -> NullIf:
    """For a Champion row: the first value moment before `end`, or NULL."""
    earliest = [
        Coalesce(Subquery(moments[:1]), Value(NEVER), output_field=DateTimeField())
        for moments in value_moments(population, end=end)
    ]
    return NullIf(Least(*earliest), Value(NEVER), output_field=DateTimeField())


def _joined_in_window(ctx: MetricContext) -> QuerySet[Champion]:
    return ctx.population.champions.filter(joined_at__gte=ctx.start, joined_at__lt=ctx.end)


def activation_rate(ctx: MetricContext) -> float | None:
    within = timedelta(days=ACTIVATION_DAYS)
    moments = value_moments(ctx.population, end=ctx.end, within=within)
    activated = Exists(moments[0]) | Exists(moments[1]) | Exists(moments[2])
    counts = _joined_in_window(ctx).aggregate(
        joined=Count("pk"), activated=Count("pk", filter=Q(activated))
    )
    return ratio(counts["activated"], counts["joined"])


def time_to_first_value_days(ctx: MetricContext) -> float | None:
    # One expression, so the three correlated subqueries appear once in the statement.
    first_value = first_value_at(ctx.population, end=ctx.end)
    seconds = median(_joined_in_window(ctx), EpochSeconds(first_value, F("joined_at")))
    return None if seconds is None else seconds / SECONDS_PER_DAY


# --- invitations --------------------------------------------------------------------------


def _peer_invitations(ctx: MetricContext) -> QuerySet[Invitation]:
    """Invitations sent by a champion of the population (a peer invitation)."""
    return Invitation.objects.filter(ctx.population.actor("invited_by_champion_id"))


def _accepted_in_window(ctx: MetricContext) -> Q:
    return Q(accepted_at__gte=ctx.start, accepted_at__lt=ctx.end) & ctx.population.visible(
        "champion_id"
    )


def _invitation_counts(ctx: MetricContext) -> dict[str, int]:
    def compute() -> dict[str, int]:
        return _peer_invitations(ctx).aggregate(
            sent=Count("pk", filter=Q(sent_at__gte=ctx.start, sent_at__lt=ctx.end)),
            accepted=Count("pk", filter=_accepted_in_window(ctx)),
        )

    return ctx.shared("invitations", compute)


def referral_velocity(ctx: MetricContext) -> float | None:
    per_active = ratio(_invitation_counts(ctx)["accepted"], active_count(ctx))
    return None if per_active is None else per_active / (ctx.scope.days / 30)


def invitation_acceptance_days(ctx: MetricContext) -> float | None:
    accepted = _peer_invitations(ctx).filter(_accepted_in_window(ctx))
    seconds = median(accepted, EpochSeconds(F("accepted_at"), F("sent_at")))
    return None if seconds is None else seconds / SECONDS_PER_DAY


def peer_invitations_per_person(ctx: MetricContext) -> float | None:
    return ratio(_invitation_counts(ctx)["sent"], active_count(ctx))


def referral_chain_depth(ctx: MetricContext) -> dict[str, Any]:
    """Root-to-leaf paths of at least two people in the forest of peer invitations between
    champions who both joined in the window, by a recursive query: each leaf ends one path,
    and its depth (counted from its root, in people) is the path's length."""
    nodes_sql, params = compiled(_joined_in_window(ctx).values("pk", "invited_by_id").order_by())
    # The ORM's own SQL inside constant text; every value is a parameter.
    statement = (
        f"WITH RECURSIVE nodes(id, parent) AS ({nodes_sql}), "  # noqa: S608
        "chain(id, depth) AS ("
        "SELECT id, 1 FROM nodes WHERE parent IS NULL OR parent NOT IN (SELECT id FROM nodes) "
        "UNION ALL SELECT nodes.id, chain.depth + 1 FROM nodes "
        "JOIN chain ON nodes.parent = chain.id"
        "), lengths(v) AS (SELECT depth FROM chain WHERE depth >= 2 AND NOT EXISTS "
        "(SELECT 1 FROM nodes WHERE nodes.parent = chain.id)) " + summary_select("lengths")
    )
    return summary(run(statement, params)[0])
