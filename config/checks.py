"""Deployment checks of our own (`manage.py check --deploy`, `make deploy-check`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Login rate limits and API throttles count in the cache: a cache of each process's own
    lets every web process allow the whole limit again."""
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return [
            CheckWarning(
                "The cache is each process's own memory: allauth's login rate limits and the "
                "API throttles are counted per process, and sessions are not cached.",
                hint="Set REDIS_URL (docs/operations.md, 'Scaling out').",
                id="champions.W001",
            )
        ]
    return []
