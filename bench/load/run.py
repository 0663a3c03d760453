"""The load run (RELIABILITY.md 28): prepare a database, start gunicorn, run Locust, stop.

    createdb -h 127.0.0.1 -U postgres champions_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/champions_load \\
    REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/load/run.py [--users 50 --spawn-rate 10 --run-time 2m]

1. migrates the database and, when it has no champions, loads the demo program (`seed_demo`:
   33 accounts, 207 champions, a year of activity);
2. signs in every champion with a portal login (a session each, as a login would make) and
   creates a sales user's personal API token and the program team's ingestion token;
3. collects static files (when they changed) and starts gunicorn (`--workers`, DEBUG off,
   sessions and cache in Redis, API throttles lifted: one shared token is not what is measured);
4. runs `bench/load/locustfile.py` headless for `--run-time` with `--users` at `--spawn-rate`;
   its exit code (non-zero above 1 % failures or over the p95 budget) is this script's;
5. stops gunicorn and removes the sessions, tokens and activity events it added.
Locust's statistics are written to var/load/ (CSV and HTML).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SECRET_KEY = secrets.token_urlsafe(50)  # the sessions made here must be valid in gunicorn
os.environ["SECRET_KEY"] = SECRET_KEY
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")  # this process only; gunicorn runs with DEBUG off

import django  # noqa: E402

django.setup()

import json  # noqa: E402

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.staticfiles.finders import get_finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.bench_api import token_for  # noqa: E402
from bench.machine import load_average, machine  # noqa: E402
from champions.models import (  # noqa: E402
    Activity,
    ApiToken,
    ApiTokenScope,
    Champion,
    ChampionState,
    User,
)
from champions.services import hash_token  # noqa: E402

OUT = ROOT / "var" / "load"


def prepare() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    if not Champion.objects.exists():
        call_command("seed_demo")
    champions = list(
        Champion.objects.filter(
            user__isnull=False,
            user__is_active=True,
            state__in=[ChampionState.ACTIVE, ChampionState.ONBOARDING, ChampionState.DORMANT],
        ).select_related("user")
    )
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = []
    for champion in champions:
        store = store_class()
        store[SESSION_KEY] = str(champion.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = champion.user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    sales = User.objects.get(email="sales@example.com")
    team = User.objects.get(email="admin@example.com")
    return {
        "sessions": sessions,
        "sales_token": token_for(sales, ApiTokenScope.PERSONAL),
        "ingest_token": token_for(team, ApiTokenScope.INGEST),
        "ingest_user": team.pk,
        "champion_ids": list(Champion.objects.values_list("pk", flat=True)),
    }


def clean_up(credentials: dict[str, Any]) -> None:
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for key in credentials["sessions"]:
        store_class(session_key=key).delete()
    ApiToken.objects.filter(
        token_hash__in=[hash_token(credentials[k]) for k in ("sales_token", "ingest_token")]
    ).delete()
    Activity.objects.filter(
        idempotency_key__startswith=f"api:{credentials['ingest_user']}:load-"
    ).delete()


def static_files_fresh() -> bool:
    """Whether collectstatic's manifest is newer than every static file (it takes minutes:
    every file is hashed and compressed)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = max(
        Path(storage.path(path)).stat().st_mtime
        for finder in get_finders()
        for path, storage in finder.list([])
    )
    return manifest.stat().st_mtime > newest


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_RATES": "user=1000000/min,references=1000000/min,ingest=1000000/min",
        "LOG_LEVEL": "WARNING",
    }


def start_gunicorn(port: int, workers: int, log: Any) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=server_env(),
        stdout=log,
        stderr=log,
    )
    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass  # still booting
        time.sleep(0.2)
    server.terminate()
    server.wait(timeout=30)
    sys.exit("gunicorn did not answer /healthz in time; see var/load/gunicorn.log")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--run-time", default="2m")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8432)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("Set DATABASE_URL (PostgreSQL, a throwaway database) and REDIS_URL.")
    OUT.mkdir(parents=True, exist_ok=True)
    credentials = prepare()
    credentials_file = OUT / "credentials.json"
    credentials_file.write_text(json.dumps(credentials))
    print(
        f"data: {Champion.objects.count()} champions, {len(credentials['sessions'])} signed in; "
        f"{Activity.objects.count()} activities"
    )
    if not static_files_fresh():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=server_env(),
            check=True,
        )
    log = (OUT / "gunicorn.log").open("w")
    server = start_gunicorn(args.port, args.workers, log)
    print(
        f"before: {machine()}, load {load_average()}; "
        f"gunicorn {args.workers} workers on port {args.port}",
        flush=True,
    )
    try:
        run = subprocess.run(  # noqa: S603
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                str(ROOT / "bench/load/locustfile.py"),
                "--headless",
                f"--users={args.users}",
                f"--spawn-rate={args.spawn_rate}",
                f"--run-time={args.run_time}",
                f"--host=http://127.0.0.1:{args.port}",
                "--exit-code-on-error=1",
                "--stop-timeout=10",
                "--only-summary",
                f"--csv={OUT / 'locust'}",
                f"--html={OUT / 'locust.html'}",
            ],
            cwd=ROOT,
            env={**os.environ, "LOAD_CREDENTIALS": str(credentials_file)},
        )
    finally:
        print(f"after: load {load_average()}", flush=True)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        clean_up(credentials)
        credentials_file.unlink()
    print(f"locust exit code {run.returncode}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
