"""Champions in the admin: invite, move through the lifecycle, look at their history.

The lifecycle state is read-only here; it changes only through the actions, which call the
services. The add page invites (or only creates) a champion through the services as well.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.forms import ModelForm
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from champions import imports, selectors, services
from champions.admin.common import (
    SeparatedListField,
    ServiceForm,
    apply_to_each,
    csv_download,
    html_table,
    invitation_status,
)
from champions.admin.csv_import import CsvImportAdmin, ImportConfirmForm, acting_user
from champions.models import Activity, Champion, Membership, User
from integrations.crm.admin import CrmSyncPanelMixin
from integrations.crm.outbox import crm_mark_dirty


class ChampionAddForm(ServiceForm[Champion]):
    """Create a champion through the services; a refusal shows on the field it names."""

    send_invitation = forms.BooleanField(
        label="Send the invitation email now",
        required=False,
        initial=True,
        help_text="Leave it off to add the champion now and invite them later with the "
        "“Send / resend invitation” action.",
    )
    message = forms.CharField(
        label="Personal note in the invitation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    acting_user: User | None = None

    class Meta:
        model = Champion
        fields = ("account", "email", "full_name", "title", "tier")

    def create(self) -> Champion:
        data = self.cleaned_data
        details = {
            "account": data["account"],
            "email": data["email"],
            "full_name": data["full_name"],
            "title": data.get("title", ""),
            "tier": data["tier"],
        }
        if not data.get("send_invitation"):
            return services.champion_create(**details)
        issued = services.champion_invite(
            **details, invited_by_user=self.acting_user, message=data.get("message", "")
        )
        return issued.invitation.champion


class ChampionChangeForm(forms.ModelForm[Champion]):
    languages = SeparatedListField(
        required=False, help_text="ISO 639-1 codes separated by “;”, like en; de."
    )
    expertise = SeparatedListField(required=False, help_text="Skills separated by “;”.")

    class Meta:
        model = Champion
        fields = (
            "full_name",
            "title",
            "tier",
            "crm_id",
            "timezone",
            "languages",
            "expertise",
            "product_areas",
            "private_notes",
        )


class MembershipInline(admin.TabularInline[Membership, Champion]):
    """A champion's guilds; roles and approvals change through the membership actions."""

    model = Membership
    fk_name = "champion"
    fields = ("guild", "role", "status", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("guild", "champion__account")


def _last_activity_at() -> Subquery[Any]:
    """When the champion last did anything the activity log knows of."""
    newest = Activity.objects.filter(champion=OuterRef("pk")).order_by("-occurred_at")
    return Subquery(newest.values("occurred_at")[:1])


class ChampionImportConfirmForm(ImportConfirmForm):
    send_invitations = forms.BooleanField(
        label="Send each imported champion an invitation email now", required=False
    )


@admin.register(Champion)
class ChampionAdmin(CrmSyncPanelMixin, CsvImportAdmin[Champion]):
    form = ChampionChangeForm
    add_form = ChampionAddForm
    list_display = (
        "full_name",
        "account",
        "state",
        "tier",
        "joined",
        "buddy_name",
        "invited_by_name",
        "last_activity",
    )
    list_filter = (
        "state",
        "tier",
        "account__industry",
        "account__region",
        ("guilds", admin.RelatedFieldListFilter),
    )
    search_fields = ("full_name", "email", "account__name", "account__domain")
    autocomplete_fields = ("account", "product_areas")
    actions = (
        "send_invitation",
        "activate",
        "mark_dormant",
        "mark_alumni",
        "export_csv",
    )
    add_fieldsets = (
        (None, {"fields": ("account", "email", "full_name", "title", "tier")}),
        ("Invitation", {"fields": ("send_invitation", "message")}),
    )
    fieldsets = (
        (
            None,
            {"fields": ("full_name", "email", "account", "title", "tier", ("crm_id", "crm_sync"))},
        ),
        (
            "Lifecycle",
            {
                "fields": (
                    "state",
                    "state_changed_at",
                    "joined_at",
                    "first_value_at",
                    "user",
                    "successor",
                ),
                "description": "The state changes through the actions on the champion list.",
            },
        ),
        ("Profile", {"fields": ("timezone", "languages", "expertise", "product_areas")}),
        ("Network", {"fields": ("invited_by", "referral_chain", "buddy", "buddy_paired_at")}),
        ("Invitations", {"fields": ("invitation_history",)}),
        ("Consent", {"fields": ("consent_history",)}),
        ("Program team only", {"fields": ("private_notes",)}),
        ("Record", {"fields": ("created_at", "updated_at", "erased_at")}),
    )
    readonly_fields = (
        "email",
        "account",
        "state",
        "state_changed_at",
        "joined_at",
        "first_value_at",
        "user",
        "successor",
        "invited_by",
        "referral_chain",
        "buddy",
        "buddy_paired_at",
        "invitation_history",
        "consent_history",
        "created_at",
        "updated_at",
        "erased_at",
        "crm_sync",
    )
    import_columns = imports.CHAMPION_COLUMNS

    # --- the list --------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Champion]:
        # Here rather than in list_select_related (which a select_related here would switch
        # off): `account` is also for __str__, which autocomplete and delete pages call per row.
        queryset = super().get_queryset(request).select_related("account", "buddy", "invited_by")
        return queryset.annotate(last_activity_at=_last_activity_at())

    @admin.display(description="joined", ordering="joined_at")
    def joined(self, champion: Champion) -> date | None:
        return timezone.localdate(champion.joined_at) if champion.joined_at else None

    @admin.display(description="buddy", ordering="buddy__full_name")
    def buddy_name(self, champion: Champion) -> str:
        return champion.buddy.full_name if champion.buddy else "—"

    @admin.display(description="invited by", ordering="invited_by__full_name")
    def invited_by_name(self, champion: Champion) -> str:
        return champion.invited_by.full_name if champion.invited_by else "—"

    @admin.display(description="last activity", ordering="last_activity_at")
    def last_activity(self, champion: Champion) -> date | None:
        at: datetime | None = getattr(champion, "last_activity_at", None)
        return timezone.localdate(at) if at else None

    def has_delete_permission(self, request: HttpRequest, obj: Champion | None = None) -> bool:
        # Deleting would take the champion's activity and consent history with it. Champions
        # leave through "Mark alumni"; erasing a person's data is the privacy flow's job.
        return False

    # --- the forms -------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Champion | None = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Champion | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Champion, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        crm_mark_dirty(champion_ids=[obj.pk])  # name, title, tier: the CRM contact shows them

    def get_inlines(self, request: HttpRequest, obj: Champion | None) -> Any:
        return [] if obj is None else [MembershipInline]

    def get_form(
        self, request: HttpRequest, obj: Champion | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Champion]]:
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, ChampionAddForm):
            # A class built for this request by modelform_factory, so this is not shared.
            form.acting_user = acting_user(request)
        return form

    # --- history panels --------------------------------------------------------------------

    @admin.display(description="referral chain")
    def referral_chain(self, champion: Champion) -> SafeString:
        chain = selectors.referral_chain(champion=champion)
        return format_html_join(
            " → ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:champions_champion_change", args=[link.pk]), link.full_name)
                for link in chain
            ),
        )

    @admin.display(description="invitations")
    def invitation_history(self, champion: Champion) -> SafeString:
        invitations = champion.invitations.select_related("invited_by_user", "invited_by_champion")
        return html_table(
            ("sent", "status", "by", "expires"),
            (
                (
                    f"{invitation.sent_at:%Y-%m-%d %H:%M}",
                    invitation_status(invitation),
                    _inviter(invitation.invited_by_champion, invitation.invited_by_user),
                    f"{invitation.expires_at:%Y-%m-%d}",
                )
                for invitation in invitations
            ),
        )

    @admin.display(description="consent history")
    def consent_history(self, champion: Champion) -> SafeString:
        return html_table(
            ("recorded", "scope", "", "text", "method", "by", "note"),
            (
                (
                    f"{record.recorded_at:%Y-%m-%d %H:%M}",
                    record.get_scope_display(),
                    "granted" if record.granted else "withdrawn",
                    f"v{record.text_version}",
                    record.get_method_display(),
                    str(record.actor) if record.actor else "—",
                    record.note,
                )
                for record in selectors.consent_history(champion=champion)
            ),
        )

    # --- actions ---------------------------------------------------------------------------

    @admin.action(description="Send / resend invitation", permissions=["change"])
    def send_invitation(self, request: HttpRequest, queryset: QuerySet[Champion]) -> None:
        user = acting_user(request)
        apply_to_each(
            self,
            request,
            queryset,
            lambda champion: services.invitation_send(champion=champion, invited_by_user=user),
            done="Invitation sent to",
            label=_name,
        )

    @admin.action(description="Activate", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Champion]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda champion: services.champion_activate(champion=champion),
            done="Activated",
            label=_name,
        )

    @admin.action(description="Mark dormant", permissions=["change"])
    def mark_dormant(self, request: HttpRequest, queryset: QuerySet[Champion]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda champion: services.champion_mark_dormant(champion=champion),
            done="Marked dormant",
            label=_name,
        )

    @admin.action(description="Mark alumni", permissions=["change"])
    def mark_alumni(self, request: HttpRequest, queryset: QuerySet[Champion]) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda champion: services.champion_mark_alumni(champion=champion),
            done="Marked alumni",
            label=_name,
        )

    @admin.action(description="Export selected champions as CSV", permissions=["view"])
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Champion]
    ) -> StreamingHttpResponse:
        return csv_download(
            filename="champions", rows=imports.champions_export_rows(champions=queryset)
        )

    # --- CSV import ------------------------------------------------------------------------

    import_confirm_form = ChampionImportConfirmForm

    def import_preview(self, content: str) -> imports.Preview[Any]:
        return imports.champions_preview(content=content)

    def import_apply(
        self, request: HttpRequest, content: str, form: ImportConfirmForm
    ) -> imports.ImportResult:
        return imports.champions_apply(
            content=content,
            send_invitations=bool(form.cleaned_data.get("send_invitations")),
            invited_by_user=acting_user(request),
        )


def _name(champion: Champion) -> str:
    return champion.full_name


def _inviter(champion: Champion | None, user: User | None) -> str:
    if champion is not None:
        return f"peer: {champion.full_name}"
    return f"staff: {user}" if user is not None else "—"
