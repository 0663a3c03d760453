"""What the playbook admin pages share: service-backed saving, actions that ask first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from champions.errors import DomainError
from programs.playbooks.models import (
    FollowUpTask,
    Playbook,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStep,
    StepExecution,
)

# The admin classes are generic only to the type checker (django-stubs), not at run time.
if TYPE_CHECKING:
    PlaybookAdminBase = admin.ModelAdmin[Playbook]
    RunAdminBase = admin.ModelAdmin[PlaybookRun]
    ExecutionAdminBase = admin.ModelAdmin[StepExecution]
    TaskAdminBase = admin.ModelAdmin[FollowUpTask]
    StepInlineBase = admin.TabularInline[PlaybookStep, Playbook]
    ChecklistInlineBase = admin.TabularInline[PlaybookRunStep, PlaybookRun]
else:
    PlaybookAdminBase = RunAdminBase = ExecutionAdminBase = TaskAdminBase = admin.ModelAdmin
    StepInlineBase = ChecklistInlineBase = admin.TabularInline


def user_of(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def apply(
    request: HttpRequest, queryset: QuerySet[Any], service: Callable[[Any], object], done: str
) -> None:
    """Run a service per selected row; report refusals by name instead of failing them all."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except DomainError as error:
            messages.error(request, f"{obj}: {error.message}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, f"{done}: {succeeded}.")


def refusal_to_form(form: forms.BaseForm, error: DomainError, fields: tuple[str, ...]) -> None:
    form.add_error(error.field if error.field in fields else None, error.message)


def url_of(playbook: Playbook) -> str:
    return reverse("admin:playbooks_playbook_change", args=[playbook.pk])


def count_of(model: Any, **filters: Any) -> Coalesce:
    """A correlated COUNT, so several counts never multiply each other's joins."""
    rows = (
        model.objects.filter(**filters)
        .order_by()
        .values(next(iter(filters)))
        .annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


class ServiceSavedAdmin:
    """The change form validates, then one service call saves the object with its inlines;
    `obj` becomes what the service returned (for a playbook, perhaps its next version)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # saved with its inlines in save_related, through a service

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        # The inlines were saved by the service, not by formset.save(): say what the form says.
        return [{"added": {}}] if add else [{"changed": {"fields": form.changed_data}}]

    def adopt(self, obj: Any, saved: Any) -> None:
        obj.pk = saved.pk
        obj.refresh_from_db()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except DomainError as error:  # refused after the forms validated (a race); nothing saved
            messages.error(request, error.message)
            return HttpResponseRedirect(request.get_full_path())


def action_form(
    request: HttpRequest,
    queryset: QuerySet[Any],
    form_class: type[forms.Form],
    *,
    action: str,
    title: str,
    initial: dict[str, Any] | None = None,
) -> tuple[forms.Form | None, TemplateResponse | None]:
    """An action that asks one question first: the valid form, or the page asking it."""
    if "confirm" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            return form, None
    else:
        form = form_class(initial=initial)
    context = {
        "title": title,
        "form": form,
        "queryset": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": queryset.model._meta,
    }
    return None, TemplateResponse(request, "admin/playbooks/action_form.html", context)
