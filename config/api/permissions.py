"""Who may call what: the program's roles (`champions.roles`) as DRF permissions.

A service token (scope `ingest`) acts for a system, not a person: it is accepted only by the
ingestion endpoints, which use `IsIngestService`. Every other permission here refuses it, so a
leaked ingestion token reads nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission

from champions.models import ApiToken, ApiTokenScope, User
from champions.roles import Role

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def token_scope(request: Request) -> str | None:
    return request.auth.scope if isinstance(request.auth, ApiToken) else None


def acting_user(request: Request) -> User:
    """The signed-in user of a request that passed a permission check above."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def user_groups(user: Any) -> frozenset[str]:
    """The user's role names, read once per request (the user object is per request)."""
    cached: frozenset[str] | None = getattr(user, "_api_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._api_role_names = cached
    return cached


def is_program_team(user: Any) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return bool(user.is_staff) or Role.PROGRAM_MANAGER in user_groups(user)


def is_sales(user: Any) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return Role.SALES in user_groups(user)


class IsAuthenticatedPerson(BasePermission):
    """Signed in as a person (session or personal token); service tokens are refused."""

    message = "This endpoint needs a signed-in user or a personal API token."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if token_scope(request) == ApiTokenScope.INGEST:
            self.message = "A service token may only be used on the ingestion endpoints."
            return False
        return True


class IsProgramTeam(IsAuthenticatedPerson):
    message = "Only the program team may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and is_program_team(request.user)


class IsSales(IsAuthenticatedPerson):
    message = "Only sales may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and is_sales(request.user)


class IsSalesOrProgramTeam(IsAuthenticatedPerson):
    message = "Only sales and the program team may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        return is_sales(request.user) or is_program_team(request.user)


class IsIngestService(BasePermission):
    """A service token with scope `ingest` whose user is still active."""

    message = "Only an ingestion service token may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return token_scope(request) == ApiTokenScope.INGEST and bool(request.user.is_active)


class IsIngestServiceOrProgramTeam(BasePermission):
    """The ingestion endpoints: a service token, or the program team's own scripts."""

    message = "Only an ingestion service token or the program team may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return IsIngestService().has_permission(request, view) or IsProgramTeam().has_permission(
            request, view
        )
