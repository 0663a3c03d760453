"""Playbooks in the admin: the program team writes, versions, runs and watches them.

Every save goes through the services: saving an active playbook writes its next version
(the admin then shows that version), retired versions open read-only, and runs and follow-up
tasks change through actions and services. Forms validate with the same cleaners the
services use, so a refusal shows next to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify

from champions.errors import DomainError
from programs.events.models import Event
from programs.playbooks import automation, services
from programs.playbooks.metric_keys import METRIC_KEYS
from programs.playbooks.models import (
    ExecutionStatus,
    FollowUpTask,
    Playbook,
    PlaybookRole,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStatus,
    PlaybookStep,
    RunKind,
    StepExecution,
)
from programs.playbooks.services import StepSpec
from programs.playbooks.services.content import clean_content, clean_step

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


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _apply(
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


def _refusal_to_form(form: forms.BaseForm, error: DomainError, fields: tuple[str, ...]) -> None:
    form.add_error(error.field if error.field in fields else None, error.message)


def url_of(playbook: Playbook) -> str:
    return reverse("admin:playbooks_playbook_change", args=[playbook.pk])


def _count(model: Any, **filters: Any) -> Coalesce:
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


# --- playbooks ------------------------------------------------------------------------------


class PlaybookForm(forms.ModelForm[Playbook]):
    roles = forms.MultipleChoiceField(
        choices=PlaybookRole.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    metric_keys = forms.MultipleChoiceField(
        choices=[(key, key) for key in METRIC_KEYS],
        required=False,
        help_text="The METRICS.md keys that say whether this loop works.",
    )
    rituals = forms.JSONField(
        required=False, initial=list, help_text='[{"name": "Demo day", "cadence": "quarterly"}]'
    )
    assumptions = forms.JSONField(
        required=False,
        initial=list,
        help_text='[{"statement": "…", "how_we_test": "…"}]',
    )

    class Meta:
        model = Playbook
        fields = (
            *("name", "slug", "goal", "roles", "rituals"),
            *("materials", "metric_keys", "assumptions", "change_note"),
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Leave empty to derive it from the name."

    def clean_slug(self) -> str:
        return self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            clean_content(
                name=data.get("name", ""),
                goal=data.get("goal", ""),
                roles=data.get("roles") or [],
                rituals=data.get("rituals") or [],
                metric_keys=data.get("metric_keys") or [],
                assumptions=data.get("assumptions") or [],
            )
        except DomainError as error:
            _refusal_to_form(self, error, tuple(self.fields))
        return data


class StepForm(forms.ModelForm[PlaybookStep]):
    trigger_key = forms.ChoiceField(required=False, label="Trigger")
    action_key = forms.ChoiceField(required=False, label="Action")
    params = forms.JSONField(required=False, initial=dict)

    class Meta:
        model = PlaybookStep
        fields = ("order", "type", "text", "trigger_key", "action_key", "params")
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 50})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["trigger_key"]).choices = [
            ("", "—"),
            *automation.trigger_choices(),
        ]
        cast(forms.ChoiceField, self.fields["action_key"]).choices = [
            ("", "—"),
            *automation.action_choices(),
        ]
        self.fields["order"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("type") and data.get("text"):
            try:
                clean_step(self.spec())
            except DomainError as error:
                _refusal_to_form(self, error, tuple(self.fields))
        return data

    def spec(self) -> StepSpec:
        data = self.cleaned_data
        return StepSpec(
            type=data.get("type", ""),
            text=data.get("text", ""),
            trigger_key=data.get("trigger_key") or "",
            action_key=data.get("action_key") or "",
            params=data.get("params") or {},
            source_step_id=self.instance.pk,
        )


def _step_specs(formset: BaseInlineFormSet[Any, Any, Any]) -> list[StepSpec]:
    """The steps as the form shows them, in their `order` (new ones without one go last)."""
    rows = []
    for index, form in enumerate(formset.forms):
        if not form.cleaned_data or form.cleaned_data.get("DELETE"):
            continue
        rows.append((form.cleaned_data.get("order") or 10_000, index, form.spec()))
    return [spec for _, _, spec in sorted(rows, key=lambda row: row[:2])]


class StepInline(StepInlineBase):
    model = PlaybookStep
    form = StepForm
    extra = 1
    ordering = ("order",)

    def _editable(self, obj: Playbook | None) -> bool:
        return obj is None or not obj.is_read_only

    def has_add_permission(self, request: HttpRequest, obj: Playbook | None = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Playbook | None = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Playbook | None = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class StartRunForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="For example “Q3 demo day”.")
    events = forms.ModelMultipleChoiceField(
        queryset=Event.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.now()
        window = Q(
            starts_at__gte=now - timedelta(days=90), starts_at__lte=now + timedelta(days=365)
        )
        self.fields["events"].queryset = Event.objects.filter(window).order_by("starts_at")  # type: ignore[attr-defined]


class FinishRunForm(forms.Form):
    outcome = forms.CharField(widget=forms.Textarea, help_text="What happened, against the goal.")


def _action_form(
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


@admin.register(Playbook)
class PlaybookAdmin(ServiceSavedAdmin, PlaybookAdminBase):
    form = PlaybookForm
    inlines = (StepInline,)
    list_display = ("name", "version", "status", "steps", "automated", "runs", "activated_at")
    list_filter = ("status",)
    search_fields = ("name", "slug", "goal")
    raw_id_fields = ("materials",)
    readonly_fields = ("status", "version", "activated_at", "retired_at", "version_history")
    actions = ("activate", "retire", "start_run")
    fieldsets = (
        (None, {"fields": ("name", "slug", "goal", "status", "version", "version_history")}),
        ("Who and when", {"fields": ("roles", "rituals")}),
        ("Materials and measures", {"fields": ("materials", "metric_keys", "assumptions")}),
        ("This version", {"fields": ("change_note", "activated_at", "retired_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Playbook]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                step_count=_count(PlaybookStep, playbook=OuterRef("pk")),
                automated_count=_count(PlaybookStep, playbook=OuterRef("pk"), trigger_key__gt=""),
                run_count=_count(PlaybookRun, playbook=OuterRef("pk"), kind=RunKind.MANUAL),
            )
        )

    @admin.display(ordering="step_count")
    def steps(self, playbook: Playbook) -> int:
        return playbook.step_count  # type: ignore[attr-defined]

    @admin.display(ordering="automated_count", description="automated steps")
    def automated(self, playbook: Playbook) -> int:
        return playbook.automated_count  # type: ignore[attr-defined]

    @admin.display(ordering="run_count")
    def runs(self, playbook: Playbook) -> int:
        return playbook.run_count  # type: ignore[attr-defined]

    @admin.display(description="Versions")
    def version_history(self, playbook: Playbook) -> str:
        if playbook.pk is None:
            return "-"
        versions = Playbook.objects.filter(family=playbook.family).order_by("-version")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">v{}</a> {} {}</li>',
                (
                    (
                        url_of(v),
                        v.version,
                        v.get_status_display().lower(),
                        f"— {v.change_note}" if v.change_note else "",
                    )
                    for v in versions
                ),
            ),
        )

    def has_change_permission(self, request: HttpRequest, obj: Playbook | None = None) -> bool:
        # A retired version opens read-only: it is the record of what the program did.
        return not (obj and obj.is_read_only) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Playbook | None = None) -> bool:
        # Only a draft that never ran may go; versions that ran are history.
        draft = obj is None or obj.status == PlaybookStatus.DRAFT
        return draft and super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        content = {
            "name": data["name"],
            "goal": data["goal"],
            "roles": data.get("roles") or [],
            "rituals": data.get("rituals") or [],
            "materials": list(data.get("materials") or []),
            "metric_keys": data.get("metric_keys") or [],
            "assumptions": data.get("assumptions") or [],
        }
        specs = _step_specs(formsets[0]) if formsets else []
        if not change:
            saved = services.playbook_create(
                **content, slug=data.get("slug") or "", steps=specs, created_by=_user(request)
            )
        else:
            original = Playbook.objects.get(pk=form.instance.pk)
            saved = services.playbook_update(
                playbook=original,
                **content,
                slug=data.get("slug") or original.slug,
                steps=specs,
                by=_user(request),
                change_note=data.get("change_note") or "",
            )
            if saved.pk != original.pk:
                messages.info(
                    request,
                    f"Saved as version {saved.version}; version {original.version} is retired "
                    "and stays readable.",
                )
        self.adopt(form.instance, saved)

    def response_change(self, request: HttpRequest, obj: Playbook) -> HttpResponse:
        response = super().response_change(request, obj)
        if "_continue" in request.POST and isinstance(response, HttpResponseRedirect):
            # Saving an active playbook made a new version: keep editing that one.
            return HttpResponseRedirect(url_of(obj))
        return response

    @admin.action(description="Activate (drafts start; a retired playbook comes back)")
    def activate(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        user = _user(request)
        _apply(
            request, queryset, lambda p: services.playbook_activate(playbook=p, by=user), "Active"
        )

    @admin.action(description="Retire (automation stops; the version stays readable)")
    def retire(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        _apply(request, queryset, lambda p: services.playbook_retire(playbook=p), "Retired")

    @admin.action(description="Start a run (for example “Q3 demo day”)")
    def start_run(
        self, request: HttpRequest, queryset: QuerySet[Playbook]
    ) -> TemplateResponse | None:
        form, page = _action_form(
            request, queryset, StartRunForm, action="start_run", title="Start a run"
        )
        if form is None:
            return page
        user, data = _user(request), form.cleaned_data
        _apply(
            request,
            queryset,
            lambda p: services.run_start(
                playbook=p, name=data["name"], started_by=user, events=data["events"]
            ),
            "Runs started",
        )
        return None


# --- runs -----------------------------------------------------------------------------------


class ChecklistForm(forms.ModelForm[PlaybookRunStep]):
    done = forms.BooleanField(required=False)

    class Meta:
        model = PlaybookRunStep
        fields = ("note",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done"].initial = self.instance.done_at is not None


class ChecklistInline(ChecklistInlineBase):
    model = PlaybookRunStep
    form = ChecklistForm
    extra = 0
    can_delete = False
    fields = ("step", "done", "note", "done_at", "done_by")
    readonly_fields = ("step", "done_at", "done_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlaybookRunStep]:
        return super().get_queryset(request).select_related("step", "done_by")

    def has_add_permission(self, request: HttpRequest, obj: PlaybookRun | None = None) -> bool:
        return False


class RunForm(forms.ModelForm[PlaybookRun]):
    class Meta:
        model = PlaybookRun
        fields = ("playbook", "name", "events")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "playbook" in self.fields:
            active = Playbook.objects.filter(status=PlaybookStatus.ACTIVE)
            self.fields["playbook"].queryset = active  # type: ignore[attr-defined]


@admin.register(PlaybookRun)
class PlaybookRunAdmin(ServiceSavedAdmin, RunAdminBase):
    form = RunForm
    inlines = (ChecklistInline,)
    list_display = ("name", "playbook", "kind", "started_at", "finished_at", "progress", "reached")
    list_filter = ("kind", ("finished_at", admin.EmptyFieldListFilter), "playbook__status")
    list_select_related = ("playbook",)
    search_fields = ("name", "playbook__name", "outcome")
    raw_id_fields = ("events",)
    readonly_fields = ("kind", "started_at", "started_by", "finished_at", "outcome", "log")
    date_hierarchy = "started_at"
    actions = ("finish",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlaybookRun]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                steps_total=_count(PlaybookRunStep, run=OuterRef("pk")),
                steps_done=_count(PlaybookRunStep, run=OuterRef("pk"), done_at__isnull=False),
                reached_count=_count(StepExecution, run=OuterRef("pk")),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: PlaybookRun | None = None) -> Any:
        return (*self.readonly_fields, "playbook") if obj else self.readonly_fields

    @admin.display(description="checklist")
    def progress(self, run: PlaybookRun) -> str:
        if run.kind == RunKind.AUTOMATION:
            return "-"
        return f"{run.steps_done}/{run.steps_total}"  # type: ignore[attr-defined]

    @admin.display(ordering="reached_count", description="champions reached")
    def reached(self, run: PlaybookRun) -> int:
        return run.reached_count  # type: ignore[attr-defined]

    @admin.display(description="Automation log")
    def log(self, run: PlaybookRun) -> str:
        counts = run.executions.values_list("status").annotate(n=Count("pk")).order_by("status")
        if not counts:
            return "-"
        url = reverse("admin:playbooks_stepexecution_changelist") + f"?run__id__exact={run.pk}"
        summary = ", ".join(f"{n} {ExecutionStatus(s).label.lower()}" for s, n in counts)
        return format_html('<a href="{}">{}</a>', url, summary)

    def has_change_permission(self, request: HttpRequest, obj: PlaybookRun | None = None) -> bool:
        return not (obj and obj.finished_at) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: PlaybookRun | None = None) -> bool:
        return False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data, user = form.cleaned_data, _user(request)
        if not change:
            saved = services.run_start(
                playbook=data["playbook"], name=data["name"], started_by=user, events=data["events"]
            )
        else:
            saved = services.run_update(run=form.instance, name=data["name"], events=data["events"])
            for item_form in formsets[0].forms if formsets else []:
                if item_form.has_changed():
                    services.run_check_step(
                        run=saved,
                        step=item_form.instance.step,
                        by=user,
                        done=item_form.cleaned_data["done"],
                        note=item_form.cleaned_data["note"],
                    )
        self.adopt(form.instance, saved)

    @admin.action(description="Finish the run, with its outcome")
    def finish(
        self, request: HttpRequest, queryset: QuerySet[PlaybookRun]
    ) -> TemplateResponse | None:
        form, page = _action_form(request, queryset, FinishRunForm, action="finish", title="Finish")
        if form is None:
            return page
        outcome = form.cleaned_data["outcome"]
        _apply(request, queryset, lambda r: services.run_finish(run=r, outcome=outcome), "Finished")
        return None


# --- the automation log and follow-up tasks -------------------------------------------------


@admin.register(StepExecution)
class StepExecutionAdmin(ExecutionAdminBase):
    list_display = ("created_at", "champion", "step", "status", "executed_at", "error")
    list_filter = ("status", "step__action_key", "step__trigger_key", "run__playbook__name")
    list_select_related = ("champion__account", "step")
    search_fields = ("champion__full_name", "champion__email", "error")
    date_hierarchy = "created_at"
    show_full_result_count = False  # the log grows large; the exact total costs a full count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("overdue", "Overdue"), ("done", "Done")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(done_at__isnull=True, due_at__lt=timezone.now())
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(TaskAdminBase):
    list_display = ("title", "champion", "due_at", "is_done", "assigned_to", "playbook")
    list_filter = (OpenFilter, "assigned_to", "step__playbook__name")
    list_select_related = ("champion__account", "assigned_to", "step__playbook")
    search_fields = ("title", "champion__full_name", "notes")
    raw_id_fields = ("champion",)
    fields = ("title", "champion", "due_at", "notes", "assigned_to", "playbook", "done_at")
    readonly_fields = ("playbook", "done_at")
    actions = ("mark_done", "reopen")

    @admin.display(boolean=True, description="done")
    def is_done(self, task: FollowUpTask) -> bool:
        return task.is_done

    @admin.display(description="playbook")
    def playbook(self, task: FollowUpTask) -> str:
        return str(task.step.playbook) if task.step else "-"

    def get_readonly_fields(self, request: HttpRequest, obj: FollowUpTask | None = None) -> Any:
        return (*self.readonly_fields, "champion") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: FollowUpTask, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.followup_task_update(
                task=obj,
                title=data["title"],
                due_at=data["due_at"],
                notes=data["notes"],
                assigned_to=data["assigned_to"],
            )
        else:
            saved = services.followup_task_create(
                title=data["title"],
                due_at=data["due_at"],
                champion=data["champion"],
                notes=data["notes"],
                assigned_to=data["assigned_to"],
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description="Mark done")
    def mark_done(self, request: HttpRequest, queryset: QuerySet[FollowUpTask]) -> None:
        user = _user(request)
        _apply(
            request, queryset, lambda t: services.followup_task_complete(task=t, by=user), "Done"
        )

    @admin.action(description="Reopen")
    def reopen(self, request: HttpRequest, queryset: QuerySet[FollowUpTask]) -> None:
        _apply(request, queryset, lambda t: services.followup_task_reopen(task=t), "Reopened")
