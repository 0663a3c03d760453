"""The records the program keeps as history: invitations, the activity log and consent.

None of them is edited here. Invitations are sent by the champion actions, activities are
recorded by the services, consent is granted and withdrawn by the champion (or by staff on
their behalf) through the consent services; a consent text is published once and never changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from champions import services
from champions.admin.common import ServiceAdmin, ServiceForm, apply_to_each, invitation_status
from champions.admin.csv_import import acting_user
from champions.models import Activity, ConsentRecord, ConsentText, Invitation


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """History: visible to whoever may view it, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvitationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(s, s.capitalize()) for s in ("open", "accepted", "expired", "revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        pending = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        conditions = {
            "open": pending & Q(expires_at__gt=now),
            "accepted": Q(accepted_at__isnull=False),
            "expired": pending & Q(expires_at__lte=now),
            "revoked": Q(accepted_at__isnull=True, revoked_at__isnull=False),
        }
        value = self.value()
        return queryset.filter(conditions[value]) if value in conditions else queryset


class InvitationSenderFilter(admin.SimpleListFilter):
    title = "sent by"
    parameter_name = "sender"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("peer", "A champion (peer)"), ("staff", "The program team")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "peer":
            return queryset.filter(invited_by_champion__isnull=False)
        if self.value() == "staff":
            return queryset.filter(invited_by_champion__isnull=True)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "champion_name", "status", "sender", "sent_at", "expires_at")
    list_filter = (InvitationStatusFilter, InvitationSenderFilter, "sent_at")
    search_fields = ("email", "champion__full_name", "champion__account__name")
    date_hierarchy = "sent_at"
    # The token hash is left out on purpose: it is a credential, not information.
    fields = (
        "champion",
        "email",
        "status",
        "sender",
        "message",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("send_again",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return (
            super()
            .get_queryset(request)
            .select_related("champion__account", "invited_by_user", "invited_by_champion")
        )

    @admin.display(description="champion", ordering="champion__full_name")
    def champion_name(self, invitation: Invitation) -> str:
        return invitation.champion.full_name

    @admin.display(description="status")
    def status(self, invitation: Invitation) -> str:
        return invitation_status(invitation)

    @admin.display(description="sent by")
    def sender(self, invitation: Invitation) -> str:
        if invitation.invited_by_champion is not None:
            return f"peer: {invitation.invited_by_champion.full_name}"
        return f"staff: {invitation.invited_by_user or '—'}"

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("champions.change_champion")

    @admin.action(description="Send a new invitation to these champions", permissions=["send"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        user = acting_user(request)
        champions = {invitation.champion_id: invitation.champion for invitation in queryset}
        apply_to_each(
            self,
            request,
            champions.values(),
            lambda champion: services.invitation_send(champion=champion, invited_by_user=user),
            done="Invitation sent to",
            label=lambda champion: champion.full_name,
        )


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """The append-only log every metric is computed from."""

    list_display = ("occurred_at", "kind", "level", "champion_name", "actor", "guild", "source")
    list_filter = ("kind", "level", "source", ("guild", admin.RelatedFieldListFilter))
    search_fields = ("champion__full_name", "champion__email", "actor__email")
    date_hierarchy = "occurred_at"
    readonly_fields = (
        "champion",
        "actor",
        "kind",
        "level",
        "occurred_at",
        "guild",
        "source",
        "subject_type",
        "subject_id",
        "idempotency_key",
        "metadata",
        "recorded_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Activity]:
        return super().get_queryset(request).select_related("champion__account", "actor", "guild")

    @admin.display(description="champion", ordering="champion__full_name")
    def champion_name(self, activity: Activity) -> str:
        return activity.champion.full_name if activity.champion else "—"


class ConsentTextForm(ServiceForm[ConsentText]):
    """Publish a consent text through `consent_text_publish`."""

    class Meta:
        model = ConsentText
        fields = ("scope", "version", "body")

    def create(self) -> ConsentText:
        data = self.cleaned_data
        return services.consent_text_publish(
            scope=data["scope"], version=data["version"], body=data["body"]
        )


@admin.register(ConsentText)
class ConsentTextAdmin(ServiceAdmin[ConsentText]):
    """Texts are published once: a champion's consent points to the exact words by hash."""

    form = ConsentTextForm
    list_display = ("scope", "version", "published_at", "short_hash")
    list_filter = ("scope",)
    search_fields = ("version", "body")
    fields = ("scope", "version", "body")

    def get_fields(self, request: HttpRequest, obj: ConsentText | None = None) -> Any:
        return self.fields if obj is None else (*self.fields, "published_at", "text_hash")

    def get_readonly_fields(self, request: HttpRequest, obj: ConsentText | None = None) -> Any:
        return () if obj is None else (*self.fields, "published_at", "text_hash")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="text hash")
    def short_hash(self, text: ConsentText) -> str:
        return text.text_hash[:12]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "recorded_at",
        "champion_name",
        "scope",
        "granted",
        "text_version",
        "method",
        "actor",
    )
    list_filter = ("scope", "granted", "method")
    search_fields = ("champion__full_name", "champion__email")
    date_hierarchy = "recorded_at"
    fields = (
        "champion",
        "scope",
        "granted",
        "text_version",
        "text_hash",
        "method",
        "actor",
        "recorded_at",
        "note",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentRecord]:
        return super().get_queryset(request).select_related("champion__account", "actor")

    @admin.display(description="champion", ordering="champion__full_name")
    def champion_name(self, record: ConsentRecord) -> str:
        return record.champion.full_name
