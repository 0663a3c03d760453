"""Project-wide response rules that no single app owns.

`NoStoreMiddleware`: every page the project renders (portal, admin, sign-in, API) is about
someone, so no browser or proxy may keep a copy (RELIABILITY.md item 2). It sits after
WhiteNoise, whose static files keep their long cache lifetime.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
