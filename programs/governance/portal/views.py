"""Governance pages for champions: the code of conduct, reporting a concern, my reports,
decisions about me with the appeal, mediation slots, the health check and shared lessons.

Views validate and call one service; refusals become form errors or messages. No page a
reported member sees names the reporter.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from champions.errors import DomainError
from champions.markdown import render_markdown
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.views._common import back_to, form_error, refused
from programs.governance import selectors, services
from programs.governance.models import CodeOfConduct, ModerationCase, TargetKind
from programs.governance.portal.forms import AppealForm, HealthCheckForm, ReportForm
from programs.governance.selectors.targets import target_label, target_of


@portal_view
def index(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    reports = list(selectors.reports_made_by(champion=champion)[:50])
    health_round = selectors.round_open()
    code, accepted = selectors.code_with_acceptance(champion=champion)
    context: dict[str, Any] = {
        "code": code,
        "code_pending": not accepted,
        "refusal": selectors.posting_refusal(champion=champion),
        "reports": [(r, target_label(target_of(r), r.target_kind)) for r in reports],
        "decisions": list(selectors.decisions_about(champion=champion)),
        "slots": list(selectors.mediation_slots_for(champion=champion)),
        "health_round": health_round,
        "health_guilds": selectors.guilds_to_answer(champion=champion, health_round=health_round)
        if health_round
        else [],
        "now": timezone.now(),
    }
    return render(request, "governance/portal/index.html", context)


def _code_read(value: str) -> CodeOfConduct | None:
    """The version the champion read (the form says which): accepting it must be deliberate."""
    if not value.isdigit():
        return None
    return CodeOfConduct.objects.filter(pk=int(value), published_at__isnull=False).first()


@portal_view
def code_of_conduct(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    code, accepted = selectors.code_with_acceptance(champion=champion)
    if request.method == "POST":
        if code is None:
            raise Http404("No code of conduct is published.")
        read = _code_read(request.POST.get("code", "")) or code
        try:
            services.code_of_conduct_accept(champion=champion, code=read)
        except DomainError as error:
            refused(request, error)
        else:
            messages.success(request, f"Thank you: you accepted version {read.version}.")
        if request.POST.get("from") == "welcome":
            return back_to(request, "portal:welcome", anchor="code_of_conduct")
        return back_to(request, "portal:governance:code_of_conduct")
    context = {
        "code": code,
        "body": render_markdown(code.body) if code else "",
        "pending": not accepted,
    }
    return render(request, "governance/portal/code_of_conduct.html", context)


@portal_view
def report(request: PortalRequest, kind: str, pk: int) -> HttpResponse:
    champion = request.champion
    if kind not in TargetKind.values:
        raise Http404
    target = selectors.reportable_target(champion=champion, kind=kind, pk=pk)
    if target is None:
        raise Http404("Nothing to report here.")
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_make(reporter=champion, target=target, **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                "Thank you for telling us. A moderator will look at it; you can follow its "
                "status here. The person concerned never learns who reported.",
            )
            return back_to(request, "portal:governance:index", anchor="reports")
    context = {"form": form, "label": target_label(target, kind)}
    return render(request, "governance/portal/report.html", context)


def _decision_for(request: PortalRequest, pk: int) -> ModerationCase:
    case = selectors.decisions_about(champion=request.champion).filter(pk=pk).first()
    if case is None:
        raise Http404("No decision about you with this number.")
    return case


def _appealable(case: ModerationCase) -> bool:
    consequence = getattr(case, "consequence", None)
    return bool(
        consequence is not None
        and consequence.lifted_at is None
        and getattr(case, "appeal", None) is None
        and case.appeal_until is not None
        and timezone.now() <= case.appeal_until
    )


def _render_decision(
    request: PortalRequest, case: ModerationCase, form: AppealForm
) -> HttpResponse:
    context = {
        "case": case,
        "consequence": getattr(case, "consequence", None),
        "appeal": getattr(case, "appeal", None),
        "appealable": _appealable(case),
        "form": form,
        "slots": list(selectors.mediation_slots_for(champion=request.champion).filter(case=case)),
    }
    return render(request, "governance/portal/decision.html", context)


@portal_view
def decision(request: PortalRequest, pk: int) -> HttpResponse:
    return _render_decision(request, _decision_for(request, pk), AppealForm())


@require_POST
@portal_view
def appeal(request: PortalRequest, pk: int) -> HttpResponse:
    case = _decision_for(request, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_lodge(
                case=case, champion=request.champion, text=form.cleaned_data["text"]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Your appeal is sent. You will hear the outcome by email.")
            return back_to(request, "portal:governance:decision", case.pk)
    return _render_decision(request, _decision_for(request, pk), form)


@require_POST
@portal_view
def mediation_book(request: PortalRequest, pk: int) -> HttpResponse:
    slot = selectors.mediation_slots_for(champion=request.champion).filter(pk=pk).first()
    if slot is None:
        raise Http404("No such mediation slot.")
    try:
        services.mediation_book(slot=slot, champion=request.champion)
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, "Booked. The moderator will meet you then.")
    return back_to(request, "portal:governance:index", anchor="mediation")


@portal_view
def health_check(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    health_round = selectors.round_open()
    guilds = (
        selectors.guilds_to_answer(champion=champion, health_round=health_round)
        if health_round
        else []
    )
    form = HealthCheckForm(request.POST if request.method == "POST" else None, guilds=guilds)
    if request.method == "POST" and health_round is not None and form.is_valid():
        try:
            services.health_respond(
                health_round=health_round,
                champion=champion,
                guild=form.cleaned_data["guild"],
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Thank you: your answers are in, without your name.")
            return back_to(request, "portal:governance:health_check")
    context = {"health_round": health_round, "guilds": guilds, "form": form}
    return render(request, "governance/portal/health_check.html", context)


@portal_view
def lessons(request: PortalRequest) -> HttpResponse:
    items = [(lesson, render_markdown(lesson.body)) for lesson in selectors.community_lessons()]
    return render(request, "governance/portal/lessons.html", {"lessons": items})
