"""Runs with their checklist, the automation log and the program team's follow-up tasks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from programs.playbooks import services
from programs.playbooks.admin.common import (
    ChecklistInlineBase,
    ExecutionAdminBase,
    RunAdminBase,
    ServiceSavedAdmin,
    TaskAdminBase,
    action_form,
    apply,
    count_of,
    user_of,
)
from programs.playbooks.models import (
    ExecutionStatus,
    FollowUpTask,
    Playbook,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStatus,
    RunKind,
    StepExecution,
)


class FinishRunForm(forms.Form):
    outcome = forms.CharField(widget=forms.Textarea, help_text="What happened, against the goal.")


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
                steps_total=count_of(PlaybookRunStep, run=OuterRef("pk")),
                steps_done=count_of(PlaybookRunStep, run=OuterRef("pk"), done_at__isnull=False),
                reached_count=count_of(StepExecution, run=OuterRef("pk")),
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
        data, user = form.cleaned_data, user_of(request)
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
        form, page = action_form(request, queryset, FinishRunForm, action="finish", title="Finish")
        if form is None:
            return page
        outcome = form.cleaned_data["outcome"]
        apply(request, queryset, lambda r: services.run_finish(run=r, outcome=outcome), "Finished")
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
        user = user_of(request)
        apply(request, queryset, lambda t: services.followup_task_complete(task=t, by=user), "Done")

    @admin.action(description="Reopen")
    def reopen(self, request: HttpRequest, queryset: QuerySet[FollowUpTask]) -> None:
        apply(request, queryset, lambda t: services.followup_task_reopen(task=t), "Reopened")
