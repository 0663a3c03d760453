"""One rate limit for every worker: HubSpot's rolling 10-second window, kept in Redis.

HubSpot counts calls per token in a *rolling* ten-second window (FACTS.md, "Limits";
https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details). A classic token
bucket of N tokens refilled at N per 10 s lets up to 2N calls into some ten-second window, so
the shared state here is the window itself: a sorted set of call times in Redis, trimmed and
checked in one Lua script (atomic across processes, stamped by Redis's own clock). The
window is padded by a quarter second because HubSpot stamps a call when it arrives, a moment
after we let it go. A 429 anyway pauses every worker for the time HubSpot asks.

Without Redis the same window lives in one database row, locked while it is read and written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 10.0
SAFETY_SECONDS = 0.25

# KEYS[1] window (sorted set of call times in ms), KEYS[2] pause-until (ms)
# ARGV[1] window ms, ARGV[2] limit, ARGV[3] member, ARGV[4] 1 to take a slot, 0 to only look
# Returns {wait_ms, used}: wait_ms 0 means the slot was taken (or is free, when only looking).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then return {pause - now, used} end
if used < limit then
  if ARGV[4] == '1' then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
    used = used + 1
  end
  return {0, used}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {math.max(1, tonumber(oldest[2]) + window - now), used}
"""
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1])) end
return until_ms
"""


class Window(Protocol):
    def try_acquire(self, take: bool = True) -> tuple[float, int]:
        """(seconds to wait, calls in the window); 0 seconds: a slot was taken."""
        ...

    def pause(self, seconds: float) -> None: ...


class RedisWindow:
    def __init__(self, url: str, key: str, limit: int, window: float) -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.keys = [f"{key}:calls", f"{key}:pause"]
        self.limit, self.window_ms = limit, int(window * 1000)
        self._acquire = self.client.register_script(_ACQUIRE)
        self._pause = self.client.register_script(_PAUSE)

    def try_acquire(self, take: bool = True) -> tuple[float, int]:
        member = uuid.uuid4().hex
        wait_ms, used = self._acquire(
            keys=self.keys, args=[self.window_ms, self.limit, member, "1" if take else "0"]
        )
        return int(wait_ms) / 1000, int(used)

    def pause(self, seconds: float) -> None:
        self._pause(keys=self.keys[1:], args=[max(1, int(seconds * 1000))])


class DatabaseWindow:
    """The window in one row (`hubspot.RateLimitWindow`), for installs without Redis."""

    def __init__(self, key: str, limit: int, window: float) -> None:
        self.key, self.limit, self.window = key, limit, window

    def try_acquire(self, take: bool = True) -> tuple[float, int]:
        from integrations.hubspot.models import RateLimitWindow

        now = time.time()
        with transaction.atomic():
            RateLimitWindow.objects.get_or_create(key=self.key)
            row = RateLimitWindow.objects.select_for_update().get(key=self.key)
            stamps = [s for s in row.stamps if s > now - self.window]
            if row.paused_until > now:
                return row.paused_until - now, len(stamps)
            if len(stamps) >= self.limit:
                return max(0.001, min(stamps) + self.window - now), len(stamps)
            if take:
                stamps.append(now)
                row.stamps = stamps
                row.save(update_fields=["stamps"])
            return 0.0, len(stamps)

    def pause(self, seconds: float) -> None:
        from integrations.hubspot.models import RateLimitWindow

        with transaction.atomic():
            RateLimitWindow.objects.get_or_create(key=self.key)
            row = RateLimitWindow.objects.select_for_update().get(key=self.key)
            row.paused_until = max(row.paused_until, time.time() + seconds)
            row.save(update_fields=["paused_until"])


class Throttle:
    """Blocks until a call fits under the portal's limit, shared by every process."""

    def __init__(self, window: Window, limit: int, sleep: Callable[[float], None] = time.sleep):
        self.window, self.limit, self._sleep = window, limit, sleep
        self.waited = 0.0

    def acquire(self) -> float:
        """Wait for a slot and take it; returns the seconds waited."""
        waited = 0.0
        while True:
            wait, _ = self.window.try_acquire()
            if wait <= 0:
                self.waited += waited
                return waited
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """HubSpot answered 429: nobody calls for `seconds`."""
        self.window.pause(seconds)

    def usage(self) -> tuple[int, float]:
        """(calls in the current window, seconds every caller is paused for)."""
        wait, used = self.window.try_acquire(take=False)
        return used, wait if used < self.limit else 0.0


def throttle_key(token: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:12]
    return f"hubspot:rate:{digest}"


_windows: dict[tuple[int, str, str, int], Window] = {}


def shared_throttle(token: str, limit: int) -> Throttle:
    """The throttle of this token, over Redis when REDIS_URL (or a Redis broker) is set."""
    redis_url = settings.REDIS_URL or (
        settings.CELERY_BROKER_URL if str(settings.CELERY_BROKER_URL).startswith("redis") else ""
    )
    key = throttle_key(token)
    cache_key = (os.getpid(), redis_url, key, limit)
    window = _windows.get(cache_key)
    if window is None:
        padded = WINDOW_SECONDS + SAFETY_SECONDS
        window = (
            RedisWindow(redis_url, key, limit, padded)
            if redis_url
            else DatabaseWindow(key, limit, padded)
        )
        _windows[cache_key] = window
    return Throttle(window, limit)
