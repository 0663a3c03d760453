"""The case queue and the case page, which follows the moderation guide's steps.

Each button on the page posts to `<case>/act/<action>/`, which validates its small form and
calls one service; a refusal shows as an error message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from champions.errors import DomainError
from champions.models import User
from programs.governance import selectors, services
from programs.governance.admin import case_forms as f
from programs.governance.admin.common import form_refused, page_context, redirect_to, run, user_of
from programs.governance.models import (
    CONTENT_KINDS,
    LADDER,
    STEP_ORDER,
    AppealOutcome,
    CaseStatus,
    HiddenContent,
    ModerationAction,
    ModerationCase,
    StepKind,
)
from programs.governance.selectors.targets import TARGET_SELECT_RELATED, target_label, target_of
from programs.governance.services.cases import GUIDE_STEPS

Handler = Callable[[ModerationCase, User, dict[str, Any]], object]


def _target_of_report(case: ModerationCase, report_id: int) -> Any:
    report = case.reports.select_related(*TARGET_SELECT_RELATED).filter(pk=report_id).first()
    target = target_of(report) if report is not None else None
    if report is None or target is None or report.target_kind not in CONTENT_KINDS:
        raise DomainError("That report is about no post, template or event of this case.")
    return target


def _restore(case: ModerationCase, by: User, data: dict[str, Any]) -> object:
    hidden = HiddenContent.objects.filter(pk=data["hidden"], case=case).first()
    if hidden is None:
        raise DomainError("Nothing of this case is hidden with that number.")
    return services.content_restore(hidden=hidden, by=by, reason=data["reason"])


def _appeal_decide(case: ModerationCase, by: User, data: dict[str, Any]) -> object:
    appeal = getattr(case, "appeal", None)
    if appeal is None:
        raise DomainError("There is no appeal on this case.")
    return services.appeal_decide(appeal=appeal, by=by, outcome=data["outcome"], note=data["note"])


def _attach(case: ModerationCase, by: User, data: dict[str, Any]) -> object:
    report = selectors.reports_visible_to(user=by).filter(pk=data["report"]).first()
    if report is None:
        raise DomainError(f"You moderate no report #{data['report']}.")
    return services.report_attach(report=report, case=case, by=by)


ACTIONS: dict[str, tuple[type[f.CaseForm], Handler, str]] = {
    "step": (
        f.StepForm,
        lambda c, by, d: services.case_record_step(case=c, by=by, **d),
        "Step recorded.",
    ),
    "decide": (
        f.DecideForm,
        lambda c, by, d: services.case_decide(
            case=c, by=by, **{**d, "consequence": d["consequence"] or None}
        ),
        "Decision recorded; the member is told.",
    ),
    "follow_up": (
        f.FollowUpForm,
        lambda c, by, d: services.case_plan_follow_up(case=c, by=by, **d),
        "Follow-up planned.",
    ),
    "close": (
        f.CloseForm,
        lambda c, by, d: services.case_close(case=c, by=by, **d),
        "Case closed; the reporters are told.",
    ),
    "escalate": (
        f.ReasonForm,
        lambda c, by, d: services.case_escalate(case=c, by=by, **d),
        "Escalated.",
    ),
    "hand_over": (
        f.HandOverForm,
        lambda c, by, d: services.case_hand_over(case=c, by=by, to=d["to"], reason=d["reason"]),
        "Handed over.",
    ),
    "mediation": (
        f.MediationForm,
        lambda c, by, d: services.mediation_offer(case=c, by=by, **d),
        "Mediation slot offered.",
    ),
    "appeal": (f.AppealDecideForm, _appeal_decide, "Appeal decided; the member is told."),
    "hide": (
        f.HideForm,
        lambda c, by, d: services.content_hide(
            target=_target_of_report(c, d["report"]), by=by, reason=d["reason"], case=c
        ),
        "Hidden from champions.",
    ),
    "restore": (f.RestoreForm, _restore, "Restored."),
    "lesson": (
        f.LessonForm,
        lambda c, by, d: services.lesson_write(case=c, by=by, **d),
        "Lesson saved.",
    ),
    "attach": (f.AttachForm, _attach, "Report added to the case."),
}


@admin.register(ModerationCase)
class ModerationCaseAdmin(admin.ModelAdmin[ModerationCase]):
    list_display = (
        "number",
        "category",
        "guild",
        "status",
        "escalation_level",
        "moderator",
        "deputy",
        "oldest_due",
        "follow_up_on",
        "opened_at",
    )
    list_filter = ("status", "escalation_level", "category")
    date_hierarchy = "opened_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModerationCase]:
        return selectors.case_queue(user=user_of(request))

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return ("closed_rank", "oldest_due", "pk")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # cases are opened from reports

    def has_change_permission(
        self, request: HttpRequest, obj: ModerationCase | None = None
    ) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: ModerationCase | None = None
    ) -> bool:
        return False

    @admin.display(description="case", ordering="pk")
    def number(self, obj: ModerationCase) -> str:
        return f"#{obj.pk}"

    @admin.display(description="oldest report due", ordering="oldest_due")
    def oldest_due(self, obj: Any) -> Any:
        return obj.oldest_due

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/act/<str:action>/",
                self.admin_site.admin_view(require_POST(self.act_view)),
                name="governance_moderationcase_act",
            ),
            *super().get_urls(),
        ]

    def _case(self, request: HttpRequest, pk: str | int) -> ModerationCase:
        case = (
            selectors.cases_visible_to(user=user_of(request))
            .select_related(
                "guild",
                "member__account",
                "moderator",
                "deputy",
                "decided_by",
                "consequence",
                "appeal__reviewer",
            )
            .filter(pk=pk)
            .first()
        )
        if case is None:
            raise Http404("No such case, or not one you moderate.")
        return case

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        case = self._case(request, object_id)
        return TemplateResponse(
            request, "admin/governance/moderationcase/case.html", self._page(request, case)
        )

    def _page(self, request: HttpRequest, case: ModerationCase) -> dict[str, Any]:
        reports = list(
            case.reports.select_related("reporter__account", "entered_by", *TARGET_SELECT_RELATED)
        )
        steps = selectors.steps_recorded(case=case)
        member = case.member
        forms = {name: form_class(case=case) for name, (form_class, _, _) in ACTIONS.items()}
        next_step = selectors.next_step(case=case)
        forms["step"].initial = {"kind": next_step}
        if case.status == CaseStatus.CLOSED:
            forms["lesson"].initial = {"body": services.lesson_draft(case=case)}
        appeal = getattr(case, "appeal", None)
        return page_context(
            self,
            request,
            title=f"Case #{case.pk}: {case.get_category_display()}",
            original=case,
            case=case,
            reports=[(r, target_label(target_of(r), r.target_kind)) for r in reports],
            guide=[(kind, StepKind(kind).label, steps.get(kind)) for kind in STEP_ORDER],
            can_record_step=case.status == CaseStatus.OPEN and next_step in GUIDE_STEPS,
            next_step=next_step,
            history=selectors.ladder_history(member=member) if member else [],
            ladder=LADDER,
            ladder_next=selectors.ladder_next(member=member) if member else None,
            consequence=getattr(case, "consequence", None),
            appeal=appeal,
            appeal_pending=appeal is not None and appeal.outcome == AppealOutcome.PENDING,
            hidden=list(case.hidden_content.select_related(*CONTENT_KINDS)),
            slots=list(case.mediation_slots.select_related("offered_to")),
            lessons=list(case.lessons.all()),
            actions=ModerationAction.objects.filter(case=case).select_related("actor", "report"),
            forms=forms,
            lead=selectors.is_program_lead(user_of(request)),
            now=timezone.now(),
        )

    def act_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if action not in ACTIONS:
            raise Http404
        case, by = self._case(request, pk), user_of(request)
        form_class, handler, success = ACTIONS[action]
        form = form_class(request.POST, case=case)
        if not form.is_valid():
            form_refused(request, form)
        else:
            run(request, lambda: handler(case, by, form.cleaned_data), success)
        return redirect_to("admin:governance_moderationcase_change", case.pk, anchor=action)
