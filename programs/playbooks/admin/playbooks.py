"""Playbooks in the admin: written, versioned and run through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify

from champions.errors import DomainError
from programs.events.models import Event
from programs.playbooks import automation, services
from programs.playbooks.admin.common import (
    PlaybookAdminBase,
    ServiceSavedAdmin,
    StepInlineBase,
    action_form,
    apply,
    count_of,
    refusal_to_form,
    url_of,
    user_of,
)
from programs.playbooks.metric_keys import METRIC_KEYS
from programs.playbooks.models import (
    Playbook,
    PlaybookRole,
    PlaybookRun,
    PlaybookStatus,
    PlaybookStep,
    RunKind,
)
from programs.playbooks.services import StepSpec
from programs.playbooks.services.content import clean_content, clean_step


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
            refusal_to_form(self, error, tuple(self.fields))
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
                refusal_to_form(self, error, tuple(self.fields))
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
                step_count=count_of(PlaybookStep, playbook=OuterRef("pk")),
                automated_count=count_of(PlaybookStep, playbook=OuterRef("pk"), trigger_key__gt=""),
                run_count=count_of(PlaybookRun, playbook=OuterRef("pk"), kind=RunKind.MANUAL),
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
                **content, slug=data.get("slug") or "", steps=specs, created_by=user_of(request)
            )
        else:
            original = Playbook.objects.get(pk=form.instance.pk)
            saved = services.playbook_update(
                playbook=original,
                **content,
                slug=data.get("slug") or original.slug,
                steps=specs,
                by=user_of(request),
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
        user = user_of(request)
        apply(
            request, queryset, lambda p: services.playbook_activate(playbook=p, by=user), "Active"
        )

    @admin.action(description="Retire (automation stops; the version stays readable)")
    def retire(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        apply(request, queryset, lambda p: services.playbook_retire(playbook=p), "Retired")

    @admin.action(description="Start a run (for example “Q3 demo day”)")
    def start_run(
        self, request: HttpRequest, queryset: QuerySet[Playbook]
    ) -> TemplateResponse | None:
        form, page = action_form(
            request, queryset, StartRunForm, action="start_run", title="Start a run"
        )
        if form is None:
            return page
        user, data = user_of(request), form.cleaned_data
        apply(
            request,
            queryset,
            lambda p: services.run_start(
                playbook=p, name=data["name"], started_by=user, events=data["events"]
            ),
            "Runs started",
        )
        return None
