"""Bearer-token authentication for the REST API.

Tokens travel only in the `Authorization: Bearer <token>` header: a URL ends up in logs,
browser history and referrers, so a token in the query string is refused outright, never read.
Only a sha256 hash of each token is stored (`champions.models.ApiToken`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from champions.models import ApiToken, User
from champions.services import hash_token

# Parameter names clients commonly use to put a token into a URL.
QUERY_TOKEN_PARAMS = frozenset({"token", "access_token", "api_key", "apikey", "key", "bearer"})
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        in_query = QUERY_TOKEN_PARAMS.intersection(k.lower() for k in request.query_params)
        if in_query:
            raise exceptions.AuthenticationFailed(
                f"API tokens are never accepted in the query string (“{sorted(in_query)[0]}”); "
                "send them in the header Authorization: Bearer <token>."
            )
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be “Bearer <token>”, with one token."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        return self._check(raw)

    def _check(self, raw: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The token was revoked.")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                f"The token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; create a new one."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is deactivated.")
        self._touch(token, now)
        return token.user, token

    @staticmethod
    def _touch(token: ApiToken, now: datetime) -> None:
        """Record use at most once a minute, so a busy client costs no write per request."""
        if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
            return
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
