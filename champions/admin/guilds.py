"""Guilds and their memberships in the admin.

Roles and approvals change through actions that call the guild services, so that becoming a
lead is recorded as the leader activity the metrics count.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest

from champions import services
from champions.admin.common import ServiceAdmin, ServiceForm, apply_to_each
from champions.models import Guild, Membership, MembershipRole, MembershipStatus


class GuildMembershipInline(admin.TabularInline[Membership, Guild]):
    model = Membership
    fk_name = "guild"
    fields = ("champion", "role", "status", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("guild", "champion__account")


@admin.register(Guild)
class GuildAdmin(admin.ModelAdmin[Guild]):
    list_display = ("name", "access", "theme", "active_members", "requests", "leaders")
    list_filter = ("visibility",)
    search_fields = ("name", "slug", "theme")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "theme", "description", "visibility", "created_at")
    readonly_fields = ("created_at",)
    inlines = (GuildMembershipInline,)
    actions = ("approve_requests",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Guild]:
        leads = Membership.objects.filter(
            role__in=(MembershipRole.LEAD, MembershipRole.DEPUTY)
        ).select_related("champion")
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_count=Count(
                    "memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE)
                ),
                requested_count=Count(
                    "memberships", filter=Q(memberships__status=MembershipStatus.REQUESTED)
                ),
            )
            .prefetch_related(Prefetch("memberships", queryset=leads, to_attr="leads"))
        )

    @admin.display(description="visibility", ordering="visibility")
    def access(self, guild: Guild) -> str:
        return str(guild.get_visibility_display()).split(":")[0]

    @admin.display(description="members", ordering="active_count")
    def active_members(self, guild: Guild) -> int:
        return int(getattr(guild, "active_count", 0))

    @admin.display(description="waiting for approval", ordering="requested_count")
    def requests(self, guild: Guild) -> int:
        return int(getattr(guild, "requested_count", 0))

    @admin.display(description="lead and deputies")
    def leaders(self, guild: Guild) -> str:
        leads: list[Membership] = getattr(guild, "leads", [])
        ordered = sorted(leads, key=lambda m: (m.role != MembershipRole.LEAD, m.champion.full_name))
        return ", ".join(f"{m.champion.full_name} ({m.get_role_display()})" for m in ordered) or "—"

    @admin.action(description="Approve requested memberships", permissions=["change"])
    def approve_requests(self, request: HttpRequest, queryset: QuerySet[Guild]) -> None:
        requested = Membership.objects.filter(
            guild__in=queryset, status=MembershipStatus.REQUESTED
        ).select_related("guild", "champion")
        apply_to_each(
            self,
            request,
            requested,
            lambda membership: services.membership_approve(membership=membership),
            done="Approved",
            label=_label,
        )


class MembershipAddForm(ServiceForm[Membership]):
    """Add a champion to a guild in a role, through `guild_set_role`."""

    class Meta:
        model = Membership
        fields = ("guild", "champion", "role")

    def create(self) -> Membership:
        data = self.cleaned_data
        return services.guild_set_role(
            guild=data["guild"], champion=data["champion"], role=data["role"]
        )


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin[Membership]):
    add_form = MembershipAddForm
    list_display = ("champion_name", "guild", "role", "status", "joined_at")
    list_filter = ("status", "role", ("guild", admin.RelatedFieldListFilter))
    search_fields = ("champion__full_name", "champion__email", "champion__account__name")
    autocomplete_fields = ("guild", "champion")
    actions = ("approve", "make_lead", "make_deputy", "make_member", "delete_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("guild", "champion__account")

    @admin.display(description="champion", ordering="champion__full_name")
    def champion_name(self, membership: Membership) -> str:
        return f"{membership.champion.full_name} ({membership.champion.account.name})"

    def get_form(
        self,
        request: HttpRequest,
        obj: Membership | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> Any:
        # An existing membership changes only through the actions.
        return () if obj is None else ("guild", "champion", "role", "status", "joined_at")

    def get_fields(self, request: HttpRequest, obj: Membership | None = None) -> Any:
        if obj is None:
            return ("guild", "champion", "role")
        return ("guild", "champion", "role", "status", "joined_at")

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if not change:  # nothing on the change page is editable; the actions change it
            super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.guild_leave(guild=obj.guild, champion=obj.champion)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("guild", "champion"):
            services.guild_leave(guild=membership.guild, champion=membership.champion)

    @admin.action(description="Approve requested memberships", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        apply_to_each(
            self,
            request,
            queryset.filter(status=MembershipStatus.REQUESTED),
            lambda membership: services.membership_approve(membership=membership),
            done="Approved",
            label=_label,
        )

    @admin.action(description="Make guild lead", permissions=["change"])
    def make_lead(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._set_role(request, queryset, MembershipRole.LEAD)

    @admin.action(description="Make deputy lead", permissions=["change"])
    def make_deputy(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._set_role(request, queryset, MembershipRole.DEPUTY)

    @admin.action(description="Make plain member", permissions=["change"])
    def make_member(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._set_role(request, queryset, MembershipRole.MEMBER)

    def _set_role(
        self, request: HttpRequest, queryset: QuerySet[Membership], role: MembershipRole
    ) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda m: services.guild_set_role(guild=m.guild, champion=m.champion, role=role),
            done=f"Made {role.label.lower()}",
            label=_label,
        )


def _label(membership: Membership) -> str:
    return f"{membership.champion.full_name} in {membership.guild.name}"
