"""Recognition in the admin: kudos, good first contributions, the contributor roll export."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone

from champions.errors import DomainError
from champions.models import User
from programs.recognition import selectors, services
from programs.recognition.models import GoodFirstContribution, Kudos

# The admin classes are generic only to the type checker (django-stubs), not at run time.
if TYPE_CHECKING:
    KudosAdminBase = admin.ModelAdmin[Kudos]
    GoodFirstContributionAdminBase = admin.ModelAdmin[GoodFirstContribution]
else:
    KudosAdminBase = GoodFirstContributionAdminBase = admin.ModelAdmin

ROLL_FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md", selectors.contributor_roll_markdown),
    "html": ("text/html; charset=utf-8", "html", selectors.contributor_roll_html),
}


def current_quarter() -> str:
    today = timezone.now()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


@admin.register(Kudos)
class KudosAdmin(KudosAdminBase):
    list_display = ("to_champion", "from_champion", "short_message", "created_at")
    list_select_related = ("to_champion__account", "from_champion__account")
    search_fields = ("message", "to_champion__full_name", "from_champion__full_name")
    date_hierarchy = "created_at"
    readonly_fields = ("from_champion", "to_champion", "message", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # champions give kudos in the portal

    @admin.display(description="Message")
    def short_message(self, kudos: Kudos) -> str:
        return kudos.message if len(kudos.message) <= 80 else kudos.message[:79] + "…"

    def get_urls(self) -> list[URLPattern]:
        roll = path(
            "contributor-roll/",
            self.admin_site.admin_view(self.contributor_roll_view),
            name="recognition_contributor_roll",
        )
        return [roll, *super().get_urls()]

    def contributor_roll_view(self, request: HttpRequest) -> HttpResponse:
        """Download the quarter's contributor roll as Markdown or HTML."""
        quarter = request.GET.get("quarter", "")
        chosen = ROLL_FORMATS.get(request.GET.get("format", ""))
        error = ""
        if quarter and chosen is not None:
            content_type, extension, export = chosen
            try:
                label = selectors.quarter_label(quarter)
                body = export(quarter)
            except DomainError as refused:
                error = refused.message
            else:
                response = HttpResponse(body, content_type=content_type)
                filename = f"contributors-{label.replace(' ', '-')}.{extension}"
                response["Content-Disposition"] = f'attachment; filename="{filename}"'
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Contributor roll",
            "quarter": quarter or current_quarter(),
            "error": error,
        }
        return TemplateResponse(request, "admin/recognition/contributor_roll.html", context)


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("open", "Open"), ("claimed", "Claimed"), ("done", "Done")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[GoodFirstContribution]
    ) -> QuerySet[GoodFirstContribution]:
        if self.value() == "open":
            return queryset.filter(claimed_by__isnull=True, done_at__isnull=True)
        if self.value() == "claimed":
            return queryset.filter(claimed_by__isnull=False, done_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(GoodFirstContribution)
class GoodFirstContributionAdmin(GoodFirstContributionAdminBase):
    list_display = ("title", "guild", "effort", "claimed_by", "claimed_at", "done_at")
    list_filter = (StateFilter, "effort", "guild")
    list_select_related = ("guild", "claimed_by__account")
    search_fields = ("title", "description", "claimed_by__full_name")
    readonly_fields = ("claimed_by", "claimed_at", "done_at", "created_at")
    fields = ("title", "description", "guild", "effort", *readonly_fields)
    actions = ("release_claims",)

    @admin.action(description="Release the claims of selected unfinished tasks")
    def release_claims(
        self, request: HttpRequest, queryset: QuerySet[GoodFirstContribution]
    ) -> None:
        user = cast(User, request.user)  # the admin only lets signed-in staff in
        released = 0
        for task in queryset.filter(claimed_by__isnull=False):
            try:
                services.good_first_contribution_release(task=task, by_user=user)
            except DomainError as error:
                messages.error(request, f"{task}: {error.message}")
            else:
                released += 1
        messages.success(request, f"Released: {released}.")
