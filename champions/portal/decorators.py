"""What every portal page needs: a signed-in user with a live champion record.

(No page is cached: `config.middleware.NoStoreMiddleware` marks every response `no-store`.)

`portal_view` is the one decorator portal views use (apps adding portal pages use it too):

    @portal_view
    def my_page(request: PortalRequest) -> HttpResponse:
        champion = request.champion

Staff-only users, sales users and alumni have no live champion record and get 404, as does
anyone whose record was erased. Objects of other champions are looked up through
`request.champion` in the views, so they are 404 as well.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from champions.models import Champion
from champions.selectors import champion_live_for_user


class PortalRequest(HttpRequest):
    """An HttpRequest after `portal_view`: it carries the champion who is signed in."""

    champion: Champion
    htmx: HtmxDetails


View = Callable[..., HttpResponse]
security_log = logging.getLogger("champions.security")


def champion_required(view: View) -> View:
    """404 unless the signed-in user has a live champion record; sets `request.champion`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        champion = champion_live_for_user(user=request.user)
        if champion is None:
            security_log.info(
                "portal denied to user %s without a live champion record: %s",
                request.user.pk,
                request.path,
            )
            raise Http404("No champion record for this user.")
        request.champion = champion  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def portal_view(view: View) -> View:
    """Login required, a live champion required (never cached: the middleware sees to that)."""
    return login_required(champion_required(view))
