"""Growth and activation (METRICS.md): first value, invitations, referral chains."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from champions.models import Activity, ActivityKind, Champion, Invitation
from programs.clinics.models import Answer
from programs.events.models import FIRST_VALUE_KINDS, Event
from programs.library.models import Template
from programs.metrics.compute import MetricContext, answer_valued, peer_answer
from programs.metrics.compute.depth import active_count
from programs.metrics.compute.window import in_window, window_answers
from programs.metrics.scope import SECONDS_PER_DAY, Population
from programs.metrics.sql import (
    EpochSeconds,
    as_float,
    compiled,
    expression_sql,
    median,
    median_select,
    planner,
    ratio,
    run,
    summary,
    summary_select,
)

ACTIVATION_DAYS = 30


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


def _joined_in_window(ctx: MetricContext) -> QuerySet[Champion]:
    return ctx.population.champions.filter(joined_at__gte=ctx.start, joined_at__lt=ctx.end)


def _newcomers(ctx: MetricContext) -> dict[str, Any]:
    """Champions who joined in the window, how many reached a first value moment within 30
    days (and before `to`), and the median time to it — one statement, set-based: every
    value moment of a newcomer lies in `[joining, to)`, so inside the window; the moments of
    the three kinds are collected, matched to the newcomers (read once from the champions,
    with their joining) and the earliest per champion is kept."""

    def compute() -> dict[str, Any]:
        parts = [
            ("newcomers(id, joined_at)", _joined_in_window(ctx).values("pk", "joined_at")),
            *((None, moment) for moment in _moments(ctx)),
        ]
        ctes: list[str] = []
        params: list[Any] = []
        moments: list[str] = []
        for name, queryset in parts:
            sql, part_params = compiled(queryset.order_by())
            params.extend(part_params)
            if name:
                ctes.append(f"{name} AS ({sql})")
            else:
                moments.append(sql)
        within = ACTIVATION_DAYS * SECONDS_PER_DAY
        seconds, seconds_params = expression_sql(
            EpochSeconds(
                RawSQL("firsts.first_at", (), output_field=DateTimeField()),
                RawSQL("firsts.joined_at", (), output_field=DateTimeField()),
            )
        )
        # The ORM's own SQL inside constant text; every value is a parameter.
        statement = (
            "WITH " + ", ".join(ctes) + ", "  # noqa: S608
            f"moments(champion, at) AS ({' UNION ALL '.join(moments)}), "
            "firsts(champion, joined_at, first_at) AS (SELECT newcomers.id, newcomers.joined_at, "
            "MIN(moments.at) FROM moments JOIN newcomers ON newcomers.id = moments.champion "
            "AND moments.at >= newcomers.joined_at GROUP BY newcomers.id, newcomers.joined_at), "
            f"elapsed(seconds) AS (SELECT {seconds} FROM firsts) "
            "SELECT (SELECT COUNT(*) FROM newcomers), "
            f"(SELECT COUNT(*) FROM elapsed WHERE seconds <= {within}), "
            + median_select("elapsed", "seconds")
        )
        # The moments probe a hash of the newcomers; the planner, misjudging the join's
        # size, would sort every moment for a merge join instead (twice the time).
        with planner(enable_mergejoin="off"):
            joined_count, activated, middle = run(statement, (*params, *seconds_params))[0]
        return {"joined": joined_count, "activated": activated, "median": as_float(middle)}

    return ctx.shared("newcomers", compute)


def _moments(ctx: MetricContext) -> list[QuerySet[Any]]:
    """(champion, moment) of each value moment in the window of the three kinds, whoever
    the champion (the newcomers are matched to them by the statement)."""
    population, start, end = ctx.population, ctx.start, ctx.end
    answers = (
        window_answers(ctx)
        .filter(posted_at__gte=start, posted_at__lt=end, peer=True, valued=True)
        .values_list("asker_id", "posted_at")
    )
    # The other two kinds come from the window's activities (every moment of a newcomer
    # lies in the window), each from the log's covering index on (kind, time).
    window = in_window(ctx)
    attended = window.filter(
        kind=ActivityKind.ATTENDED_EVENT,
        subject_type="events.event",
        subject_id__in=Event.objects.filter(kind__in=FIRST_VALUE_KINDS).values("pk"),
    ).values_list("champion_id", "occurred_at")
    peer_template = Template.objects.filter(pk=OuterRef("subject_id")).filter(
        population.visible("author_id") & ~Q(author_id=OuterRef("champion_id"))
    )
    reused = window.filter(
        Exists(peer_template), kind=ActivityKind.REUSED_TEMPLATE, subject_type="library.template"
    ).values_list("champion_id", "occurred_at")
    return [answers, attended, reused]


def activation_rate(ctx: MetricContext) -> float | None:
    newcomers = _newcomers(ctx)
    return ratio(newcomers["activated"], newcomers["joined"])


def time_to_first_value_days(ctx: MetricContext) -> float | None:
    middle = _newcomers(ctx)["median"]
    return None if middle is None else middle / SECONDS_PER_DAY


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
