"""`manage.py seed_demo`: load a believable year of a champions program (see `champions.demo`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import current_app
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test import override_settings
from django.utils.module_loading import autodiscover_modules

from champions import demo
from integrations.crm.gateway import crm_gateway

# Each eager task logs a line; two hundred of them would bury the summary.
QUIETED_LOGGERS = ("celery.app.trace", "kombu.connection")


@contextmanager
def outbox_kept_in_memory() -> Iterator[None]:
    """Invitation emails render in process into the in-memory outbox: no demo address gets mail.

    With a real broker a worker would send them with its own settings, so the tasks run eagerly
    here for the length of the command.
    """
    eager = current_app.conf.task_always_eager
    loggers = [logging.getLogger(name) for name in QUIETED_LOGGERS]
    levels = [logger.level for logger in loggers]
    current_app.conf.task_always_eager = True
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        current_app.conf.task_always_eager = eager
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load demo data: accounts, champions in every lifecycle state, guilds, invitations, "
        "buddies, consent and twelve months of activity, plus four logins (password “demo”). "
        "Does nothing if the demo is already loaded, unless --reset is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help="Same seed, same people (default %(default)s).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the champions data (accounts, champions, guilds, activity, …) first.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")

    def handle(self, *args: Any, seed: int, reset: bool, quiet: bool, **options: Any) -> None:
        if crm_gateway() is not None:
            raise CommandError(
                "A CRM is connected: the demo's invented champions and accounts would be synced "
                "to it. Load the demo into a database without a CRM token."
            )
        autodiscover_modules("demo")  # other apps' demo sections register themselves
        if not reset and demo.demo_loaded():
            self.stdout.write("Demo data already loaded (use --reset to load it afresh).")
            return
        with outbox_kept_in_memory(), transaction.atomic():
            if reset:
                demo.wipe()
            context = demo.build(seed=seed)
        if not quiet:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded (seed {seed})."))
            for line in demo.summary(context.now):
                self.stdout.write(line)
