"""Customer accounts and product areas in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from champions import imports
from champions.admin.common import csv_download
from champions.admin.csv_import import CsvImportAdmin, ImportConfirmForm
from champions.models import Account, ChampionState, ProductArea
from integrations.crm.admin import CrmSyncPanelMixin
from integrations.crm.outbox import crm_mark_dirty

_LIVE = ~Q(champions__state=ChampionState.ALUMNI)


@admin.register(Account)
class AccountAdmin(CrmSyncPanelMixin, CsvImportAdmin[Account]):
    list_display = (
        "name",
        "domain",
        "industry",
        "region",
        "size_band",
        "plan",
        "arr",
        "live_champions",
        "crm_id",
    )
    list_filter = ("industry", "region", "size_band", "plan")
    search_fields = ("name", "domain", "crm_id")
    readonly_fields = ("champions_link", "created_at", "updated_at", "crm_sync")
    fieldsets = (
        (None, {"fields": ("name", "domain", ("crm_id", "crm_sync"))}),
        ("Segment", {"fields": ("industry", "region", "size_band", "plan", "arr")}),
        ("Champions", {"fields": ("champions_link",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    actions = ("export_csv",)
    import_columns = imports.ACCOUNT_COLUMNS

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        crm_mark_dirty(account_ids=[obj.pk])  # name and domain: the CRM company shows them

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).annotate(live_count=Count("champions", filter=_LIVE))

    @admin.display(description="live champions", ordering="live_count")
    def live_champions(self, account: Account) -> int:
        return int(getattr(account, "live_count", 0))

    @admin.display(description="champions")
    def champions_link(self, account: Account) -> SafeString | str:
        if account.pk is None:
            return "—"
        url = reverse("admin:champions_champion_changelist") + f"?account__id__exact={account.pk}"
        return format_html('<a href="{}">Champions of {}</a>', url, account.name)

    @admin.action(description="Export selected accounts as CSV", permissions=["view"])
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Account]
    ) -> StreamingHttpResponse:
        return csv_download(
            filename="accounts", rows=imports.accounts_export_rows(accounts=queryset)
        )

    def import_preview(self, content: str) -> imports.Preview[Any]:
        return imports.accounts_preview(content=content)

    def import_apply(
        self, request: HttpRequest, content: str, form: ImportConfirmForm
    ) -> imports.ImportResult:
        return imports.accounts_apply(content=content)


@admin.register(ProductArea)
class ProductAreaAdmin(admin.ModelAdmin[ProductArea]):
    list_display = ("name", "slug", "champion_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductArea]:
        return super().get_queryset(request).annotate(champion_total=Count("champions"))

    @admin.display(description="champions", ordering="champion_total")
    def champion_count(self, area: ProductArea) -> int:
        return int(getattr(area, "champion_total", 0))
