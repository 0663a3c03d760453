"""A HubSpot look-alike HTTP server on 127.0.0.1 for tests and local development.

Speaks the subset of HubSpot's CRM API listed in FACTS.md ("Endpoints used") with HubSpot's
statuses, shapes, bearer-token auth and rate limits, and adds fault injection and a request log.
Control endpoints live under ``/_sandbox/`` (no auth, not rate limited, not logged).
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import meta_api, objects_api, search
from .errors import (
    ApiError,
    JsonDict,
    invalid_json,
    rate_limit_body,
    server_error_body,
    unauthorized,
)
from .faults import WINDOW_SECONDS, DailyCounter, FaultSettings, RateLimiter, ScriptedResponse
from .properties import iso
from .routing import Call, Router
from .store import Store

# A fixed, well-known token for a loopback-only fake; not a credential.
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105
CONTROL_PREFIX = "/_sandbox/"
READ_ONLY_POSTS = ("/search", "/batch/read")
_CONTROL_KEYS = {
    "rate_limit",
    "daily_limit",
    "search_rate_limit",
    "send_retry_after",
    "all_or_nothing_batches",
    "seed",
    "script",
    "clear_script",
}


@dataclass
class _Initial:
    rate_limit: int
    daily_limit: int
    search_rate_limit: int | None
    seed: int
    send_retry_after: bool
    all_or_nothing_batches: bool
    faults: dict[str, Any]


@dataclass
class Outcome:
    """What the HTTP layer writes back."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class _Admission:
    """Decided under the lock: an answer that replaces the normal one, and the wait before it."""

    answer: Outcome | None
    delay: float = 0.0


class SandboxServer:
    """``SandboxServer(port=0, token=..., rate_limit=190, ...).start()``; ``.url``; ``.stop()``."""

    def __init__(
        self,
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        rate_limit: int = 190,
        fail_rate: float = 0.0,
        latency_ms: int = 0,
        seed: int = 0,
        *,
        timeout_rate: float = 0.0,
        hang_seconds: float = 30.0,
        daily_limit: int = 650_000,
        search_rate_limit: int | None = None,
        search_delay_ms: int = 0,
        all_or_nothing_batches: bool = False,
        send_retry_after: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.token = token
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        # What reset() goes back to.
        self._initial = _Initial(
            rate_limit=rate_limit,
            daily_limit=daily_limit,
            search_rate_limit=search_rate_limit,
            seed=seed,
            send_retry_after=send_retry_after,
            all_or_nothing_batches=all_or_nothing_batches,
            faults={
                "fail_rate": fail_rate,
                "latency_ms": latency_ms,
                "timeout_rate": timeout_rate,
                "hang_seconds": hang_seconds,
            },
        )
        delay = timedelta(milliseconds=search_delay_ms)
        self.store = (
            Store(clock=clock, search_delay=delay)
            if clock is not None
            else Store(search_delay=delay)
        )
        self.router = Router()
        for module in (objects_api, search, meta_api):
            module.register(self.router)
        self._log: list[JsonDict] = []
        self._apply_initial()
        self._httpd = _HTTPServer(("127.0.0.1", port), self)
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def _apply_initial(self) -> None:
        init = self._initial
        self.faults = FaultSettings()
        self.faults.update(init.faults)
        self.limiter = RateLimiter(init.rate_limit, WINDOW_SECONDS)
        self.daily = DailyCounter(init.daily_limit)
        self.search_limiter = (
            RateLimiter(init.search_rate_limit, 1.0) if init.search_rate_limit else None
        )
        self.send_retry_after = init.send_retry_after
        self.store.all_or_nothing_batches = init.all_or_nothing_batches
        # Seeded so that which calls fail is the same on every run (S311: not for security).
        self._rng = random.Random(init.seed)  # noqa: S311
        self._script: deque[ScriptedResponse] = deque()

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxServer:
        """Serves in a daemon thread; returns self."""
        # A short poll interval keeps stop() fast (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="hubspot-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serves in the calling thread until stopped (the ``python -m`` entry point)."""
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._stopping.set()  # wakes calls that are hanging or sleeping for latency
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- run-time control ------------------------------------------------------------------
    def set_faults(self, **changes: Any) -> JsonDict:
        """Changes fault and limit settings at run time; see :meth:`_configure` for the keys."""
        with self._lock:
            self._configure(changes)
            return self.describe_faults()

    def _configure(self, changes: dict[str, Any]) -> None:
        """Keys: the FaultSettings fields (fail_rate, fail_statuses, latency_ms, timeout_rate,
        hang_seconds), rate_limit, daily_limit, search_rate_limit, send_retry_after,
        all_or_nothing_batches, seed, script (a list of ScriptedResponse objects to queue) and
        clear_script. Everything is checked before anything changes."""
        changes = dict(changes)
        unknown = set(changes) - _CONTROL_KEYS - set(FaultSettings.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        scripted = [ScriptedResponse.from_json(raw) for raw in changes.pop("script", None) or []]
        limits = {
            key: (int(changes.pop(key)) if changes[key] is not None else None)
            for key in ("rate_limit", "daily_limit", "search_rate_limit")
            if key in changes
        }
        if any(v is not None and v < 0 for v in limits.values()):
            raise ValueError("limits must not be negative")
        faults = FaultSettings(**vars(self.faults))
        flags = {
            key: changes.pop(key)
            for key in ("send_retry_after", "all_or_nothing_batches", "seed", "clear_script")
            if key in changes
        }
        faults.update(changes)  # raises before anything below is applied
        self.faults = faults
        if limits.get("rate_limit") is not None:
            self.limiter.limit = int(limits["rate_limit"] or 0)
        if limits.get("daily_limit") is not None:
            self.daily.limit = int(limits["daily_limit"] or 0)
        if "search_rate_limit" in limits:
            limit = limits["search_rate_limit"]
            self.search_limiter = RateLimiter(limit, 1.0) if limit else None
        if "send_retry_after" in flags:
            self.send_retry_after = bool(flags["send_retry_after"])
        if "all_or_nothing_batches" in flags:
            self.store.all_or_nothing_batches = bool(flags["all_or_nothing_batches"])
        if "seed" in flags:
            self._rng.seed(flags["seed"])
        if flags.get("clear_script"):
            self._script.clear()
        self._script.extend(scripted)

    def script(self, status: int | None = None, times: int = 1, **options: Any) -> None:
        """Queues a scripted answer, e.g. ``script(429, times=2)`` or ``script(503)``; options:
        body, headers, hang_seconds, drop, method, path_prefix (see ScriptedResponse)."""
        item = ScriptedResponse.from_json({"status": status, "times": times, **options})
        with self._lock:
            self._script.append(item)

    def describe_faults(self) -> JsonDict:
        with self._lock:
            return {
                **self.faults.to_json(),
                "rate_limit": self.limiter.limit,
                "daily_limit": self.daily.limit,
                "search_rate_limit": self.search_limiter.limit if self.search_limiter else None,
                "send_retry_after": self.send_retry_after,
                "all_or_nothing_batches": self.store.all_or_nothing_batches,
                "script": [s.to_json() for s in self._script],
            }

    def reset(self) -> None:
        """Back to the state at construction: no records, no log, fresh limits and faults."""
        with self._lock:
            self.store.reset()
            self._log.clear()
            self._apply_initial()

    # ---- observability ---------------------------------------------------------------------
    @property
    def state(self) -> JsonDict:
        """A JSON-ready snapshot: records, custom properties, associations, settings."""
        with self._lock:
            snap = self.store.snapshot()
            snap["faults"] = self.describe_faults()
            snap["rateLimit"] = {
                "remaining": self.limiter.remaining(),
                "dailyRemaining": self.daily.remaining(),
            }
            snap["requestCount"] = len(self._log)
            return snap

    def objects(self, object_type: str, archived: bool = False) -> list[JsonDict]:
        """Records of one type with all their properties, in id order."""
        with self._lock:
            return [
                {**r.base(), "properties": dict(r.properties)}
                for r in self.store.objects[object_type].values()
                if r.archived == archived
            ]

    def get_object(self, object_type: str, object_id: str) -> JsonDict | None:
        with self._lock:
            r = self.store.objects[object_type].get(object_id)
            return None if r is None else {**r.base(), "properties": dict(r.properties)}

    def associations(self) -> list[JsonDict]:
        with self._lock:
            return self.store.associations.snapshot()

    def calls(self, path_prefix: str | None = None, method: str | None = None) -> list[JsonDict]:
        """Logged API calls (method, path, query, body, status, timestamp), oldest first."""
        with self._lock:
            return [
                dict(c)
                for c in self._log
                if (path_prefix is None or c["path"].startswith(path_prefix))
                and (method is None or c["method"] == method.upper())
            ]

    def write_calls(self) -> list[JsonDict]:
        """Calls that may change HubSpot data (not GETs, searches or batch reads)."""
        return [
            c
            for c in self.calls()
            if c["method"] != "GET"
            and not (c["method"] == "POST" and c["path"].endswith(READ_ONLY_POSTS))
        ]

    # ---- the request pipeline --------------------------------------------------------------
    def dispatch(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Outcome:
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        if path.startswith(CONTROL_PREFIX):
            return self._control(method, path, query, raw)
        body, body_error = _parse_body(raw)
        entry: JsonDict = {
            "method": method,
            "path": path,
            "query": query,
            "body": body,
            "status": None,
            "timestamp": iso(self.store.clock()),
        }
        started = time.monotonic()
        outcome = self._api(method, path, query, headers, body, body_error)
        with self._lock:
            entry["status"] = None if outcome.drop else outcome.status
            entry["durationMs"] = round((time.monotonic() - started) * 1000, 1)
            self._log.append(entry)
        return outcome

    def _api(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: Any,
        body_error: ApiError | None,
    ) -> Outcome:
        with self._lock:
            admitted = self._admit(method, path, headers)
        if admitted.delay > 0 and self._stopping.wait(admitted.delay):
            return Outcome(0, drop=True)  # the server is stopping: abandon the call
        if admitted.answer is not None:
            return admitted.answer
        with self._lock:
            limit_headers = self._limit_headers()
            try:
                if body_error is not None:
                    raise body_error
                handler, params = self.router.match(method, path)
                reply = handler(
                    Call(method, path, params, query, body, self.store, self.store.now())
                )
            except ApiError as exc:
                return Outcome(exc.status, exc.body(), {**limit_headers, **exc.headers})
            return Outcome(reply.status, reply.body, {**limit_headers, **reply.headers})

    def _admit(self, method: str, path: str, headers: dict[str, str]) -> _Admission:
        """Auth, then scripted answers, then rate limits, then random faults. Every call that
        passes auth waits ``latency_ms`` first; a hang adds ``hang_seconds``."""
        if headers.get("authorization", "") != f"Bearer {self.token}":
            return _Admission(Outcome(401, unauthorized().body()))
        latency = self.faults.latency_ms / 1000
        scripted = self._take_script(method, path)
        if scripted is not None:
            # Scripted answers do not use up the rate-limit budget: they stand in for HubSpot.
            delay = latency + scripted.hang_seconds
            if scripted.drop:
                return _Admission(Outcome(0, drop=True), delay)
            if scripted.status is None:
                return _Admission(None, delay)
            return _Admission(self._scripted_outcome(scripted), delay)
        refused = self._over_limit(method, path)
        if refused is not None:
            return _Admission(refused, latency)
        if self.faults.fail_rate and self._rng.random() < self.faults.fail_rate:
            status = self._rng.choice(self.faults.fail_statuses)
            return _Admission(
                Outcome(status, server_error_body(status), self._limit_headers()), latency
            )
        if self.faults.timeout_rate and self._rng.random() < self.faults.timeout_rate:
            latency += self.faults.hang_seconds
        return _Admission(None, latency)

    def _take_script(self, method: str, path: str) -> ScriptedResponse | None:
        for item in self._script:
            if item.matches(method, path):
                item.times -= 1
                if item.times <= 0:
                    self._script.remove(item)
                return item
        return None

    def _scripted_outcome(self, item: ScriptedResponse) -> Outcome:
        status = int(item.status or 200)
        headers = self._limit_headers()
        if status == 429:
            headers["X-HubSpot-RateLimit-Remaining"] = "0"
            body = item.body if item.body is not None else rate_limit_body()
        elif item.body is not None:
            body = item.body
        elif status >= 500:
            body = server_error_body(status)
        else:
            body = ApiError(status, f"Scripted {status} response", "SCRIPTED").body()
        return Outcome(status, body, {**headers, **item.headers})

    def _over_limit(self, method: str, path: str) -> Outcome | None:
        """429 past the rolling 10-second window, the daily cap, or search's per-second cap."""
        policy = None
        is_search = method == "POST" and path.endswith("/search")
        if is_search and self.search_limiter is not None and not self.search_limiter.acquire():
            policy = "SECONDLY"
        if policy is None and not self.limiter.acquire():
            policy = "TEN_SECONDLY_ROLLING"
        if policy is None and not self.daily.acquire():
            policy = "DAILY"
        if policy is None:
            return None
        headers = self._limit_headers()
        if self.send_retry_after:
            # Whether HubSpot sends Retry-After is unconfirmed (FACTS.md); off by default.
            headers["Retry-After"] = str(max(1, math.ceil(self.limiter.retry_after())))
        return Outcome(429, rate_limit_body(policy), headers)

    def _limit_headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Max": str(self.limiter.limit),
            "X-HubSpot-RateLimit-Remaining": str(self.limiter.remaining()),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW_SECONDS * 1000)),
            "X-HubSpot-RateLimit-Daily": str(self.daily.limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(self.daily.remaining()),
        }

    # ---- /_sandbox/ ------------------------------------------------------------------------
    def _control(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> Outcome:
        name = path[len(CONTROL_PREFIX) :].strip("/")
        if (method, name) == ("GET", "state"):
            return Outcome(200, self.state)
        if (method, name) == ("GET", "requests"):
            prefix = query["path_prefix"][-1] if query.get("path_prefix") else None
            verb = query["method"][-1] if query.get("method") else None
            return Outcome(200, {"results": self.calls(prefix, verb)})
        if (method, name) == ("POST", "reset"):
            self.reset()
            return Outcome(200, {"status": "ok"})
        if (method, name) == ("GET", "faults"):
            return Outcome(200, self.describe_faults())
        if (method, name) == ("POST", "faults"):
            body, error = _parse_body(raw)
            if error is not None or not isinstance(body, dict):
                return Outcome(400, {"status": "error", "message": "expected a JSON object"})
            try:
                return Outcome(200, self.set_faults(**body))
            except (ValueError, TypeError) as exc:
                return Outcome(400, {"status": "error", "message": str(exc)})
        return Outcome(404, {"status": "error", "message": f"no control endpoint {method} {path}"})


def _parse_body(raw: bytes) -> tuple[Any, ApiError | None]:
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return raw.decode("utf-8", "replace"), invalid_json(str(exc))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        # Plumbing only (which sockets are open), separate from the state lock.
        self._sockets_lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._sockets_lock:
            self._sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._sockets_lock:
            self._sockets.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Closes kept-alive connections so their threads and clients do not linger."""
        with self._sockets_lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive, like HubSpot; urllib3 reuses pooled connections.
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    timeout = 120  # idle keep-alive connections end after this many seconds

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; with Nagle on, the body waits for the client's
        # delayed ACK (40 ms on Linux) and every call looks 40 ms slower than it is.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        raw = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        outcome = self.server.sandbox.dispatch(self.command, self.path, headers, raw)
        if outcome.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self._write(outcome)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its read timeout)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, outcome: Outcome) -> None:
        self.send_response(outcome.status)
        for key, value in outcome.headers.items():
            self.send_header(key, value)
        if outcome.status == 204 or outcome.body is None:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps(outcome.body, separators=(",", ":")).encode()
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox keeps its own request log (``calls()``, /_sandbox/requests)."""
