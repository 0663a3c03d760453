"""Issuing and revoking API tokens: the writes behind `/api/v1/tokens/`.

A token is `chp_` and 43 random URL-safe characters. It is shown once, at creation; only its
sha256 hash and a short prefix (to recognise it in a list) are stored. Personal tokens act as
their user; ingestion tokens (`scope=ingest`) are for the company's systems and are accepted
only by the ingestion endpoints.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from champions.errors import DomainError, NotFound
from champions.models import ApiToken, ApiTokenScope, User
from champions.services import hash_token
from config.api.permissions import is_program_team, is_sales

TOKEN_PREFIX = "chp_"  # noqa: S105 (a label, not a secret)
MAX_LIVE_TOKENS = 20


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def _live_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


@transaction.atomic
def api_token_issue(
    *,
    user: User,
    name: str,
    scope: str = ApiTokenScope.PERSONAL,
    expires_in_days: int | None = None,
) -> IssuedToken:
    """A new token for `user`. Staff, program managers and sales need two-factor sign-in,
    since a token reaches everything they can; only the program team issues ingestion tokens."""
    if not (is_program_team(user) or is_sales(user)):
        raise DomainError("Only sales and the program team use the API.", code="forbidden")
    if not is_mfa_enabled(user):
        raise DomainError(
            "Turn on two-factor authentication (an authenticator app or a security key) "
            "in your account before creating an API token.",
            code="mfa_required",
        )
    if scope not in ApiTokenScope.values:
        raise DomainError(f"“{scope}” is not a token scope.", field="scope")
    if scope == ApiTokenScope.INGEST and not is_program_team(user):
        raise DomainError(
            "Only the program team issues ingestion tokens.", field="scope", code="forbidden"
        )
    days = settings.API_TOKEN_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise DomainError(
            f"A token lives between 1 and {settings.API_TOKEN_MAX_DAYS} days.",
            field="expires_in_days",
        )
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name, e.g. the script that uses it.", field="name")
    if _live_tokens(user).count() >= MAX_LIVE_TOKENS:
        raise DomainError(
            f"You have {MAX_LIVE_TOKENS} live tokens; revoke one you no longer use first.",
            field="name",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[:12],
        token_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (revoking twice is harmless)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("You have no token with this id.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
