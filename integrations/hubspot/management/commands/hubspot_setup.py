"""`manage.py hubspot_setup [--dry-run]`: create our property group, properties and the
"Reference" association label in the portal, idempotently."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.crm.ports import CrmError
from integrations.crm.services import crm_provision


class Command(BaseCommand):
    help = "Provision the HubSpot portal: property group, properties, association label."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only say what would change")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            steps = crm_provision(dry_run=options["dry_run"])
        except CrmError as error:
            raise CommandError(error.message) from error
        for step in steps:
            detail = f" ({step.detail})" if step.detail else ""
            self.stdout.write(f"{step.action:>12}  {step.what}{detail}")
        changes = [s for s in steps if s.action != "exists"]
        verb = "to change" if options["dry_run"] else "changed"
        self.stdout.write(self.style.SUCCESS(f"{len(steps)} items, {len(changes)} {verb}."))
