"""Beat: the daily metric snapshots. Tasks take ids or dates, call the services, retry."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from programs.metrics import services


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3, acks_late=True)
def take_daily_snapshots(day: str | None = None) -> int:
    """Every metric and chart for the windows ending at the last UTC midnight (or after
    `day`, ISO), program-wide and per guild; then recompute a batch of stale ones."""
    target = date.fromisoformat(day) if day else timezone.now().date() - timedelta(days=1)
    run = services.snapshots_take(day=target)
    services.snapshots_refresh_stale()
    return run.values


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3, acks_late=True)
def refresh_stale_snapshots() -> int:
    """After an erasure: recompute the most recent stale windows now (the rest nightly)."""
    return services.snapshots_refresh_stale()


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3, acks_late=True)
def roll_up_hour_counts() -> int:
    """Hourly: count the activity log's new contributions by hour (the hours that ended,
    the activities recorded since the last run), for the heatmap and moderation effort."""
    return services.hour_counts_roll_up()
