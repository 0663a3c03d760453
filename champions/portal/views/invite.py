"""Invite peers, and see who joined through me."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

from champions import selectors, services
from champions.errors import DomainError
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.forms import InviteForm
from champions.portal.views._common import back_to, form_error


@portal_view
def invite(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if selectors.peer_invitations_sent_today(champion=champion) >= (
            settings.PORTAL_PEER_INVITATIONS_PER_DAY
        ):
            form.add_error(None, "That is a lot of invitations for one day: try again tomorrow.")
        else:
            try:
                services.champion_invite(
                    account=selectors.account_for_peer_invitation(
                        inviter=champion, email=data["email"]
                    ),
                    email=data["email"],
                    full_name=data["full_name"],
                    invited_by_champion=champion,
                    message=data["message"],
                )
            except DomainError as error:
                if error.code in ("duplicate", "already_joined"):
                    # The service names the existing champion; a peer must not learn who.
                    error = DomainError(
                        "This person is already in the program or has been invited.",
                        field="email",
                    )
                form_error(form, error)
            else:
                messages.success(request, f"Invitation sent to {data['full_name']}.")
                return back_to(request, "portal:invite", anchor="invited")
    invitations = list(selectors.peer_invitations_sent(champion=champion))
    joined = sum(1 for i in invitations if i.accepted_at is not None)
    context = {"form": form, "invitations": invitations, "joined": joined}
    return render(request, "portal/invite.html", context)
