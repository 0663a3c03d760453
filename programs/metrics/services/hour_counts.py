"""The activity log's contributions counted per hour and kind (`ActivityHourCount`).

The heatmap and the moderation effort count a window's contributions by hour; for a long
window that is a pass over hundreds of thousands of log rows. The roll-up keeps those counts
for the hours that have ended, so a computation reads a few rows per hour instead; the
metrics still read from the log what the roll-up has not counted (the window's partial hours,
activities recorded since the last roll-up), so a value never differs from the log's
(docs/decisions/0005-activity-hour-counts.md).

Each run counts, in one statement, the activities with an id above the last run's
`through_id` (up to the new one) in hours already counted, and every activity up to the new
`through_id` in the hours that ended since, and adds them to the hours' rows. The new
`through_id` is the highest id recorded more than `SETTLE` ago: a transaction still open
may yet commit a lower id than the highest one visible, but not one that old.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q
from django.utils import timezone

from champions.models import Activity, ActivityLevel
from programs.metrics.models import ActivityHourCount, HourCountsState
from programs.metrics.scope import EARLIEST, hour_start
from programs.metrics.sql import HourStart, compiled

SETTLE = timedelta(minutes=10)


def _state() -> HourCountsState:
    """The state row, locked until the transaction ends: two runs never add the same
    activities twice (the second waits, then starts from where the first ended)."""
    state, _ = HourCountsState.objects.select_for_update().get_or_create(
        pk=1, defaults={"through_id": 0, "until": EARLIEST}
    )
    return state


@transaction.atomic
def hour_counts_roll_up(*, now: datetime | None = None) -> int:
    """Count what the roll-up has not: returns the number of hour rows written."""
    now = now or timezone.now()
    state = _state()
    through_id = (
        Activity.objects.filter(pk__gt=state.through_id, recorded_at__lt=now - SETTLE).aggregate(
            top=Max("pk")
        )["top"]
        or state.through_id
    )
    until = max(hour_start(now), state.until)
    written = 0
    if through_id > state.through_id or until > state.until:
        written = _add(
            Q(pk__gt=state.through_id, pk__lte=through_id, occurred_at__lt=state.until)
            | Q(pk__lte=through_id, occurred_at__gte=state.until, occurred_at__lt=until)
        )
    state.through_id, state.until, state.rolled_up_at = through_id, until, now
    state.save(update_fields=["through_id", "until", "rolled_up_at"])
    return written


@transaction.atomic
def hour_counts_rebuild(*, now: datetime | None = None) -> int:
    """Count the whole log afresh (the backfill): returns the number of hour rows written."""
    hour_counts_reset()
    return hour_counts_roll_up(now=now)


@transaction.atomic
def hour_counts_reset() -> None:
    """Forget every count, so the next roll-up counts the whole log (after the log was
    changed in place, as the demo loader does; until then the metrics read the log)."""
    state = _state()
    ActivityHourCount.objects.all().delete()
    state.through_id, state.until = 0, EARLIEST
    state.save(update_fields=["through_id", "until"])


def _add(activities: Q) -> int:
    """Add the contributions among `activities` to their hours' rows (created as needed);
    returns the number of rows written."""
    counts = (
        Activity.objects.filter(activities, level__gt=ActivityLevel.OBSERVER)
        .order_by()
        .annotate(
            hour=HourStart("occurred_at"),
            anonymous=ExpressionWrapper(Q(champion_id__isnull=True), output_field=BooleanField()),
        )
        .values("hour", "kind", "anonymous")
        .annotate(n=Count("pk"))
    )
    sql, params = compiled(counts)
    table = ActivityHourCount._meta.db_table
    # The ORM's own SQL inside constant text; every value is a parameter. (`WHERE true`:
    # SQLite's parser needs it before ON CONFLICT after a SELECT.)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (hour, kind, anonymous, count) "  # noqa: S608
            f"SELECT hour, kind, anonymous, n FROM ({sql}) counts WHERE true "
            "ON CONFLICT (hour, kind, anonymous) DO UPDATE SET count = "
            f"{table}.count + excluded.count",
            list(params),
        )
        return max(cursor.rowcount, 0)
