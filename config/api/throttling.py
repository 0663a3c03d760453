"""Throttles per user (or per client address when anonymous) and per endpoint scope.

Rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`, read at request time so tests and
deployments can change them; a refusal is a 429 whose `Retry-After` says how many seconds to
wait (set by the exception handler from DRF's `wait()`).
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class _RatesAtRequestTime:
    scope: str | None

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        rate = rates.get(self.scope or "")
        return str(rate) if rate is not None else None


class AnonThrottle(_RatesAtRequestTime, AnonRateThrottle):
    """Unauthenticated callers, by address: they can only be refused, so keep it low."""


class UserThrottle(_RatesAtRequestTime, UserRateThrottle):
    """Every signed-in user or token's user, across all endpoints."""


class ScopeThrottle(_RatesAtRequestTime, ScopedRateThrottle):
    """Per user and per `throttle_scope` of the view (search, match, ingest, ...)."""
