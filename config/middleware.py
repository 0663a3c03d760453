"""Project-wide request and response rules that no single app owns.

- `NoStoreMiddleware`: every page the project renders (portal, admin, sign-in, API) is about
  someone, so no browser or proxy may keep a copy (RELIABILITY.md item 2). It sits after
  WhiteNoise, whose static files keep their long cache lifetime.
- `RequestLogMiddleware`: django-structlog's request middleware (a request id, the user id and
  the client address bound to every log line of the request; one `request_finished` line per
  request), with the client address from the trusted proxy only, paths without the secrets
  some carry (join links, reset keys, query strings), and an `outcome`: ok, denied (401, 403,
  404), refused (other 4xx) or error (RELIABILITY.md item 27, docs/security.md). The response
  carries the request id in `X-Request-ID`.
- `client_ip`: the one way the project reads a client's address, the way allauth's rate limits
  do: `REMOTE_ADDR`, or the configured trusted proxy's header; never a raw `X-Forwarded-For`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from allauth.account.adapter import get_adapter
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django_structlog.middlewares import RequestMiddleware

from config.logs import scrub_path


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


def client_ip(request: HttpRequest) -> str | None:
    try:
        return str(get_adapter(request).get_client_ip(request))
    except Exception:  # an address that cannot be trusted is not recorded
        return None


def outcome(status: int) -> str:
    if status >= 500:
        return "error"
    if status in (401, 403, 404):
        return "denied"
    return "refused" if status >= 400 else "ok"


class RequestLogMiddleware(RequestMiddleware):
    @classmethod
    def bind_ip(cls, request: HttpRequest) -> None:
        structlog.contextvars.bind_contextvars(ip=client_ip(request))

    @staticmethod
    def format_request(request: HttpRequest) -> str:
        return f"{request.method} {scrub_path(request.path)}"

    def handle_response(self, request: HttpRequest, response: Any) -> None:
        structlog.contextvars.bind_contextvars(outcome=outcome(response.status_code))
        # The id people can quote to support, to find the request's lines.
        response["X-Request-ID"] = structlog.contextvars.get_contextvars().get("request_id", "")
        super().handle_response(request, response)
