"""`manage.py metrics`: every program metric of METRICS.md for a window and filters.

    manage.py metrics --from 2026-03-01 --to 2026-04-01 [--guild 3] [--account 7]
                      [--industry fintech] [--key activation_rate ...] [--json]

`--json` prints exactly what `GET /api/v1/metrics/` answers for the same window and filters.
Without `--from`/`--to` the window is the 30 days before now, as in the API.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from champions.errors import DomainError
from programs.metrics import registry
from programs.metrics.display import format_value
from programs.metrics.scope import parse_moment
from programs.metrics.selectors import metrics_document


class Command(BaseCommand):
    help = "Print the program metrics of METRICS.md for a window [from, to) and filters."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--from", dest="start", help="window start, inclusive (UTC)")
        parser.add_argument("--to", dest="end", help="window end, exclusive (UTC)")
        parser.add_argument("--guild", type=int, help="members of this guild (id)")
        parser.add_argument("--account", type=int, help="champions of this account (id)")
        parser.add_argument("--industry", help="champions of accounts in this industry")
        parser.add_argument(
            "--key", action="append", dest="keys", help="only this metric (repeatable)"
        )
        parser.add_argument("--json", action="store_true", help="the API's JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = metrics_document(
                start=parse_moment(options["start"], field="from") if options["start"] else None,
                end=parse_moment(options["end"], field="to") if options["end"] else None,
                guild_id=options["guild"],
                account_id=options["account"],
                industry=options["industry"],
                keys=options["keys"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(document, indent=2))
            return
        self._print_table(document)

    def _print_table(self, document: dict[str, Any]) -> None:
        window, filters = document["window"], document["filters"]
        chosen = ", ".join(f"{name} {value}" for name, value in filters.items() if value)
        self.stdout.write(f"Window [{window['from']}, {window['to']})  {chosen}".rstrip())
        section = ""
        for key, value in document["metrics"].items():
            metric = registry.REGISTRY[key]
            if metric.section != section:
                section = metric.section
                self.stdout.write(f"\n{section}")
            self.stdout.write(f"  {metric.label:<32} {format_value(metric, value)}  ({key})")
