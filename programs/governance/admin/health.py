"""Health-check rounds, their results per guild with the trend, and flagged drops."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from programs.governance import conf, selectors, services
from programs.governance.admin.common import page_context, redirect_to, run, user_of
from programs.governance.models import HealthCheckResponse, HealthCheckRound


@admin.register(HealthCheckRound)
class HealthCheckRoundAdmin(admin.ModelAdmin[HealthCheckRound]):
    """Rounds open on their own each quarter (beat task); the team may open one early."""

    change_list_template = "admin/governance/healthcheckround/change_list.html"
    list_display = ("title", "opens_at", "closes_at", "answers", "results_sent_at")
    readonly_fields = ("title", "opens_at", "closes_at", "created_by", "results_sent_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[HealthCheckRound]:
        return super().get_queryset(request).annotate(n=Count("responses"))

    @admin.display(description="answers", ordering="n")
    def answers(self, obj: Any) -> int:
        return int(obj.n)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("results/", wrap(self.results_view), name="governance_healthcheckround_results"),
            path(
                "open-now/",
                wrap(require_POST(self.open_view)),
                name="governance_healthcheckround_open",
            ),
            *super().get_urls(),
        ]

    def results_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return redirect_to("admin:index")
        results = selectors.health_results()
        # Comments only where enough people answered that none of them stands out.
        enough = {
            (g.guild.pk, r.round.pk) for g in results for r in g.rounds if r.score is not None
        }
        comments = [
            c
            for c in HealthCheckResponse.objects.exclude(comment="")
            .select_related("guild", "round")
            .order_by("-submitted_at")[:200]
            if (c.guild_id, c.round_id) in enough
        ][:30]
        context = page_context(
            self,
            request,
            title="Health check results",
            results=results,
            comments=comments,
            minimum=conf.health_min_responses(),
            drop=conf.health_drop_threshold(),
        )
        return TemplateResponse(request, "admin/governance/healthcheckround/results.html", context)

    def open_view(self, request: HttpRequest) -> HttpResponse:
        if selectors.is_program_lead(user_of(request)):
            run(
                request,
                lambda: services.health_round_open(by=user_of(request)),
                "A health-check round is open for two weeks.",
            )
        return redirect_to("admin:governance_healthcheckround_changelist")
