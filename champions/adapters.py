"""django-allauth adapters: where the program's rules meet allauth's flows.

- Signup is closed: the portal is invitation-only, and the one way in is the link in the
  invitation email (`/portal/join/<token>/`, `champions.portal.views.join`).
- A login refused by allauth's failed-login rate limit is answered with 429 (allauth itself
  re-shows the form with an error). Every login, failed login and refusal is logged as a
  structured event (`login_succeeded`, `login_failed`, `login_rate_limited`) with the request
  id, user id and address the request middleware binds; the email only as a pseudonym.
- After login, staff without a champion record go to the admin, everyone else to the portal.
"""

from __future__ import annotations

from typing import Any

import structlog
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from champions.models import User
from champions.selectors import champion_live_for_user
from config.logs import pseudonym

security_log = structlog.get_logger("security.auth")


def mark_email_verified(*, user: User, email: str) -> EmailAddress:
    """The address the invitation reached is proven: make it the user's verified primary one."""
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        return EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    address.verified = True
    address.primary = True
    address.save(update_fields=["verified", "primary"])
    return address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created only by accepting an invitation, which does not pass here.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # allauth re-shows the form with "too many failed login attempts" and status 200;
            # RELIABILITY.md item 4 wants a 429 that clients and load balancers recognise.
            security_log.warning("login_rate_limited", outcome="refused")
            raise ImmediateHttpResponse(respond_429(request)) from None

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        email = str(credentials.get("email", ""))[:254]
        security_log.warning("login_failed", outcome="denied", account=pseudonym(email.lower()))

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        security_log.info("login_succeeded", outcome="ok", user_id=user.pk)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "is_staff", False) and champion_live_for_user(user=user) is None:
            return reverse("admin:index")
        return str(super().get_login_redirect_url(request))
