"""Helpers the governance admin pages share: thin doors into the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from champions.errors import DomainError
from champions.models import User
from programs.governance.models import Report
from programs.governance.selectors import report_sla

SLA_COLOURS = {
    "overdue": "#dc3545",
    "due_soon": "#b35c00",
    "on_time": "#0d6efd",
    "closed": "#6c757d",
}


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "the admin is only for signed-in users"
    return user


def run(request: HttpRequest, call: Callable[[], object], success: str) -> bool:
    """Call a service; its refusal becomes an error message, never a server error."""
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def form_refused(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def redirect_to(name: str, *args: object, anchor: str = "") -> HttpResponseRedirect:
    url = reverse(name, args=args)
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def page_context(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, **extra: Any
) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "app_label": model_admin.opts.app_label,
        **extra,
    }


def sla_flag(report: Report) -> SafeString:
    sla = report_sla(report=report, at=timezone.now())
    weight = "bold" if sla.state == "overdue" else "normal"
    mark = "⚠ " if sla.state == "overdue" else ""
    return format_html(
        '<span style="color:{};font-weight:{}">{}{}</span>',
        SLA_COLOURS[sla.state],
        weight,
        mark,
        sla.label,
    )
