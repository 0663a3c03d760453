"""The portal's entries in the activity log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from champions import services
from champions.models import ActivityKind, ActivitySource, User
from champions.selectors import champion_live_for_user


def record_portal_login(sender: Any, *, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """allauth's `user_logged_in`: a champion signing in is an observer activity.

    Staff, sales and alumni sign in too; only users with a live champion record count.
    """
    champion = champion_live_for_user(user=user)
    if champion is None:
        return
    services.activity_record(
        kind=ActivityKind.LOGIN, source=ActivitySource.PORTAL, champion=champion, actor=user
    )
