"""Snapshots: every metric and chart stored per window, program-wide and per guild.

The daily task stores the trailing 30- and 90-day windows ending at each UTC midnight (and
the calendar quarter that just ended); the backfill does the same for past days from the
activity log. Because a metric only uses facts dated before `to`, a backfilled snapshot
equals the one the daily task stored that night — except after an erasure, which removes
the champion's facts from every window: the erasure hook marks the affected snapshots stale
and they are computed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from champions.models import Activity, Champion, Guild
from programs.metrics import registry
from programs.metrics.charts import compute_charts
from programs.metrics.compute import MetricContext
from programs.metrics.models import MetricSnapshot
from programs.metrics.scope import MetricScope

log = logging.getLogger(__name__)

TRAILING_DAYS = (30, 90)
STALE_BATCH = 40  # windows recomputed per task run after an erasure


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def quarter_start(moment: datetime) -> datetime:
    return datetime(moment.year, 3 * ((moment.month - 1) // 3) + 1, 1, tzinfo=UTC)


def previous_quarter(end: datetime) -> tuple[datetime, datetime]:
    """The last complete calendar quarter before `end` (UTC)."""
    this_quarter = quarter_start(end)
    return quarter_start(this_quarter - timedelta(days=1)), this_quarter


def snapshot_windows(day: date) -> list[tuple[datetime, datetime]]:
    """The windows stored for `day`: trailing 30 and 90 days ending at the midnight after
    it, and the quarter that ended then, if one did."""
    end = midnight(day) + timedelta(days=1)
    windows = [(end - timedelta(days=days), end) for days in TRAILING_DAYS]
    if quarter_start(end) == end:
        windows.append(previous_quarter(end))
    return windows


@dataclass(frozen=True)
class SnapshotRun:
    windows: int
    values: int


def snapshot_window(*, start: datetime, end: datetime, guild_id: int | None) -> int:
    """Compute every metric and chart for one window and store them (replacing any)."""
    scope = MetricScope(start, end, guild_ids=(guild_id,) if guild_id else ())
    context = MetricContext(scope)
    values: dict[str, Any] = {**registry.compute_in(context), **compute_charts(context)}
    now = timezone.now()
    with transaction.atomic():
        existing = MetricSnapshot.objects.filter(start=start, end=end, key__in=list(values))
        existing = (
            existing.filter(guild_id=guild_id) if guild_id else existing.filter(guild__isnull=True)
        )
        existing.delete()
        MetricSnapshot.objects.bulk_create(
            MetricSnapshot(
                key=key, start=start, end=end, guild_id=guild_id, value=value, computed_at=now
            )
            for key, value in values.items()
        )
    return len(values)


def snapshots_take(*, day: date, per_guild: bool = True) -> SnapshotRun:
    """Store the windows of `day`, program-wide and for each guild that existed then."""
    windows = snapshot_windows(day)
    end = windows[0][1]
    guild_ids: list[int | None] = [None]
    if per_guild:
        guild_ids += list(
            Guild.objects.filter(created_at__lt=end).order_by("pk").values_list("pk", flat=True)
        )
    stored = 0
    for start, window_end in windows:
        for guild_id in guild_ids:
            stored += snapshot_window(start=start, end=window_end, guild_id=guild_id)
    return SnapshotRun(windows=len(windows) * len(guild_ids), values=stored)


def snapshots_backfill(*, start: date, end: date, per_guild: bool = True) -> SnapshotRun:
    """`snapshots_take` for every day in `[start, end)`."""
    windows = values = 0
    day = start
    while day < end:
        run = snapshots_take(day=day, per_guild=per_guild)
        windows, values = windows + run.windows, values + run.values
        log.info("metrics snapshots for %s: %s windows", day.isoformat(), run.windows)
        day += timedelta(days=1)
    return SnapshotRun(windows=windows, values=values)


def snapshots_mark_stale(*, champion: Champion) -> int:
    """An erased champion's facts leave every metric: mark the snapshots whose window ends
    after their first fact as stale (one UPDATE)."""
    first_activity = Activity.objects.filter(champion=champion).aggregate(m=Min("occurred_at"))["m"]
    moments = [m for m in (champion.created_at, champion.joined_at, first_activity) if m]
    return MetricSnapshot.objects.filter(end__gt=min(moments), stale=False).update(stale=True)


def snapshots_refresh_stale(*, limit: int = STALE_BATCH) -> int:
    """Compute again up to `limit` stale windows, the most recent first (the dashboard
    reads those); the daily task calls this until none is left."""
    windows = list(
        MetricSnapshot.objects.filter(stale=True)
        .values_list("start", "end", "guild_id")
        .distinct()
        .order_by("-end", "start", "guild_id")[:limit]
    )
    for start, end, guild_id in windows:
        snapshot_window(start=start, end=end, guild_id=guild_id)
    return len(windows)
