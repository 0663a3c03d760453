"""`manage.py hubspot_sync [--full]`: one sync pass in the foreground, with progress and a
summary (sent, unchanged, failed, API calls). --full first marks every champion, account and
deal; unchanged payloads still cost no call (--resend sends them anyway)."""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.crm.models import OutboxEntry, OutboxStatus
from integrations.crm.ports import CrmError, SyncCounts
from integrations.crm.services import crm_mark_all, crm_sync


class Command(BaseCommand):
    help = "Send the CRM outbox now and print what happened."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--full", action="store_true", help="mark everything first")
        parser.add_argument("--resend", action="store_true", help="ignore payload hashes")
        parser.add_argument(
            "--workers",
            type=int,
            default=4,
            help="threads sending at once (they share the rate limit)",
        )
        parser.add_argument(
            "--wait", action="store_true", help="also wait for entries backing off, up to --seconds"
        )
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["full"]:
            marked = crm_mark_all()
            self.stdout.write(f"Marked {marked} objects.")
        total = OutboxEntry.objects.filter(status=OutboxStatus.PENDING).count()
        progress = _Progress(
            total, self.stderr.isatty() if hasattr(self.stderr, "isatty") else False
        )
        try:
            counts = crm_sync(
                trigger="command",
                seconds=options["seconds"],
                wait_for_retries=options["wait"],
                resend=options["resend"],
                workers=max(1, options["workers"]),
                on_batch=progress,
            )
        except CrmError as error:
            raise CommandError(error.message) from error
        progress.done()
        elapsed = time.monotonic() - started
        left = OutboxEntry.objects.filter(status=OutboxStatus.PENDING).count()
        dead = OutboxEntry.objects.filter(status=OutboxStatus.DEAD).count()
        self.stdout.write(
            f"sent {counts.sent}, unchanged {counts.unchanged}, skipped {counts.skipped}, "
            f"failed {counts.failed}, retrying {counts.retried}, API calls {counts.api_calls}, "
            f"{elapsed:.1f} s; pending {left}, dead {dead}"
        )
        for message in counts.errors[-5:]:
            self.stdout.write(self.style.WARNING(f"  {message}"))


class _Progress:
    def __init__(self, total: int, live: bool) -> None:
        self.total, self.live, self.last = max(total, 1), live, 0.0

    def __call__(self, counts: SyncCounts) -> None:
        now = time.monotonic()
        if not self.live or now - self.last < 0.5:
            return
        self.last = now
        done = counts.sent + counts.unchanged + counts.skipped + counts.failed
        width = 30
        filled = min(width, int(width * done / self.total))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.live:
            sys.stderr.write("\n")
