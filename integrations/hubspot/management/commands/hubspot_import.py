"""`manage.py hubspot_import [--since DATE]`: page through HubSpot's companies, contacts and
deals (all, or modified since DATE) to link accounts and champions and mirror deals."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.crm.inbound import ImportCounts
from integrations.crm.ports import CrmError
from integrations.crm.services import crm_import


def parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"“{text}” is not a date: use YYYY-MM-DD or an ISO date-time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Import HubSpot companies, contacts and deals (links and the deal mirror)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--since",
            type=parse_since,
            default=None,
            help="only objects modified since this date (UTC)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def page(object_type: str, counts: ImportCounts) -> None:
            self.stderr.write(f"\r{object_type}: {counts.seen} read", ending="")

        try:
            report = crm_import(since=options["since"], on_page=page)
        except CrmError as error:
            raise CommandError(error.message) from error
        self.stderr.write("")
        for object_type, counts in report.counts.items():
            self.stdout.write(
                f"{object_type}: {counts.seen} read, {counts.linked} linked, "
                f"{counts.created} created, {counts.updated} updated"
            )
        self.stdout.write(f"{report.pages} pages, {report.api_calls} API calls")
