"""Events in the admin: the program team schedules, checks in and closes events.

Registrations change only through the services (admin actions), so every change records the
activity the metrics need; the forms never edit a registration's status directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from champions.errors import DomainError
from champions.models import ActivitySource
from programs.events import selectors, services
from programs.events.ics import event_ics, event_ics_filename
from programs.events.models import Event, Registration

# The admin classes are generic only to the type checker (django-stubs), not at run time.
if TYPE_CHECKING:
    EventAdminBase = admin.ModelAdmin[Event]
    RegistrationAdminBase = admin.ModelAdmin[Registration]
    RegistrationInlineBase = admin.TabularInline[Registration, Event]
else:
    EventAdminBase = RegistrationAdminBase = admin.ModelAdmin
    RegistrationInlineBase = admin.TabularInline


def _apply(
    request: HttpRequest, queryset: QuerySet[Any], service: Callable[[Any], object], done: str
) -> None:
    """Run a service per selected row; report refusals by name instead of failing them all."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except DomainError as error:
            messages.error(request, f"{obj}: {error.message}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, f"{done}: {succeeded}.")


class RegistrationInline(RegistrationInlineBase):
    model = Registration
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "champion",
        "status",
        "registered_at",
        "checked_in_at",
        "no_show",
        "feedback_rating",
        "feedback_comment",
    )
    ordering = ("status", "registered_at", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        return super().get_queryset(request).select_related("champion__account")

    def has_add_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(EventAdminBase):
    list_display = (
        "title",
        "kind",
        "guild",
        "starts_at",
        "status",
        "capacity",
        "registered",
        "waitlisted",
        "attended",
    )
    list_filter = ("kind", "status", "guild")
    list_select_related = ("guild",)
    search_fields = ("title", "description", "place")
    date_hierarchy = "starts_at"
    raw_id_fields = ("hosts", "presenters")
    readonly_fields = ("status", "held_at", "checkin_code", "calendar_file", "created_at")
    inlines = (RegistrationInline,)
    actions = ("mark_held", "promote_waitlist", "cancel_events")
    fieldsets = (
        (None, {"fields": ("kind", "title", "description", "guild", "status", "held_at")}),
        ("When and where", {"fields": ("starts_at", "ends_at", "timezone", "capacity")}),
        ("", {"fields": ("online_url", "place", "checkin_code", "calendar_file")}),
        ("People", {"fields": ("hosts", "presenters")}),
        ("Programme", {"fields": ("agenda", "closing_moment", "takeaways")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return selectors.events_with_counts()

    @admin.display(ordering="registered_count")
    def registered(self, event: Event) -> int:
        return event.registered_count  # type: ignore[attr-defined]

    @admin.display(ordering="waitlisted_count")
    def waitlisted(self, event: Event) -> int:
        return event.waitlisted_count  # type: ignore[attr-defined]

    @admin.display(ordering="attended_count")
    def attended(self, event: Event) -> int:
        return event.attended_count  # type: ignore[attr-defined]

    @admin.display(description="Calendar file")
    def calendar_file(self, event: Event) -> str:
        if event.pk is None:
            return "-"
        url = reverse("admin:events_event_ics", args=[event.pk])
        return format_html('<a href="{}">Download .ics</a>', url)

    def get_urls(self) -> list[URLPattern]:
        ics = path(
            "<int:event_id>/ics/",
            self.admin_site.admin_view(self.ics_view),
            name="events_event_ics",
        )
        return [ics, *super().get_urls()]

    def ics_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        event = get_object_or_404(Event, pk=event_id)
        response = HttpResponse(event_ics(event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{event_ics_filename(event)}"'
        return response

    @admin.action(description="Mark selected events held (attendance, no-shows, activities)")
    def mark_held(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        _apply(
            request,
            queryset,
            lambda event: services.event_mark_held(event=event, source=ActivitySource.ADMIN),
            "Marked held",
        )

    @admin.action(description="Promote the waitlist into free seats")
    def promote_waitlist(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        _apply(
            request,
            queryset,
            lambda event: services.event_promote_waitlist(event=event),
            "Waitlists checked",
        )

    @admin.action(description="Cancel selected events")
    def cancel_events(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        _apply(request, queryset, lambda event: services.event_cancel(event=event), "Cancelled")


@admin.register(Registration)
class RegistrationAdmin(RegistrationAdminBase):
    list_display = (
        "champion",
        "event",
        "status",
        "registered_at",
        "checked_in_at",
        "no_show",
        "feedback_rating",
    )
    list_filter = ("status", "no_show", "event__kind", "feedback_rating")
    list_select_related = ("event", "champion__account")
    search_fields = ("champion__full_name", "champion__email", "event__title")
    date_hierarchy = "registered_at"
    actions = ("check_in", "cancel")
    readonly_fields = (
        "event",
        "champion",
        "status",
        "registered_at",
        "cancelled_at",
        "promoted_at",
        "checked_in_at",
        "no_show",
        "feedback_rating",
        "feedback_comment",
        "feedback_at",
        "reminder_sent_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Check in selected registrations")
    def check_in(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        user = request.user if request.user.is_authenticated else None
        _apply(
            request,
            queryset,
            lambda registration: services.registration_check_in(
                registration=registration, by_user=user, source=ActivitySource.ADMIN
            ),
            "Checked in",
        )

    @admin.action(description="Cancel selected registrations (frees seats for the waitlist)")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        _apply(
            request,
            queryset,
            lambda registration: services.registration_cancel(registration=registration),
            "Cancelled",
        )
