"""Home (what is next for me) and the account overview."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.panels import HOME


@portal_view
def home(request: PortalRequest) -> HttpResponse:
    panels = HOME.render(request, request.champion)
    return render(request, "portal/home.html", {"panels": panels})


@portal_view
def account(request: PortalRequest) -> HttpResponse:
    return render(request, "portal/account.html", {})
