"""Small helpers shared by the reference admin pages: thin doors into the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse

from champions.errors import DomainError

M = TypeVar("M", bound=Model)


def run_service(request: HttpRequest, call: Callable[[], object], success: str) -> bool:
    """Call a service; its refusal becomes an error message, never a server error."""
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def object_for(
    model_admin: admin.ModelAdmin[M], request: HttpRequest, object_id: str, *, change: bool
) -> M:
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404(f"No {model_admin.opts.verbose_name} with id {object_id}.")
    allowed = (
        model_admin.has_change_permission(request, obj)
        if change
        else model_admin.has_view_permission(request, obj)
    )
    if not allowed:
        raise PermissionDenied
    return obj


def change_url(obj: Model) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def back_to(obj: Model) -> HttpResponseRedirect:
    return HttpResponseRedirect(change_url(obj))


def context(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, **extra: Any
) -> dict[str, Any]:
    """What the admin's base templates need, plus the page's own values."""
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "app_label": model_admin.opts.app_label,
        **extra,
    }
