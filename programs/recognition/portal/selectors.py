"""Whom a champion can thank, and their kudos and tasks, for the portal."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q, QuerySet

from champions.models import Champion, ChampionState, Membership, MembershipStatus
from programs.recognition.models import GoodFirstContribution, Kudos

LIVE_STATES = (ChampionState.ONBOARDING, ChampionState.ACTIVE, ChampionState.DORMANT)
SHOWN = 50


def people_to_thank(*, champion: Champion) -> QuerySet[Champion]:
    """Champions the person works with: fellow guild members, buddies, and those who
    answered their clinic questions. Only names and titles are shown of them."""
    my_guilds = Membership.objects.filter(champion=champion, status=MembershipStatus.ACTIVE).values(
        "guild_id"
    )
    related = (
        Q(memberships__guild_id__in=my_guilds, memberships__status=MembershipStatus.ACTIVE)
        | Q(pk=champion.buddy_id)
        | Q(buddy=champion)
    )
    try:
        answer_model = apps.get_model("clinics", "Answer")
    except LookupError:
        pass
    else:
        helped = answer_model._default_manager.filter(
            question__asker=champion, author__isnull=False
        ).values("author_id")
        related |= Q(pk__in=helped)
    return (
        Champion.objects.filter(related, state__in=LIVE_STATES, erased_at__isnull=True)
        .exclude(pk=champion.pk)
        .exclude(user__is_staff=True)
        .only("full_name", "title")
        .distinct()
        .order_by("full_name", "pk")
    )


def kudos_received(*, champion: Champion) -> list[Kudos]:
    return list(
        Kudos.objects.filter(to_champion=champion)
        .select_related("from_champion")
        .only("message", "created_at", "from_champion__full_name")
        .order_by("-created_at")[:SHOWN]
    )


def kudos_given(*, champion: Champion) -> list[Kudos]:
    return list(
        Kudos.objects.filter(from_champion=champion)
        .select_related("to_champion")
        .only("message", "created_at", "to_champion__full_name")
        .order_by("-created_at")[:SHOWN]
    )


def my_open_tasks(*, champion: Champion) -> list[GoodFirstContribution]:
    """Good first contributions the champion claimed and has not finished yet."""
    return list(
        GoodFirstContribution.objects.filter(claimed_by=champion, done_at__isnull=True)
        .select_related("guild")
        .order_by("claimed_at", "pk")
    )


def my_done_task_count(*, champion: Champion) -> int:
    return GoodFirstContribution.objects.filter(claimed_by=champion, done_at__isnull=False).count()
