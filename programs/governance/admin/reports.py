"""The report queue (open first, by response deadline, overdue flagged), the report page with
its moderator actions, and entering a report received by email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from champions.errors import DomainError
from champions.models import Champion, Guild, User
from programs.clinics.models import Answer, Question
from programs.events.models import Event
from programs.governance import selectors, services
from programs.governance.admin.common import (
    form_refused,
    page_context,
    redirect_to,
    run,
    sla_flag,
    user_of,
)
from programs.governance.models import (
    CONTENT_KINDS,
    CaseStatus,
    ModerationAction,
    ModerationCase,
    Report,
    ReportCategory,
    TargetKind,
)
from programs.governance.selectors.targets import TARGET_SELECT_RELATED, target_label, target_of
from programs.governance.services.reports import MAX_DESCRIPTION
from programs.library.models import Template


class EnterReportForm(forms.Form):
    category = forms.ChoiceField(choices=ReportCategory.choices)
    description = forms.CharField(max_length=MAX_DESCRIPTION, widget=forms.Textarea)
    reporter_email = forms.EmailField(
        required=False, help_text="The champion who reported, if they are one (kept private)."
    )
    target_kind = forms.ChoiceField(choices=[("", "—"), *TargetKind.choices], required=False)
    target_id = forms.IntegerField(required=False, min_value=1, help_text="Its number (id).")
    guild = forms.ModelChoiceField(Guild.objects.all(), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    case = forms.IntegerField(min_value=1)


TARGET_MODELS: dict[str, type[Model]] = {
    TargetKind.QUESTION: Question,
    TargetKind.ANSWER: Answer,
    TargetKind.TEMPLATE: Template,
    TargetKind.EVENT: Event,
    TargetKind.MEMBER: Champion,
}


def _target_for(kind: str, pk: int | None) -> Model | None:
    if not kind or pk is None:
        return None
    target: Model | None = TARGET_MODELS[kind]._default_manager.filter(pk=pk).first()
    if target is None:
        raise DomainError(f"There is no {TargetKind(kind).label.lower()} #{pk}.", field="target_id")
    return target


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = (
        "number",
        "category",
        "target_kind",
        "guild",
        "made_at",
        "sla",
        "status",
        "case",
    )
    list_filter = ("status", "category", "target_kind", "source")
    list_select_related = ("guild", "case")
    search_fields = ("description",)
    date_hierarchy = "made_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return selectors.report_queue(user=user_of(request))

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return ("closed_rank", "due_at", "pk")

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    @admin.display(description="report", ordering="pk")
    def number(self, obj: Report) -> str:
        return f"#{obj.pk}"

    @admin.display(description="response SLA", ordering="due_at")
    def sla(self, obj: Report) -> SafeString:
        return sla_flag(obj)

    # --- the report page ----------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/act/<str:action>/",
                wrap(require_POST(self.act_view)),
                name="governance_report_act",
            ),
            *super().get_urls(),
        ]

    def _report(self, request: HttpRequest, object_id: str | int) -> Report:
        report = (
            self.get_queryset(request)
            .select_related("reporter__account", "entered_by", *TARGET_SELECT_RELATED)
            .filter(pk=object_id)
            .first()
        )
        if report is None:
            raise Http404("No such report, or not one you moderate.")
        return report

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        report = self._report(request, object_id)
        target = target_of(report)
        user = user_of(request)
        open_cases = selectors.cases_visible_to(user=user).filter(
            guild=report.guild, status__in=(CaseStatus.OPEN, CaseStatus.DECIDED)
        )
        context = page_context(
            self,
            request,
            title=f"Report #{report.pk}",
            original=report,
            report=report,
            target=target_label(target, report.target_kind),
            hideable=report.target_kind in CONTENT_KINDS and target is not None,
            hidden=selectors.hidden_record(target)
            if report.target_kind in CONTENT_KINDS and target is not None
            else None,
            sla=sla_flag(report),
            open_cases=list(open_cases.order_by("-opened_at")[:20]),
            actions=ModerationAction.objects.filter(report=report).select_related("actor"),
        )
        return TemplateResponse(request, "admin/governance/report/report.html", context)

    def act_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        report, by = self._report(request, pk), user_of(request)
        note = NoteForm(request.POST)
        data = note.cleaned_data if note.is_valid() else {"note": ""}
        calls = {
            "acknowledge": (
                lambda: services.report_acknowledge(report=report, by=by),
                "The reporter is told a moderator is on it.",
            ),
            "close": (
                lambda: services.report_close(report=report, by=by, note=data["note"]),
                "Closed; the reporter is told why.",
            ),
            "hide": (lambda: self._hide(report, by, data["note"]), "Hidden from champions."),
            "restore": (lambda: self._restore(report, by, data["note"]), "Restored."),
        }
        if action == "open_case":
            opened: list[ModerationCase] = []
            ok = run(
                request,
                lambda: opened.append(services.case_open(reports=[report], by=by)),
                "Case opened.",
            )
            if ok:
                return redirect_to("admin:governance_moderationcase_change", opened[0].pk)
        elif action == "attach":
            form = AttachForm(request.POST)
            case = None
            if form.is_valid():
                case = (
                    selectors.cases_visible_to(user=by).filter(pk=form.cleaned_data["case"]).first()
                )
            if case is None:
                form_refused(request, form)
            else:
                run(
                    request,
                    lambda: services.report_attach(report=report, case=case, by=by),
                    "Added to the case.",
                )
        elif action in calls:
            call, success = calls[action]
            run(request, call, success)
        else:
            raise Http404
        return redirect_to("admin:governance_report_change", report.pk)

    def _hide(self, report: Report, by: User, reason: str) -> None:
        target = target_of(report)
        if target is None or report.target_kind not in CONTENT_KINDS:
            raise DomainError("This report is about no post, template or event.")
        services.content_hide(target=target, by=by, reason=reason)

    def _restore(self, report: Report, by: User, reason: str) -> None:
        target = target_of(report)
        hidden = selectors.hidden_record(target) if target is not None else None
        if hidden is None:
            raise DomainError("Nothing is hidden here.")
        services.content_restore(hidden=hidden, by=by, reason=reason)

    # --- entering a report from an email -------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and super().has_add_permission(request))

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise Http404
        form = EnterReportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                reporter = None
                if data["reporter_email"]:
                    reporter = (
                        Champion.objects.filter(
                            email__iexact=data["reporter_email"], erased_at__isnull=True
                        )
                        .exclude(state="alumni")
                        .first()
                    )
                    if reporter is None:
                        raise DomainError(
                            "No current champion has this email.", field="reporter_email"
                        )
                report = services.report_enter(
                    entered_by=user_of(request),
                    category=data["category"],
                    description=data["description"],
                    target=_target_for(data["target_kind"], data["target_id"]),
                    reporter=reporter,
                    guild=data["guild"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect_to("admin:governance_report_change", report.pk)
        context = page_context(self, request, title="Enter a report received by email", form=form)
        return TemplateResponse(request, "admin/governance/report/enter.html", context)
