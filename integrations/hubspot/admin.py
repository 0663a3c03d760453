"""Admin: stored webhook events and the portal's provisioning state (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrations.hubspot.models import PortalState, WebhookDelivery


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = (
        "subscription_type",
        "object_id",
        "event_id",
        "received_at",
        "processed_at",
        "outcome",
    )
    list_filter = ("subscription_type",)
    search_fields = ("=object_id", "=event_id")


@admin.register(PortalState)
class PortalStateAdmin(_ReadOnly):
    list_display = ("__str__", "reference_label_type_id", "provisioned_at", "last_import_at")
