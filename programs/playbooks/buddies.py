"""Choosing buddies for newcomers in bulk: who shares the most with them and has room.

A shared guild counts most, then the industry, then the time zone; among equals the buddy
with the fewest current newcomers, then the lowest id. One query loads the candidates (with
their current load), one the guild memberships that matter; the choice is then made in
memory with a heap per “what they share” key, so a batch of newcomers costs the same few
queries and about O(log n) work per newcomer, however many champions there are.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from champions.models import Champion, ChampionState, Membership, MembershipStatus
from programs.playbooks.selectors import reachable_champions

Key = tuple[object, ...]


def guilds_by_champion(memberships: QuerySet[Membership]) -> dict[int, set[int]]:
    guilds: dict[int, set[int]] = defaultdict(set)
    rows = memberships.filter(status=MembershipStatus.ACTIVE).values_list("champion_id", "guild_id")
    for champion_id, guild_id in rows:
        guilds[champion_id].add(guild_id)
    return guilds


def active_guilds(champion_ids: Iterable[int]) -> dict[int, set[int]]:
    return guilds_by_champion(Membership.objects.filter(champion_id__in=list(champion_ids)))


def tiers(industry: str, timezone: str, guilds: Iterable[int]) -> list[list[Key]]:
    """The keys a newcomer looks under, best match first (scores 7 down to 1)."""
    guilds = sorted(guilds)
    return [
        [("guild+industry+zone", g, industry, timezone) for g in guilds],
        [("guild+industry", g, industry) for g in guilds],
        [("guild+zone", g, timezone) for g in guilds],
        [("guild", g) for g in guilds],
        [("industry+zone", industry, timezone)],
        [("industry", industry)],
        [("zone", timezone)],
    ]


class BuddyPool:
    """Active champions with room for another newcomer, indexed by what they share."""

    def __init__(self, newcomers: list[Champion], max_load: int) -> None:
        self.max_load = max_load
        self.guilds = active_guilds(c.pk for c in newcomers)
        wanted: set[int] = set().union(*self.guilds.values())
        # Only the newcomers' guilds matter, so read their members, not every candidate's.
        candidate_guilds = guilds_by_champion(Membership.objects.filter(guild_id__in=wanted))
        self.load: dict[int, int] = {}
        self.keys: dict[int, list[Key]] = {}
        self.heaps: dict[Key, list[tuple[int, int]]] = defaultdict(list)
        for pk, industry, timezone, load in self.candidates(newcomers, wanted):
            self.load[pk] = load
            keys = [k for tier in tiers(industry, timezone, candidate_guilds[pk]) for k in tier]
            self.keys[pk] = keys
            for key in keys:
                self.heaps[key].append((load, pk))
        for heap in self.heaps.values():
            heapq.heapify(heap)

    def candidates(
        self, newcomers: list[Champion], guild_ids: set[int]
    ) -> QuerySet[Champion, tuple[int, str, str, int]]:
        load = (
            Champion.objects.filter(buddy_id=OuterRef("pk"))
            .exclude(state=ChampionState.ALUMNI)
            .order_by()
            .values("buddy_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        shares_guild = Membership.objects.filter(
            champion_id=OuterRef("pk"), guild_id__in=guild_ids, status=MembershipStatus.ACTIVE
        )
        return (
            reachable_champions()
            .filter(state=ChampionState.ACTIVE)
            .exclude(pk__in=[c.pk for c in newcomers])
            .filter(
                Exists(shares_guild)
                | Q(account__industry__in={c.account.industry for c in newcomers})
                | Q(timezone__in={c.timezone for c in newcomers})
            )
            .annotate(load=Coalesce(Subquery(load, output_field=IntegerField()), 0))
            .filter(load__lt=self.max_load)
            .values_list("pk", "account__industry", "timezone", "load")
        )

    def top(self, key: Key) -> tuple[int, int] | None:
        """The lightest-loaded candidate under `key` with room; stale entries are dropped."""
        heap = self.heaps.get(key)
        while heap:
            load, pk = heap[0]
            if load == self.load[pk] and load < self.max_load:
                return heap[0]
            heapq.heappop(heap)
        return None

    def choose(self, newcomer: Champion) -> int | None:
        """The best buddy for the newcomer, counted as taken; None when nobody fits."""
        for keys in tiers(newcomer.account.industry, newcomer.timezone, self.guilds[newcomer.pk]):
            best = min((top for key in keys if (top := self.top(key))), default=None)
            if best is not None:
                self.take(best[1])
                return best[1]
        return None

    def take(self, pk: int) -> None:
        self.load[pk] += 1
        if self.load[pk] < self.max_load:
            for key in self.keys[pk]:
                heapq.heappush(self.heaps[key], (self.load[pk], pk))
