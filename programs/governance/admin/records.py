"""Read-only records: the moderation audit log, hidden content and anonymized lessons."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from programs.governance import selectors, services
from programs.governance.admin.common import run, user_of
from programs.governance.models import AnonymizedLesson, HiddenContent, ModerationAction


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _guild_scope(request: HttpRequest) -> Q | None:
    """None for the program lead (everything); else what the user's cases and guilds cover."""
    user = user_of(request)
    if selectors.is_program_lead(user):
        return None
    cases = selectors.cases_visible_to(user=user).values("pk")
    guilds = user.guild_moderations.filter(ended_at__isnull=True).values("guild_id")
    return Q(case__in=cases) | Q(case__isnull=True, guild__in=guilds)


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnly):
    """Every moderator action, in order. Append-only: written only by the services."""

    list_display = ("at", "kind", "actor", "case", "report", "guild", "note")
    list_filter = ("kind",)
    list_select_related = ("actor", "case", "report", "guild")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ModerationAction]:
        actions = super().get_queryset(request)
        scope = _guild_scope(request)
        if scope is not None:
            reports = selectors.reports_visible_to(user=user_of(request)).values("pk")
            actions = actions.filter(scope | Q(case__isnull=True, report__in=reports))
        return actions.order_by("-at", "-pk")


@admin.register(HiddenContent)
class HiddenContentAdmin(ReadOnly):
    list_display = ("target_kind", "hidden_at", "hidden_by", "case", "restored_at")
    list_filter = ("target_kind",)
    list_select_related = ("hidden_by", "case")

    def get_queryset(self, request: HttpRequest) -> QuerySet[HiddenContent]:
        hidden = super().get_queryset(request)
        user = user_of(request)
        if selectors.is_program_lead(user):
            return hidden
        cases = selectors.cases_visible_to(user=user).values("pk")
        guilds = user.guild_moderations.filter(ended_at__isnull=True).values("guild_id")
        in_guild = (
            Q(question__guild__in=guilds)
            | Q(answer__question__guild__in=guilds)
            | Q(template__guild__in=guilds)
            | Q(event__guild__in=guilds)
        )
        return hidden.filter(Q(case__in=cases) | in_guild)


@admin.register(AnonymizedLesson)
class AnonymizedLessonAdmin(ReadOnly):
    """Lessons are written on the case page, checked for personal data; every moderator
    reads them all."""

    list_display = ("title", "audience", "written_at", "shared_at")
    list_filter = ("audience",)
    fields = ("title", "body", "audience", "written_at", "shared_at")
    actions = ("share",)

    @admin.action(description="Share with the community")
    def share(self, request: HttpRequest, queryset: QuerySet[AnonymizedLesson]) -> None:
        by = user_of(request)
        for lesson in queryset:
            run(
                request,
                lambda lesson=lesson: services.lesson_share(lesson=lesson, by=by),  # type: ignore[misc]
                f"“{lesson.title}” is shared with the community.",
            )
