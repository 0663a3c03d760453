"""Rate limiting and fault injection settings for the sandbox.

Rate limits (FACTS.md "Limits"): a rolling 10-second window per token (190 on Professional and
Enterprise, 100 on Free/Starter) and a daily cap; search has its own 4 requests per second.
https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from .errors import JsonDict

WINDOW_SECONDS = 10.0


class RateLimiter:
    """Counts accepted calls in a rolling window; a refused call does not use up the budget."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._stamps: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.window:
            self._stamps.popleft()

    def acquire(self) -> bool:
        now = self._clock()
        self._trim(now)
        if len(self._stamps) >= self.limit:
            return False
        self._stamps.append(now)
        return True

    def remaining(self) -> int:
        self._trim(self._clock())
        return max(0, self.limit - len(self._stamps))

    def retry_after(self) -> float:
        """Seconds until the oldest counted call leaves the window."""
        now = self._clock()
        self._trim(now)
        return max(0.0, self._stamps[0] + self.window - now) if self._stamps else 0.0

    def reset(self) -> None:
        self._stamps.clear()


class DailyCounter:
    """HubSpot's daily cap, reset at midnight UTC (the portal's time zone in reality)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._day = self._today()

    @staticmethod
    def _today() -> date:
        return datetime.now(UTC).date()

    def _roll(self) -> None:
        today = self._today()
        if today != self._day:
            self._day, self.used = today, 0

    def acquire(self) -> bool:
        self._roll()
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self) -> int:
        self._roll()
        return max(0, self.limit - self.used)

    def reset(self) -> None:
        self.used = 0


@dataclass
class ScriptedResponse:
    """The next matching call(s) get this instead of the normal answer.

    ``status`` None means "answer normally" (useful with ``hang_seconds``); ``drop`` closes the
    connection without any answer; ``body`` None gets HubSpot's error body for the status.
    """

    status: int | None = None
    times: int = 1
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0
    drop: bool = False
    method: str | None = None
    path_prefix: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)

    @classmethod
    def from_json(cls, raw: Any) -> ScriptedResponse:
        if not isinstance(raw, dict):
            raise ValueError("each scripted response must be an object")
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown scripted response keys: {sorted(unknown)}")
        item = cls(**raw)
        if item.status is not None and not 100 <= int(item.status) <= 599:
            raise ValueError(f"bad status {item.status}")
        if int(item.times) < 1:
            raise ValueError("times must be >= 1")
        return item

    def to_json(self) -> JsonDict:
        return asdict(self)


@dataclass
class FaultSettings:
    """Knobs that can change at run time (POST /_sandbox/faults or ``set_faults``)."""

    fail_rate: float = 0.0
    fail_statuses: tuple[int, ...] = (502, 503, 500)
    latency_ms: int = 0
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0

    def update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault setting {key!r}")
            if key in ("fail_rate", "timeout_rate"):
                value = float(value)
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"{key} must be within [0, 1]")
            elif key == "latency_ms":
                value = max(0, int(value))
            elif key == "hang_seconds":
                value = max(0.0, float(value))
            elif key == "fail_statuses":
                value = tuple(int(v) for v in value)
                if not value:
                    raise ValueError("fail_statuses must not be empty")
            setattr(self, key, value)

    def to_json(self) -> JsonDict:
        out = asdict(self)
        out["fail_statuses"] = list(self.fail_statuses)
        return out
