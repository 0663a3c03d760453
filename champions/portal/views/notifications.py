"""Notification preferences."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render

from champions import selectors, services
from champions.errors import DomainError
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.forms import NotificationForm
from champions.portal.views._common import back_to, form_error


@portal_view
def notifications(request: PortalRequest) -> HttpResponse:
    user = request.user
    current = selectors.notification_settings(user=user)
    form = NotificationForm(request.POST if request.method == "POST" else None, settings=current)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                for kind, enabled, frequency in form.preferences():
                    services.notification_preference_set(
                        user=user,  # type: ignore[arg-type]
                        kind=kind,
                        enabled=enabled,
                        digest_frequency=frequency,
                    )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Your notification choices are saved.")
            return back_to(request, "portal:notifications")
    always = [setting for setting in current if setting.always_sent]
    return render(request, "portal/notifications.html", {"form": form, "always": always})
