"""The dashboard as the admin's index page, with per-guild and per-account pages and CSV.

`install(site)` is called once from `MetricsConfig.ready()`: it points the site's index at
a template that shows the dashboard above Django's app list (for people allowed to read the
metrics; everyone else sees the plain index) and adds the pages below `admin/program-metrics/`.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.admin import AdminSite
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone

from champions.models import Account, Guild
from programs.metrics import dashboard
from programs.metrics.adoption import account_adoption
from programs.metrics.forms import DashboardForm

PERMISSION = "metrics.view_metricsnapshot"


def can_view(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and user.has_perm(PERMISSION))


def _form(request: HttpRequest, **fixed: Any) -> DashboardForm:
    data = request.GET.copy() if request.GET else QueryDict(mutable=True)
    for name, value in fixed.items():
        data[name] = str(value)
    return DashboardForm(data)


def dashboard_context(request: HttpRequest, **fixed: Any) -> dict[str, Any]:
    """The dashboard for the query string's window and filters (`fixed` ones win)."""
    form = _form(request, **fixed)
    board = dashboard.build(form.filters())
    return {"dashboard": board, "dashboard_form": form, "presets": dashboard.PRESETS}


def install(site: AdminSite) -> None:
    original_index = site.index
    original_get_urls = site.get_urls
    original_get_app_list = site.get_app_list

    def index(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = dict(extra_context or {})
        if can_view(request):
            context.update(dashboard_context(request))
        return original_index(request, extra_context=context)

    def get_urls() -> list[Any]:
        return [*_urls(site), *original_get_urls()]

    def get_app_list(request: HttpRequest, app_label: str | None = None) -> list[Any]:
        """Once per request: the index asks for the app list, and so does the sidebar
        (`each_context`), and building it from every registered model is the largest piece
        of the page after the dashboard itself."""
        built: dict[str | None, list[Any]] = request.__dict__.setdefault("_admin_app_lists", {})
        if app_label not in built:
            built[app_label] = original_get_app_list(request, app_label)
        return built[app_label]

    site.index = index  # type: ignore[method-assign,assignment]
    site.get_app_list = get_app_list  # type: ignore[method-assign]
    site.get_urls = get_urls  # type: ignore[method-assign]
    site.index_template = "admin/metrics/index.html"


def _urls(site: AdminSite) -> list[URLPattern]:
    wrap = site.admin_view

    def page(view: Any) -> Any:
        return wrap(_guarded(site, view))

    return [
        path("program-metrics/guild/<int:pk>/", page(guild_page), name="metrics_guild"),
        path("program-metrics/account/<int:pk>/", page(account_page), name="metrics_account"),
        path("program-metrics/export/<slug:slug>.csv", page(export_csv), name="metrics_export"),
    ]


def _guarded(site: AdminSite, view: Any) -> Any:
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_view(request):
            raise Http404("The program metrics are for the program team.")
        response: HttpResponse = view(site, request, *args, **kwargs)
        return response

    return guarded


def guild_page(site: AdminSite, request: HttpRequest, pk: int) -> HttpResponse:
    guild = get_object_or_404(Guild, pk=pk)
    context = {
        **site.each_context(request),
        **dashboard_context(request, guild=guild.pk),
        "title": f"Guild: {guild.name}",
        "subject": guild,
    }
    return TemplateResponse(request, "admin/metrics/page.html", context)


def account_page(site: AdminSite, request: HttpRequest, pk: int) -> HttpResponse:
    """The account's metrics (computed live) and its adoption figures for the CRM."""
    account = get_object_or_404(Account, pk=pk)
    adoption = account_adoption(account_ids=[account.pk], at=timezone.now())[account.pk]
    context = {
        **site.each_context(request),
        **dashboard_context(request, account=account.pk),
        "title": f"Account: {account.name}",
        "subject": account,
        "adoption": adoption,
    }
    return TemplateResponse(request, "admin/metrics/page.html", context)


def export_csv(site: AdminSite, request: HttpRequest, slug: str) -> HttpResponse:
    """One chart's rows (or the KPI tiles) as CSV, for the same window and filters."""
    board = dashboard_context(request)["dashboard"]
    if slug == "kpis":
        header = ["key", "label", "value", "change vs previous window", "lever"]
        rows = [
            [t.metric.key, t.metric.label, board.values.get(t.metric.key), t.change, t.metric.lever]
            for t in board.tiles
        ]
    else:
        section = next((s for s in board.sections if s.slug == slug), None)
        if section is None:
            raise Http404(f"There is no chart called “{slug}”.")
        header, rows = section.header, section.rows
    window = board.filters.window
    stamp = f"{window.start:%Y%m%d}-{window.end:%Y%m%d}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="metrics-{slug}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
