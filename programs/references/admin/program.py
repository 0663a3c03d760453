"""Program switches, caps per tier, use cases and the champions' reference profiles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from champions.errors import DomainError
from programs.references import services
from programs.references.models import (
    ReferenceProfile,
    ReferenceProgramSettings,
    TierReferenceCap,
    UseCase,
)


@admin.register(UseCase)
class UseCaseAdmin(admin.ModelAdmin[UseCase]):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(TierReferenceCap)
class TierReferenceCapAdmin(admin.ModelAdmin[TierReferenceCap]):
    list_display = ("tier", "cap")


@admin.register(ReferenceProgramSettings)
class ReferenceProgramSettingsAdmin(admin.ModelAdmin[ReferenceProgramSettings]):
    """One row; the defaults from the deployment's settings apply until it is saved."""

    list_display = ("__str__", "auto_offer_enabled", "auto_offer_margin", "default_cap")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not ReferenceProgramSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ReferenceProgramSettings, form: Any, change: bool
    ) -> None:
        obj.pk = 1  # the singleton row
        super().save_model(request, obj, form, change)


@admin.register(ReferenceProfile)
class ReferenceProfileAdmin(admin.ModelAdmin[ReferenceProfile]):
    list_display = (
        "champion",
        "cap_override",
        "cooldown_days",
        "cooldown_until",
        "paused",
        "paused_at",
    )
    list_filter = ("paused",)
    list_select_related = ("champion__account",)
    search_fields = ("champion__full_name", "champion__email")
    raw_id_fields = ("champion",)
    filter_horizontal = ("use_cases",)
    readonly_fields = ("paused", "paused_at", "cooldown_until")
    actions = ("pause", "resume")

    @admin.action(description="Pause reference requests")
    def pause(self, request: HttpRequest, queryset: QuerySet[ReferenceProfile]) -> None:
        self._set_paused(request, queryset, paused=True)

    @admin.action(description="Resume reference requests")
    def resume(self, request: HttpRequest, queryset: QuerySet[ReferenceProfile]) -> None:
        self._set_paused(request, queryset, paused=False)

    def _set_paused(
        self, request: HttpRequest, queryset: QuerySet[ReferenceProfile], *, paused: bool
    ) -> None:
        done = 0
        for profile in queryset.select_related("champion"):
            try:
                services.champion_pause_references(champion=profile.champion, paused=paused)
            except DomainError as error:
                messages.error(request, f"{profile.champion.full_name}: {error.message}")
            else:
                done += 1
        messages.success(request, f"{done} profile(s) {'paused' if paused else 'resumed'}.")
