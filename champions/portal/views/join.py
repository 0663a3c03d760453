"""Joining by invitation: the one way into the portal (signup is closed)."""

from __future__ import annotations

from allauth.account.utils import perform_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from champions import services
from champions.adapters import mark_email_verified
from champions.errors import DomainError
from champions.models import Invitation
from champions.portal.forms import JoinForm
from champions.portal.views._common import form_error

# A link that never existed is not found; one that did but cannot be used any more is gone.
INVALID_LINK_STATUS = {"invalid_invitation": 404}


def inviter_name(invitation: Invitation) -> str:
    if invitation.invited_by_champion is not None:
        return invitation.invited_by_champion.full_name
    if invitation.invited_by_user is not None and invitation.invited_by_user.full_name:
        return invitation.invited_by_user.full_name
    return "The champions program team"


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except DomainError as error:
        status = INVALID_LINK_STATUS.get(error.code, 410)
        return render(request, "portal/join_invalid.html", {"error": error}, status=status)
    form = JoinForm(request.POST if request.method == "POST" else None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                champion = services.invitation_accept(
                    token=token,
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data["full_name"],
                )
                assert champion.user is not None
                # The invitation reached this address, so the address is proven.
                mark_email_verified(user=champion.user, email=champion.email)
        except DomainError as error:
            form_error(form, error)
        else:
            return perform_login(request, champion.user, redirect_url=reverse("portal:welcome"))
    context = {
        "invitation": invitation,
        "champion": invitation.champion,
        "inviter_name": inviter_name(invitation),
        "form": form,
    }
    return render(request, "portal/join.html", context)
