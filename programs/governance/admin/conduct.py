"""Code of conduct versions (drafted and published by the program lead) and the moderation
team: guild moderators and their absences."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from champions.models import User
from programs.governance import selectors, services
from programs.governance.admin.common import run, user_of
from programs.governance.models import CodeOfConduct, GuildModerator, ModeratorAvailability


@admin.register(CodeOfConduct)
class CodeOfConductAdmin(admin.ModelAdmin[CodeOfConduct]):
    list_display = ("version", "title", "published_at", "accepted_by")
    fields = ("version", "title", "body", "changes", "published_at", "created_by")
    readonly_fields = ("published_at", "created_by")
    actions = ("publish",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CodeOfConduct]:
        return super().get_queryset(request).annotate(accepted=Count("acceptances"))

    @admin.display(description="accepted by", ordering="accepted")
    def accepted_by(self, obj: Any) -> int:
        return int(obj.accepted)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return selectors.is_program_lead(user_of(request))

    def has_change_permission(self, request: HttpRequest, obj: CodeOfConduct | None = None) -> bool:
        # A published version is what champions accepted: it never changes.
        published = obj is not None and obj.published_at is not None
        return not published and selectors.is_program_lead(user_of(request))

    def has_delete_permission(self, request: HttpRequest, obj: CodeOfConduct | None = None) -> bool:
        return (
            obj is not None
            and obj.published_at is None
            and self.has_change_permission(request, obj)
        )

    def save_model(self, request: HttpRequest, obj: CodeOfConduct, form: Any, change: bool) -> None:
        obj.created_by = obj.created_by or user_of(request)
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish: champions accept it before posting again")
    def publish(self, request: HttpRequest, queryset: QuerySet[CodeOfConduct]) -> None:
        by = user_of(request)
        for code in queryset:
            run(
                request,
                lambda code=code: services.code_of_conduct_publish(code=code, by=by),  # type: ignore[misc]
                f"Version {code.version} is published.",
            )


class AppointForm(forms.ModelForm[GuildModerator]):
    class Meta:
        model = GuildModerator
        fields = ("guild", "user")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(is_active=True).order_by("email")


@admin.register(GuildModerator)
class GuildModeratorAdmin(admin.ModelAdmin[GuildModerator]):
    """Appointing goes through the service (which also adds the user to the Moderator group)."""

    form = AppointForm
    list_display = ("guild", "user", "appointed_at", "ended_at")
    list_filter = ("guild",)
    list_select_related = ("guild", "user")
    actions = ("end_appointments",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return selectors.is_program_lead(user_of(request))

    def has_change_permission(
        self, request: HttpRequest, obj: GuildModerator | None = None
    ) -> bool:
        return obj is None and selectors.is_program_lead(user_of(request))

    def has_delete_permission(
        self, request: HttpRequest, obj: GuildModerator | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: GuildModerator, form: Any, change: bool
    ) -> None:
        appointed = services.guild_moderator_appoint(
            guild=obj.guild, user=obj.user, by=user_of(request)
        )
        obj.pk = appointed.pk

    @admin.action(description="End these appointments")
    def end_appointments(self, request: HttpRequest, queryset: QuerySet[GuildModerator]) -> None:
        by = user_of(request)
        for appointment in queryset:
            services.guild_moderator_end(appointment=appointment, by=by)
        messages.success(request, "Appointments ended.")


class AbsenceForm(forms.ModelForm[ModeratorAvailability]):
    class Meta:
        model = ModeratorAvailability
        fields = ("user", "starts_on", "ends_on", "note")
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }


@admin.register(ModeratorAvailability)
class ModeratorAvailabilityAdmin(admin.ModelAdmin[ModeratorAvailability]):
    """Out of office. Saving one that has begun hands the moderator's open cases over at once;
    the hourly beat task does it for absences that begin later."""

    form = AbsenceForm
    list_display = ("user", "starts_on", "ends_on", "note")
    list_select_related = ("user",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        user = user_of(request)
        field = form.base_fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        if not selectors.is_program_lead(user):  # moderators record their own absences
            field.queryset = User.objects.filter(pk=user.pk)
        else:
            field.queryset = User.objects.filter(
                guild_moderations__ended_at__isnull=True
            ).distinct()
        return form

    def has_change_permission(
        self, request: HttpRequest, obj: ModeratorAvailability | None = None
    ) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ModeratorAvailability, form: Any, change: bool
    ) -> None:
        created = services.moderator_absence_add(
            user=obj.user, starts_on=obj.starts_on, ends_on=obj.ends_on, note=obj.note
        )
        obj.pk = created.pk
