"""Staff need multi-factor authentication set up before they reach the Django admin.

The admin's login already goes through allauth (`config/urls.py`), so once a TOTP
authenticator exists allauth asks for it at every sign-in. This middleware closes the gap for
staff who have none: every admin page sends them to set one up first.

`ADMIN_REQUIRE_MFA` switches it (on by default when DEBUG is off, off in DEBUG so the local
demo's admin works without an authenticator app). See docs/portal.md.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user: object) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


class AdminRequiresMfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up_mfa(request):
            messages.warning(
                request,
                "The admin needs two-factor authentication. Set up an authenticator app, "
                "then open the admin again.",
            )
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _must_set_up_mfa(self, request: HttpRequest) -> bool:
        if not getattr(settings, "ADMIN_REQUIRE_MFA", True):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        if not request.path.startswith(reverse("admin:index")):
            return False
        return not has_second_factor(user)
