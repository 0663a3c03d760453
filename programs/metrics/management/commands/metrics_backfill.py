"""`manage.py metrics_backfill --from 2026-01-01 --to 2026-04-01 [--no-guilds]`.

Stores the daily snapshots (trailing 30 and 90 days, and each quarter that ended) for every
day in `[from, to)`, program-wide and per guild, computed from the activity log as the
nightly task would have computed them.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from champions.errors import DomainError
from programs.metrics import services
from programs.metrics.scope import parse_moment


class Command(BaseCommand):
    help = "Fill the metric snapshots for the days in [from, to) from the activity log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="first day (UTC)")
        parser.add_argument("--to", dest="end", required=True, help="day after the last one")
        parser.add_argument("--no-guilds", action="store_true", help="program-wide snapshots only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start = parse_moment(options["start"], field="from").date()
            end = parse_moment(options["end"], field="to").date()
        except DomainError as error:
            raise CommandError(error.message) from None
        if start >= end:
            raise CommandError("The range is empty or inverted: “from” must lie before “to”.")
        if end > timezone.now().date():
            raise CommandError("Snapshots are of days that have ended; “to” lies in the future.")
        run = services.snapshots_backfill(start=start, end=end, per_guild=not options["no_guilds"])
        days = (end - start).days
        self.stdout.write(
            f"Stored {run.values:,} values in {run.windows:,} windows over {days} days."
        )
