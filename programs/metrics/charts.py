"""Dashboard figures that are not metrics of METRICS.md but explain them: the activation
funnel, the longest referral chains, reference demand. Computed and snapshotted like the
metrics (keys prefixed `chart.`), never shown as KPIs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q

from champions.models import Activity, ActivityLevel, ChampionState, Invitation
from programs.metrics.compute import MetricContext
from programs.metrics.compute.growth import value_moments
from programs.metrics.models import FunnelStep
from programs.metrics.sql import compiled, run
from programs.references.models import ReferenceRequest

LONGEST_CHAINS = 5
ONBOARDED_STATES = (ChampionState.ACTIVE, ChampionState.DORMANT, ChampionState.ALUMNI)


def activation_funnel(ctx: MetricContext) -> dict[str, int]:
    """Champions first invited in the window, and how many of them got how far before `to`.

    Each step counts those who also reached every step before it: joined; onboarded
    (finished onboarding — their state today is past it); a first value moment; a
    contributor-level and then a leader-level activity after joining.
    """
    end = ctx.end
    first_invited = (
        Invitation.objects.filter(champion_id=OuterRef("pk"))
        .values("champion_id")
        .annotate(first=Min("sent_at"))
        .values("first")
    )
    invited = (
        ctx.population.champions.annotate(first_invited=first_invited)
        .filter(first_invited__gte=ctx.start, first_invited__lt=end)
        .order_by()
    )
    moments = value_moments(ctx.population, end=end)

    def reached(level: int) -> Exists:
        return Exists(
            Activity.objects.filter(
                champion_id=OuterRef("pk"),
                level__gte=level,
                occurred_at__gte=OuterRef("joined_at"),
                occurred_at__lt=end,
            )
        )

    steps = {
        FunnelStep.JOINED: Q(joined_at__lt=end),
        FunnelStep.ONBOARDED: Q(state__in=ONBOARDED_STATES),
        FunnelStep.FIRST_VALUE: Q(Exists(moments[0]))
        | Q(Exists(moments[1]))
        | Q(Exists(moments[2])),
        FunnelStep.CONTRIBUTOR: Q(reached(ActivityLevel.CONTRIBUTOR)),
        FunnelStep.LEADER: Q(reached(ActivityLevel.LEADER)),
    }
    condition = Q()
    counts: dict[str, Any] = {FunnelStep.INVITED.value: Count("pk")}
    for step, requirement in steps.items():
        condition &= requirement
        counts[step.value] = Count("pk", filter=condition)
    return {step: int(n) for step, n in invited.aggregate(**counts).items()}


def referral_chains(ctx: MetricContext) -> list[list[int]]:
    """The longest root-to-leaf invitation paths among the window's newcomers (ids, root
    first), longest first, ties by the leaf's id: who invited whom."""
    nodes = ctx.population.champions.filter(joined_at__gte=ctx.start, joined_at__lt=ctx.end)
    nodes_sql, params = compiled(nodes.values("pk", "invited_by_id").order_by())
    # The ORM's own SQL inside constant text; every value is a parameter.
    statement = (
        f"WITH RECURSIVE nodes(id, parent) AS ({nodes_sql}), "  # noqa: S608
        "chain(id, depth, path) AS (SELECT id, 1, CAST(id AS TEXT) FROM nodes "
        "WHERE parent IS NULL OR parent NOT IN (SELECT id FROM nodes) UNION ALL "
        "SELECT nodes.id, chain.depth + 1, chain.path || ' ' || CAST(nodes.id AS TEXT) "
        "FROM nodes JOIN chain ON nodes.parent = chain.id) "
        "SELECT path FROM chain WHERE depth >= 2 AND NOT EXISTS "
        "(SELECT 1 FROM nodes WHERE nodes.parent = chain.id) "
        f"ORDER BY depth DESC, id LIMIT {LONGEST_CHAINS}"
    )
    return [[int(part) for part in row[0].split()] for row in run(statement, params)]


def reference_demand(ctx: MetricContext) -> dict[str, int]:
    """Reference requests made in the window, and those open at `to` (demand, beside the
    supply of METRICS.md `reference_supply`)."""
    from programs.metrics.compute.revenue import deal_filter

    requests = ReferenceRequest.objects.filter(deal_filter(ctx, "deal__"), requested_at__lt=ctx.end)
    return requests.aggregate(
        requested=Count("pk", filter=Q(requested_at__gte=ctx.start)),
        open_at_end=Count("pk", filter=Q(completed_at__isnull=True) | Q(completed_at__gte=ctx.end)),
    )


@dataclass(frozen=True)
class Chart:
    key: str
    compute: Callable[[MetricContext], Any]


CHARTS: tuple[Chart, ...] = (
    Chart("chart.activation_funnel", activation_funnel),
    Chart("chart.referral_chains", referral_chains),
    Chart("chart.reference_demand", reference_demand),
)
CHART_KEYS = tuple(chart.key for chart in CHARTS)


def compute_charts(ctx: MetricContext) -> dict[str, Any]:
    return {chart.key: chart.compute(ctx) for chart in CHARTS}
