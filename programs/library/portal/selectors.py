"""What a champion may see of the library: published templates (not those of hidden guilds
they are not in), and their own drafts. Templates a moderator hid (`programs.governance`)
are shown to no champion, their author included."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from champions.models import Champion, Guild, GuildVisibility, Membership, MembershipStatus
from programs.governance.selectors import exclude_hidden
from programs.library.models import Template, TemplateRating
from programs.library.selectors import templates_published, templates_with_stats

MAX_SEARCH_TERMS = 8


def _guild_visible(champion: Champion) -> Q:
    member = Exists(
        Membership.objects.filter(
            guild=OuterRef("guild"), champion=champion, status=MembershipStatus.ACTIVE
        )
    )
    return Q(guild__isnull=True) | ~Q(guild__visibility=GuildVisibility.HIDDEN) | Q(member)


def _my_rating(champion: Champion) -> Subquery:
    return Subquery(
        TemplateRating.objects.filter(template=OuterRef("pk"), champion=champion).values("rating")[
            :1
        ]
    )


def templates_visible_to(*, champion: Champion) -> QuerySet[Template]:
    """The library as the champion sees it, with stats and `my_rating`; featured first."""
    return (
        exclude_hidden(templates_published())
        .filter(_guild_visible(champion))
        .annotate(my_rating=_my_rating(champion))
    )


def template_for(*, champion: Champion, pk: int) -> Template | None:
    """A published template the champion may see, or one of their own drafts."""
    return (
        exclude_hidden(templates_with_stats())
        .filter(pk=pk)
        .filter((Q(published_at__isnull=False) & _guild_visible(champion)) | Q(author=champion))
        .annotate(my_rating=_my_rating(champion))
        .select_related("author", "guild", "product_area", "parent")
        .first()
    )


def my_templates(*, champion: Champion) -> QuerySet[Template]:
    return (
        exclude_hidden(templates_with_stats())
        .filter(author=champion)
        .select_related("parent", "guild")
        .order_by("-updated_at", "-pk")
    )


def template_search(templates: QuerySet[Template], text: str) -> QuerySet[Template]:
    """Every word must appear in the title, the description or the Markdown body."""
    for term in text.split()[:MAX_SEARCH_TERMS]:
        templates = templates.filter(
            Q(title__icontains=term) | Q(description__icontains=term) | Q(body__icontains=term)
        )
    return templates


def guilds_for_filter(*, champion: Champion) -> QuerySet[Guild]:
    member = Membership.objects.filter(
        guild=OuterRef("pk"), champion=champion, status=MembershipStatus.ACTIVE
    )
    return Guild.objects.filter(~Q(visibility=GuildVisibility.HIDDEN) | Exists(member)).order_by(
        "name"
    )


def guilds_to_share_in(*, champion: Champion) -> QuerySet[Guild]:
    """A template is filed under a guild the champion is an active member of, or none."""
    return Guild.objects.filter(
        memberships__champion=champion, memberships__status=MembershipStatus.ACTIVE
    ).order_by("name")


def guild_templates(*, guild: Guild, limit: int = 5) -> list[Template]:
    return list(
        exclude_hidden(Template.objects.filter(guild=guild, published_at__isnull=False))
        .only("title", "category", "download_count", "published_at")
        .order_by("-featured", "-published_at")[:limit]
    )
