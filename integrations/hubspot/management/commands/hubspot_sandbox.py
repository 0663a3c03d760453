"""`manage.py hubspot_sandbox`: run the HubSpot sandbox (integrations.hubspot.sandbox).

In the foreground by default; with --background it starts detached and writes
var/hubspot-sandbox.json (url, token, pid) and var/hubspot-sandbox.env (the settings that
point the service at it), which `make demo` reads; --stop ends a background sandbox.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.hubspot.sandbox import DEFAULT_TOKEN
from integrations.hubspot.sandbox.__main__ import main as run_foreground

PROJECT_ROOT = Path(__file__).resolve().parents[4]


def state_files() -> tuple[Path, Path]:
    var = Path(settings.BASE_DIR) / "var"
    return var / "hubspot-sandbox.json", var / "hubspot-sandbox.env"


class Command(BaseCommand):
    help = "Run a HubSpot look-alike on 127.0.0.1 (rate limits, faults, request log)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--token", default=DEFAULT_TOKEN)
        parser.add_argument("--rate-limit", type=int, default=190, help="calls per 10 s")
        parser.add_argument("--fail-rate", type=float, default=0.0, help="share of calls: 5xx")
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--timeout-rate", type=float, default=0.0)
        parser.add_argument(
            "--background",
            action="store_true",
            help="start detached; write var/hubspot-sandbox.{json,env}",
        )
        parser.add_argument("--stop", action="store_true", help="stop the background sandbox")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["stop"]:
            self.stdout.write(stop_background())
            return
        argv = [
            "--port",
            str(options["port"]),
            "--token",
            options["token"],
            "--rate-limit",
            str(options["rate_limit"]),
            "--fail-rate",
            str(options["fail_rate"]),
            "--latency-ms",
            str(options["latency_ms"]),
            "--timeout-rate",
            str(options["timeout_rate"]),
        ]
        if options["background"]:
            url = start_background(argv, options["port"], options["token"])
            _, env_file = state_files()
            self.stdout.write(f"HubSpot sandbox on {url}; settings in {env_file}")
            return
        run_foreground(argv)


def start_background(argv: list[str], port: int, token: str) -> str:
    """Start the sandbox detached, wait until it answers, record where it is."""
    stop_background()
    json_file, env_file = state_files()
    json_file.parent.mkdir(exist_ok=True)
    log = (json_file.parent / "hubspot-sandbox.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "integrations.hubspot.sandbox", *argv],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_sandbox/faults", timeout=1):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None:
                raise CommandError(f"The sandbox did not start; see {log.name}.") from None
            time.sleep(0.1)
    else:
        process.kill()
        raise CommandError(f"The sandbox did not answer on {url}.")
    json_file.write_text(json.dumps({"url": url, "token": token, "pid": process.pid}))
    env_file.write_text(f"HUBSPOT_API_BASE={url}\nHUBSPOT_ACCESS_TOKEN={token}\n")
    return url


def stop_background() -> str:
    json_file, env_file = state_files()
    if not json_file.exists():
        return "No background sandbox recorded."
    pid = int(json.loads(json_file.read_text())["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
        message = f"Stopped the sandbox (pid {pid})."
    except ProcessLookupError:
        message = f"The sandbox (pid {pid}) had already stopped."
    json_file.unlink(missing_ok=True)
    env_file.unlink(missing_ok=True)
    return message
