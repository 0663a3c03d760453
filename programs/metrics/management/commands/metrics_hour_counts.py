"""`manage.py metrics_hour_counts [--rebuild]`.

Counts the activity log's contributions by hour into the roll-up the heatmap and the
moderation effort read (`ActivityHourCount`), as the hourly beat task does; `--rebuild`
forgets every count first and counts the whole log again (the backfill: after a restore,
or after the log was changed in place). The metrics are the same either way: what the
roll-up has not counted is read from the log.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from programs.metrics import services
from programs.metrics.models import HourCountsState


class Command(BaseCommand):
    help = "Count the activity log's contributions by hour (--rebuild: from scratch)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="forget the counts and count the whole log"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            written = services.hour_counts_rebuild()
        else:
            written = services.hour_counts_roll_up()
        state = HourCountsState.objects.get(pk=1)
        self.stdout.write(
            f"Counted: {written:,} hour rows written; hours before {state.until:%Y-%m-%d %H:00} "
            f"UTC hold the activities up to id {state.through_id:,}."
        )
