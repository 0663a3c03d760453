"""The web tier keeps no state of its own (issue 10, scale-out): what production settings make
of the environment. Each case loads the settings in a fresh process, as a deployment would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "scale-out-test-" + "k" * 50,
    "ALLOWED_HOSTS": "champions.example.com",
    "DATABASE_URL": "postgres://champions@db.example.com:5432/champions",
}
SHOW = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "sessions": settings.SESSION_ENGINE,
    "cache": settings.CACHES["default"]["BACKEND"],
    "storage": type(storage).__name__,
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "signed": getattr(storage, "querystring_auth", None),
    "acl": getattr(storage, "default_acl", "n/a"),
    "fallbacks": settings.SECRET_KEY_FALLBACKS,
}))
"""


def in_production(*command: str, **environment: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(  # noqa: S603
        [sys.executable, *command],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "config.settings", **PRODUCTION, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def production_settings(**environment: str) -> dict[str, Any]:
    result = in_production("-c", SHOW, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_with_redis_sessions_and_rate_limits_are_shared_by_every_web_process() -> None:
    shown = production_settings(REDIS_URL="redis://cache.example.com:6379/0")
    assert shown["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert shown["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_without_redis_sessions_stay_in_the_database() -> None:
    shown = production_settings()
    assert shown["sessions"] == "django.contrib.sessions.backends.db"
    assert shown["storage"] == "FileSystemStorage"


def test_media_go_to_a_private_bucket_with_signed_links_when_one_is_configured() -> None:
    shown = production_settings(
        MEDIA_BUCKET="champions-media", MEDIA_ENDPOINT_URL="https://s3.example.com"
    )
    assert shown["storage"] == "S3Storage"
    assert shown["bucket"] == "champions-media"
    assert shown["endpoint"] == "https://s3.example.com"
    assert shown["signed"] is True
    assert shown["acl"] is None


def test_a_rotated_secret_key_keeps_the_previous_one_as_a_fallback() -> None:
    old = "previous-key-" + "p" * 50
    assert production_settings(SECRET_KEY_FALLBACKS=old)["fallbacks"] == [old]


def test_the_deploy_check_fails_without_a_shared_cache() -> None:
    deploy_check = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    alone = in_production(*deploy_check)
    assert alone.returncode != 0
    assert "champions.W001" in alone.stderr + alone.stdout
    shared = in_production(*deploy_check, REDIS_URL="redis://cache.example.com:6379/0")
    assert "champions.W001" not in shared.stderr + shared.stdout
