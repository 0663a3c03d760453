"""Request/response values passed to endpoint handlers, and the path router."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from .errors import ApiError, JsonDict, validation_error
from .store import Store

MAX_BATCH = 100  # "Batch writes: 100 inputs per call" (FACTS.md)


@dataclass
class Call:
    """One API request as a handler sees it."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: Any
    store: Store
    now: datetime

    def q(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def q_list(self, name: str) -> list[str] | None:
        """A list parameter sent repeated (``a=1&a=2``, what client 12 does) or
        comma-separated (``a=1,2``, what HubSpot's docs show): both are accepted."""
        if name not in self.query:
            return None
        return [part for value in self.query[name] for part in value.split(",") if part]

    def q_bool(self, name: str) -> bool:
        return (self.q(name) or "false").lower() == "true"

    def json_object(self) -> JsonDict:
        if not isinstance(self.body, dict):
            raise validation_error("Invalid input JSON: expected an object.")
        return self.body

    def inputs(self, limit: int = MAX_BATCH) -> list[JsonDict]:
        """The ``inputs`` list of a batch body; more than ``limit`` fails the call."""
        raw = self.json_object().get("inputs")
        if not isinstance(raw, list):
            raise validation_error("Invalid input JSON: 'inputs' must be a list.")
        if len(raw) > limit:
            raise validation_error(
                f"Batch input has {len(raw)} inputs; the limit is {limit} per request.",
                sub_category="crm.BATCH_INPUT_LIMIT_EXCEEDED",
            )
        if not all(isinstance(item, dict) for item in raw):
            raise validation_error("Invalid input JSON: each input must be an object.")
        return raw


@dataclass
class Reply:
    status: int
    body: Any = None  # None: no body (204)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method, re.compile(f"{regex}/?"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        allowed = False
        for route_method, regex, handler in self._routes:
            found = regex.fullmatch(path)
            if found is None:
                continue
            if route_method != method:
                allowed = True
                continue
            # Path ids arrive percent-encoded (a%40x.com); decode each segment after matching.
            return handler, {k: unquote(v) for k, v in found.groupdict().items()}
        if allowed:
            raise ApiError(405, f"HTTP {method} is not supported by {path}", "VALIDATION_ERROR")
        raise ApiError(
            404,
            f"No route for {method} {path} (the sandbox implements the subset "
            "of HubSpot's API listed in FACTS.md)",
            "OBJECT_NOT_FOUND",
        )
