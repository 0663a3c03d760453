"""The metrics admin: snapshots (read only), experiments, interview notes, hypotheses.

The dashboard itself is the admin's index page (`programs.metrics.admin.dashboard`,
installed from `MetricsConfig.ready`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from champions.errors import DomainError
from champions.models import User
from programs.metrics import registry, services
from programs.metrics.models import (
    Decision,
    DropOffHypothesis,
    Experiment,
    Guardrail,
    InterviewNote,
    MetricSnapshot,
    Quote,
)

if TYPE_CHECKING:
    SnapshotAdminBase = admin.ModelAdmin[MetricSnapshot]
    ExperimentAdminBase = admin.ModelAdmin[Experiment]
    NoteAdminBase = admin.ModelAdmin[InterviewNote]
    HypothesisAdminBase = admin.ModelAdmin[DropOffHypothesis]
    GuardrailInlineBase = admin.TabularInline[Guardrail, Experiment]
    QuoteInlineBase = admin.TabularInline[Quote, InterviewNote]
    ExperimentFormBase = forms.ModelForm[Experiment]
    GuardrailFormBase = forms.ModelForm[Guardrail]
    QuoteFormBase = forms.ModelForm[Quote]
else:
    SnapshotAdminBase = ExperimentAdminBase = NoteAdminBase = admin.ModelAdmin
    HypothesisAdminBase = admin.ModelAdmin
    GuardrailInlineBase = QuoteInlineBase = admin.TabularInline
    ExperimentFormBase = GuardrailFormBase = QuoteFormBase = forms.ModelForm

SCALAR_CHOICES = [(m.key, f"{m.label} ({m.key})") for m in registry.METRICS if m.scalar]
KEY_CHOICES = [("", "—"), *((m.key, f"{m.label} ({m.key})") for m in registry.METRICS)]


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(SnapshotAdminBase):
    """Stored values, for checking what the dashboard reads; written only by the tasks."""

    list_display = ("key", "start", "end", "guild", "stale", "computed_at")
    list_filter = ("stale", "key")
    list_select_related = ("guild",)
    date_hierarchy = "end"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GuardrailForm(GuardrailFormBase):
    metric_key = forms.ChoiceField(choices=SCALAR_CHOICES)

    class Meta:
        model = Guardrail
        fields = ("metric_key", "direction", "allowed_change", "note")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            services.guardrail_check(
                services.GuardrailInput(
                    cleaned.get("metric_key", ""),
                    cleaned.get("direction", ""),
                    cleaned.get("allowed_change") or 0.0,
                ),
                seen=set(),
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return cleaned


class GuardrailInline(GuardrailInlineBase):
    model = Guardrail
    form = GuardrailForm
    extra = 2

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _editable(obj) and super().has_delete_permission(request, obj)


def _editable(experiment: Experiment | None) -> bool:
    """Planned experiments can be changed; once one starts, its design is the record."""
    if experiment is None:
        return True
    return not experiment.decision and experiment.starts_at > timezone.now()


class ExperimentForm(ExperimentFormBase):
    primary_metric = forms.ChoiceField(choices=SCALAR_CHOICES)

    class Meta:
        model = Experiment
        fields = (
            "title",
            "hypothesis",
            "change",
            "primary_metric",
            "minimum_effect",
            "audience_guilds",
            "cohort_joined_from",
            "cohort_joined_to",
            "control_guilds",
            "starts_at",
            "ends_at",
            "reversible",
            "rollback_plan",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        cohort = None
        if cleaned.get("cohort_joined_from") and cleaned.get("cohort_joined_to"):
            cohort = (cleaned["cohort_joined_from"], cleaned["cohort_joined_to"])
        try:
            services.experiment_check(
                title=cleaned.get("title", ""),
                hypothesis=cleaned.get("hypothesis", ""),
                change=cleaned.get("change", ""),
                primary_metric=cleaned.get("primary_metric", ""),
                starts_at=cleaned["starts_at"],
                ends_at=cleaned["ends_at"],
                audience_guild_ids=[g.pk for g in cleaned.get("audience_guilds") or []],
                control_guild_ids=[g.pk for g in cleaned.get("control_guilds") or []],
                cohort=cohort,
                reversible=cleaned.get("reversible", True),
                rollback_plan=cleaned.get("rollback_plan", ""),
                guardrails=[],
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(Experiment)
class ExperimentAdmin(ExperimentAdminBase):
    form = ExperimentForm
    inlines = (GuardrailInline,)
    list_display = (
        "title",
        "primary_metric",
        "starts_at",
        "ends_at",
        "reversible",
        "state",
        "breaches",
    )
    list_filter = ("decision", "reversible")
    search_fields = ("title", "hypothesis")
    filter_horizontal = ("audience_guilds", "control_guilds")
    change_form_template = "admin/metrics/experiment/change_form.html"

    @admin.display(description="State")
    def state(self, experiment: Experiment) -> str:
        if experiment.decision:
            return f"decided: {experiment.get_decision_display().lower()}"
        if experiment.evaluated_at is None:
            return "planned or running"
        done = (experiment.evaluation or {}).get("complete")
        return "awaiting decision" if done else "running (evaluated so far)"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if _editable(obj):
            return ()
        return ExperimentForm.Meta.fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Decided (rejected too) and evaluated experiments stay: they are the record.
        return _editable(obj) and super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        keys = list(form.instance.guardrails.values_list("metric_key", flat=True))
        if form.instance.primary_metric in keys:
            messages.warning(request, "A guardrail repeats the primary metric; remove it.")

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/evaluate/", wrap(self.evaluate_view), name="metrics_experiment_evaluate"
            ),
            path("<int:pk>/decide/", wrap(self.decide_view), name="metrics_experiment_decide"),
            *super().get_urls(),
        ]

    def _experiment(self, request: HttpRequest, pk: int) -> Experiment:
        experiment = self.get_object(request, str(pk))
        if experiment is None:
            raise Http404(f"No experiment with id {pk}.")
        if request.method != "POST" or not self.has_view_or_change_permission(request, experiment):
            raise Http404("Not allowed.")
        return experiment

    def evaluate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        experiment = self._experiment(request, pk)
        try:
            evaluation = services.experiment_evaluate(experiment=experiment)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            breaches = evaluation["breaches"]
            text = (
                f"{breaches} guardrail breach(es) flagged."
                if breaches
                else "No guardrail breached."
            )
            messages.success(request, f"Evaluated. {text}")
        return HttpResponseRedirect(reverse("admin:metrics_experiment_change", args=[pk]))

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        experiment = self._experiment(request, pk)
        user = request.user if isinstance(request.user, User) else None
        try:
            services.experiment_decide(
                experiment=experiment,
                decision=request.POST.get("decision", ""),
                reasoning=request.POST.get("reasoning", ""),
                by=user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Decision recorded.")
        return HttpResponseRedirect(reverse("admin:metrics_experiment_change", args=[pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "decisions": Decision.choices}
        return super().change_view(request, object_id, form_url, extra)


class QuoteForm(QuoteFormBase):
    metric_key = forms.ChoiceField(choices=KEY_CHOICES, required=False)

    class Meta:
        model = Quote
        fields = ("text", "metric_key", "funnel_step")


class QuoteInline(QuoteInlineBase):
    model = Quote
    form = QuoteForm
    extra = 2


@admin.register(InterviewNote)
class InterviewNoteAdmin(NoteAdminBase):
    inlines = (QuoteInline,)
    list_display = ("interviewed_on", "champion", "interviewer", "quote_count")
    list_select_related = ("champion", "interviewer")
    raw_id_fields = ("champion",)
    search_fields = ("summary", "friction", "quotes__text")
    date_hierarchy = "interviewed_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[InterviewNote]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(quote_total=Count("quotes"))

    @admin.display(description="Quotes", ordering="quote_total")
    def quote_count(self, note: Any) -> int:
        return int(note.quote_total)


@admin.register(DropOffHypothesis)
class DropOffHypothesisAdmin(HypothesisAdminBase):
    list_display = ("__str__", "funnel_step", "status", "experiment", "created_at")
    list_filter = ("funnel_step", "status")
    list_select_related = ("experiment",)
    raw_id_fields = ("experiment",)
