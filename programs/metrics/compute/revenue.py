"""References and revenue (METRICS.md): supply, fulfilment, deals with references."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from champions.models import ChampionState, ConsentRecord, ConsentScope
from programs.metrics.compute import MetricContext, once
from programs.metrics.scope import SECONDS_PER_DAY
from programs.metrics.sql import EpochSeconds, compiled, median, ratio, run
from programs.references.conf import CAP_WINDOW_DAYS
from programs.references.models import (
    Deal,
    ReferenceProfile,
    ReferenceRequest,
    TierReferenceCap,
)
from programs.references.selectors import deal_reference_exists, program_settings


def deal_filter(ctx: MetricContext, prefix: str = "") -> Q:
    """Deals (and references) are filtered by the deal's company account."""
    scope = ctx.scope
    condition = Q()
    if scope.account_id is not None:
        condition &= Q(**{f"{prefix}account_id": scope.account_id})
    if scope.industry is not None:
        condition &= Q(**{f"{prefix}account__industry": scope.industry})
    if scope.guild_ids or scope.cohort:
        condition &= Q(**{f"{prefix}account_id__in": ctx.population.account_ids()})
    return condition


def reference_supply(ctx: MetricContext) -> int:
    """Champions at `to` whose latest reference-call consent record before `to` is a grant
    and who fulfilled fewer references in `[to − 90 days, to)` than their cap (their own,
    else their tier's, else the program default).

    One statement of hash joins: the champions, their latest consent records (ranked),
    their references given in the cap's window (grouped) and their caps, each read once,
    instead of four lookups for every consenting champion."""
    end = ctx.end
    champions = (
        ctx.population.champions.filter(joined_at__lt=end)
        .exclude(state=ChampionState.ALUMNI, state_changed_at__lt=end)
        .order_by()
        .values("pk", "tier")
    )
    ranked = (
        ConsentRecord.objects.filter(scope=ConsentScope.REFERENCE_CALL, recorded_at__lt=end)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("champion_id")],
                order_by=[F("recorded_at").desc(), F("id").desc()],
            )
        )
        .order_by()
        .values("champion_id", "granted", "rank")
    )
    given = (
        ReferenceRequest.objects.filter(
            fulfilled_at__gte=end - timedelta(days=CAP_WINDOW_DAYS), fulfilled_at__lt=end
        )
        .order_by()
        .values("champion_id")
        .annotate(n=Count("pk"))
    )
    (champions_sql, champions_params), (ranked_sql, ranked_params), (given_sql, given_params) = (
        compiled(queryset) for queryset in (champions, ranked, given)
    )
    # The ORM's own SQL inside constant text; every value is a parameter.
    statement = (
        f"WITH champions(id, tier) AS ({champions_sql}), "  # noqa: S608
        f"ranked(champion_id, granted, rank) AS ({ranked_sql}), "
        f"given(champion_id, n) AS ({given_sql}) "
        "SELECT COUNT(*) FROM champions "
        "JOIN ranked ON ranked.champion_id = champions.id AND ranked.rank = 1 AND ranked.granted "
        "LEFT JOIN given ON given.champion_id = champions.id "
        f"LEFT JOIN {ReferenceProfile._meta.db_table} profile "
        "ON profile.champion_id = champions.id "
        f"LEFT JOIN {TierReferenceCap._meta.db_table} tier ON tier.tier = champions.tier "
        "WHERE COALESCE(given.n, 0) < COALESCE(profile.cap_override, tier.cap, %s)"
    )
    params = (*champions_params, *ranked_params, *given_params, program_settings().default_cap)
    return int(run(statement, params)[0][0])


def _requests(ctx: MetricContext) -> QuerySet[ReferenceRequest]:
    """Requests of the scope's deals; a request given by an invisible champion is removed."""
    return ReferenceRequest.objects.filter(deal_filter(ctx, "deal__")).filter(
        Q(champion_id__isnull=True) | ctx.population.visible("champion_id")
    )


def reference_fulfilment_rate(ctx: MetricContext) -> float | None:
    counts = (
        _requests(ctx)
        .filter(completed_at__gte=ctx.start, completed_at__lt=ctx.end)
        .aggregate(closed=Count("pk"), fulfilled=Count("pk", filter=Q(fulfilled_at__isnull=False)))
    )
    return ratio(counts["fulfilled"], counts["closed"])


def reference_fulfilment_days(ctx: MetricContext) -> float | None:
    fulfilled = _requests(ctx).filter(
        champion_id__isnull=False, fulfilled_at__gte=ctx.start, fulfilled_at__lt=ctx.end
    )
    seconds = median(fulfilled, EpochSeconds(F("fulfilled_at"), F("requested_at")))
    return None if seconds is None else seconds / SECONDS_PER_DAY


def _amount(value: Decimal | None) -> float:
    """Amounts are summed as stored; reported as numbers (0 for no deals)."""
    return float(value or 0)


def _deals(ctx: MetricContext) -> dict[str, Any]:
    """Every deal figure in one pass over the deals created before `to`, with "has a
    reference at `to`" computed once per deal. A deal closing exactly at `to` is open."""

    def compute() -> dict[str, Any]:
        start, end = ctx.start, ctx.end
        # Only the columns the figures read: the derived table is deduplicated (`once`),
        # and sorting every column of every deal for it cost more than the figures.
        deals = once(
            Deal.objects.filter(deal_filter(ctx), created_at__lt=end)
            .annotate(
                referenced=deal_reference_exists(
                    at=end, visible=ctx.population.visible("champion_id")
                )
            )
            .values("pk", "amount", "created_at", "close_date", "is_closed", "is_won", "referenced")
        )
        created = Q(created_at__gte=start)
        closed = Q(is_closed=True, close_date__gte=start, close_date__lt=end)
        open_at_end = Q(is_closed=False) | Q(close_date__gte=end)
        with_reference, without = Q(referenced=True), Q(referenced=False)
        return deals.aggregate(
            created=Count("pk", filter=created),
            created_referenced=Count("pk", filter=created & with_reference),
            pipeline=Sum("amount", filter=open_at_end & with_reference),
            won_amount=Sum("amount", filter=closed & Q(is_won=True) & with_reference),
            closed_with=Count("pk", filter=closed & with_reference),
            won_with=Count("pk", filter=closed & with_reference & Q(is_won=True)),
            closed_without=Count("pk", filter=closed & without),
            won_without=Count("pk", filter=closed & without & Q(is_won=True)),
        )

    return ctx.shared("deals", compute)


def deals_with_reference_share(ctx: MetricContext) -> float | None:
    deals = _deals(ctx)
    return ratio(deals["created_referenced"], deals["created"])


def influenced_pipeline(ctx: MetricContext) -> float:
    return _amount(_deals(ctx)["pipeline"])


def influenced_won_amount(ctx: MetricContext) -> float:
    return _amount(_deals(ctx)["won_amount"])


def win_rate_with_reference(ctx: MetricContext) -> float | None:
    deals = _deals(ctx)
    return ratio(deals["won_with"], deals["closed_with"])


def win_rate_without_reference(ctx: MetricContext) -> float | None:
    deals = _deals(ctx)
    return ratio(deals["won_without"], deals["closed_without"])
