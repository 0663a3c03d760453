"""Admin: the CRM outbox (read-only, with re-drive), the integration page, and a CRM panel
other admins can show on champions, accounts and deals.

Wiring a panel (champions/admin): add `CrmSyncPanelMixin` to the ModelAdmin's bases and
"crm_sync" to its `readonly_fields` (and fieldsets); it shows CRM id, last sync, status and
error, with a link to the object's outbox rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods

from integrations.crm.models import ObjectType, OutboxEntry
from integrations.crm.ports import CrmError
from integrations.crm.services import crm_provision, crm_redrive, crm_status

OBJECT_TYPES_BY_MODEL = {
    "champions.champion": ObjectType.CONTACT,
    "champions.account": ObjectType.COMPANY,
    "references.deal": ObjectType.DEAL,
}


@admin.register(OutboxEntry)
class OutboxEntryAdmin(admin.ModelAdmin[OutboxEntry]):
    list_display = (
        "object_type",
        "object_id",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "crm_id",
        "message",
    )
    list_filter = ("status", "object_type")
    search_fields = ("=object_id", "=crm_id")
    ordering = ("-marked_at", "-id")
    actions = ["redrive"]
    readonly_fields = [f.name for f in OutboxEntry._meta.fields if f.name != "data"]
    exclude = ("data",)  # an erasure's address until it is done: not for display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # dead entries are never deleted: they are re-driven

    @admin.display(description="message")
    def message(self, obj: OutboxEntry) -> str:
        return Truncator(obj.last_error).chars(90)

    @admin.action(description="Re-drive: send the selected dead entries again")
    def redrive(self, request: HttpRequest, queryset: QuerySet[OutboxEntry]) -> None:
        count = crm_redrive(entry_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} dead entries are due again.", messages.SUCCESS)


def outbox_url(object_type: str, object_id: int) -> str:
    base = reverse("admin:crm_outboxentry_changelist")
    return f"{base}?object_type__exact={object_type}&q={object_id}"


def crm_panel(obj: Model) -> SafeString:
    """CRM id, last sync, state and error of a champion, account or deal, as admin HTML."""
    object_type = OBJECT_TYPES_BY_MODEL.get(obj._meta.label_lower)
    if object_type is None or obj.pk is None:
        return format_html("{}", "–")
    entry = OutboxEntry.objects.filter(object_type=object_type, object_id=obj.pk).first()
    crm_id = getattr(obj, "crm_id", "") or "none yet"
    if entry is None:
        return format_html("CRM id {} · never queued for the CRM", crm_id)
    last = entry.sent_at.strftime("%Y-%m-%d %H:%M UTC") if entry.sent_at else "never"
    error = format_html(" · <strong>{}</strong>", entry.last_error) if entry.last_error else ""
    return format_html(
        'CRM id {} · last sent {} · {}{} · <a href="{}">outbox</a>',
        crm_id,
        last,
        entry.get_status_display(),
        error,
        outbox_url(object_type, int(obj.pk)),
    )


class CrmSyncPanelMixin:
    """Adds the read-only field "crm_sync" to a ModelAdmin."""

    @admin.display(description="CRM sync")
    def crm_sync(self, obj: Model) -> SafeString:
        return crm_panel(obj)


# --- the integration page -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def integration_page(request: HttpRequest) -> HttpResponse:
    """Connected or not, last sync, pending and dead counts, rate-limit use, recent errors;
    buttons: sync now, re-drive dead entries, provision."""
    if not request.user.has_perm("crm.view_outboxentry"):
        return HttpResponse("You may not see the CRM integration.", status=403)
    if request.method == "POST":
        if not request.user.has_perm("crm.change_outboxentry"):
            return HttpResponse("You may not change the CRM integration.", status=403)
        _act(request, request.POST.get("action", ""))
        return HttpResponseRedirect(request.path)
    context = {
        **admin.site.each_context(request),
        "title": "CRM integration",
        "status": crm_status(),
        "now": timezone.now(),
        "dead_url": reverse("admin:crm_outboxentry_changelist") + "?status__exact=dead",
    }
    return render(request, "crm/integration.html", context)


def _act(request: HttpRequest, action: str) -> None:
    if action == "redrive":
        count = crm_redrive()
        messages.success(request, f"{count} dead entries are due again.")
    elif action == "sync":
        from integrations.crm.tasks import sync_outbox

        try:
            sync_outbox.apply_async(kwargs={"trigger": "admin"}, retry=False)
        except Exception as error:
            messages.error(request, f"Could not queue the sync (is the broker up?): {error}")
        else:
            messages.success(request, "A sync pass is on its way.")
    elif action == "provision":
        try:
            steps = crm_provision()
        except CrmError as error:
            messages.error(request, f"Provisioning failed: {error.message}")
        else:
            changed = [s for s in steps if s.action != "exists"]
            summary = "; ".join(f"{s.action} {s.what}" for s in changed) or "nothing to change"
            messages.success(request, f"Provisioned: {summary}.")
    else:
        messages.error(request, "Unknown action.")
