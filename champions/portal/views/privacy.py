"""The privacy centre: consents, download my data, delete my account."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from champions import selectors, services
from champions.errors import DomainError
from champions.models import ConsentMethod, ConsentScope
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.forms import EraseForm
from champions.portal.views._common import back_to, refused
from champions.privacy import champion_erase, champion_export


@portal_view
def privacy(request: PortalRequest) -> HttpResponse:
    overview = selectors.consent_overview(champion=request.champion)
    return render(request, "portal/privacy/index.html", {"scopes": overview})


def _consent_changed(request: PortalRequest, scope: str) -> HttpResponse:
    if request.htmx:
        overview = selectors.consent_overview(champion=request.champion)
        item = next(entry for entry in overview if entry.scope == scope)
        return render(request, "portal/privacy/_consent.html", {"item": item})
    return back_to(request, "portal:privacy", anchor=f"consent-{scope}")


def _scope(scope: str) -> str:
    if scope not in ConsentScope.values:
        raise Http404
    return scope


@require_POST
@portal_view
def consent_grant(request: PortalRequest, scope: str) -> HttpResponse:
    scope = _scope(scope)
    try:
        services.consent_grant(
            champion=request.champion,
            scope=scope,
            method=ConsentMethod.PORTAL,
            actor=request.user,  # type: ignore[arg-type]
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, f"Consent given: {ConsentScope(scope).label}.")
    return _consent_changed(request, scope)


@require_POST
@portal_view
def consent_withdraw(request: PortalRequest, scope: str) -> HttpResponse:
    scope = _scope(scope)
    services.consent_withdraw(
        champion=request.champion,
        scope=scope,
        method=ConsentMethod.PORTAL,
        actor=request.user,  # type: ignore[arg-type]
    )
    messages.success(request, f"Consent withdrawn: {ConsentScope(scope).label}. It applies now.")
    return _consent_changed(request, scope)


@portal_view
def export(request: PortalRequest) -> HttpResponse:
    data = champion_export(champion=request.champion)
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"champions-my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@portal_view
def erase(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    form = EraseForm(
        request.POST if request.method == "POST" else None, expected_email=champion.email
    )
    if request.method == "POST" and form.is_valid():
        champion_erase(champion=champion, actor=request.user)  # type: ignore[arg-type]
        logout(request)
        return redirect("portal:erased")
    return render(request, "portal/privacy/erase.html", {"form": form})


def erased(request: HttpRequest) -> HttpResponse:
    """Shown once the account is erased; the person is signed out, so no login is needed."""
    return render(request, "portal/privacy/erased.html", {})
