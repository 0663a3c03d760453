"""Reads of the metrics shared by the API, the command, the dashboard and the tasks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from rest_framework.renderers import JSONRenderer

from config.api.metrics import MetricsQuery, MetricsView, metrics_query
from programs.metrics import registry
from programs.metrics.models import MetricSnapshot
from programs.metrics.scope import MetricScope


def scope_for(query: MetricsQuery) -> MetricScope:
    return MetricScope(
        start=query.start,
        end=query.end,
        guild_ids=(query.guild_id,) if query.guild_id is not None else (),
        account_id=query.account_id,
        industry=query.industry,
    )


def metrics_for_api(query: MetricsQuery) -> dict[str, Any]:
    """The provider `GET /api/v1/metrics/` calls: every metric of the registry."""
    return registry.compute(scope_for(query))


def metrics_document(
    *,
    start: datetime | None,
    end: datetime | None,
    guild_id: int | None = None,
    account_id: int | None = None,
    industry: str | None = None,
    keys: Iterable[str] | None = None,
) -> dict[str, Any]:
    """What the API answers, as a JSON-ready dict: checked by the API's own `metrics_query`
    and serialized by its own output serializer, so the command prints the same JSON."""
    chosen = registry.check_keys(keys) if keys else None
    query = metrics_query(
        start=start, end=end, guild_id=guild_id, account_id=account_id, industry=industry
    )
    body = {
        "window": {"from": query.start, "to": query.end},
        "filters": {
            "guild": query.guild_id,
            "account": query.account_id,
            "industry": query.industry,
        },
        "metrics": registry.compute(scope_for(query), chosen),
    }
    rendered = JSONRenderer().render(MetricsView.OutputSerializer(body).data)
    document: dict[str, Any] = json.loads(rendered)
    return document


# --- snapshots ----------------------------------------------------------------------------


def snapshot_values(
    *, keys: Iterable[str], windows: Iterable[tuple[datetime, datetime]], guild_id: int | None
) -> dict[tuple[str, datetime, datetime], Any]:
    """Stored, current (not stale) values for the keys and windows, in one query:
    {(key, start, end): value}. Missing ones are simply absent."""
    windows = list(windows)
    if not windows:
        return {}
    matching = Q()
    for start, end in windows:
        matching |= Q(start=start, end=end)
    rows = MetricSnapshot.objects.filter(matching, key__in=list(keys), stale=False)
    rows = rows.filter(guild_id=guild_id) if guild_id else rows.filter(guild__isnull=True)
    return {
        (row.key, row.start, row.end): row.value
        for row in rows.only("key", "start", "end", "value")
    }


def snapshot_series(
    *, keys: Iterable[str], length_days: int, ends: Iterable[datetime], guild_id: int | None
) -> dict[str, list[tuple[datetime, Any]]]:
    """Each key's stored values for the trailing windows of `length_days` ending at `ends`,
    oldest first: the points of a trend line (a bounded number, one query)."""
    keys = list(keys)
    rows = MetricSnapshot.objects.filter(
        key__in=keys,
        end__in=list(ends),
        start=F("end") - timedelta(days=length_days),
        stale=False,
    ).order_by("end")
    rows = rows.filter(guild_id=guild_id) if guild_id else rows.filter(guild__isnull=True)
    series: dict[str, list[tuple[datetime, Any]]] = {key: [] for key in keys}
    for row in rows.only("key", "end", "value"):
        series[row.key].append((row.end, row.value))
    return series
