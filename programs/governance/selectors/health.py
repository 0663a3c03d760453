"""Health-check results per guild: scores per round, the trend, and flagged drops."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count
from django.utils import timezone

from champions.models import Champion, Guild, MembershipStatus
from programs.governance import conf
from programs.governance.models import HealthCheckResponse, HealthCheckRound


@dataclass(frozen=True)
class RoundScore:
    round: HealthCheckRound
    responses: int
    psychological_safety: float | None
    belonging: float | None
    usefulness: float | None

    @property
    def score(self) -> float | None:
        """The mean of the three items' means; None below the minimum number of responses."""
        items = (self.psychological_safety, self.belonging, self.usefulness)
        if any(item is None for item in items):
            return None
        return sum(item for item in items if item is not None) / 3


@dataclass(frozen=True)
class GuildHealth:
    guild: Guild
    rounds: list[RoundScore]  # oldest first

    @property
    def latest(self) -> float | None:
        scores = [r.score for r in self.rounds if r.score is not None]
        return scores[-1] if scores else None

    @property
    def change(self) -> float | None:
        """Latest score minus the one before, over rounds with a score."""
        scores = [r.score for r in self.rounds if r.score is not None]
        return scores[-1] - scores[-2] if len(scores) >= 2 else None

    @property
    def flagged(self) -> bool:
        change = self.change
        return change is not None and change <= -conf.health_drop_threshold()


def health_results(*, last_rounds: int = 4) -> list[GuildHealth]:
    """Per guild, the last rounds' mean scores (1–5) and whether the latest dropped."""
    rounds = list(HealthCheckRound.objects.order_by("-opens_at", "-pk")[:last_rounds])
    rounds.reverse()
    rows = (
        HealthCheckResponse.objects.filter(round__in=rounds)
        .values("guild_id", "round_id")
        .annotate(
            n=Count("pk"),
            ps=Avg("psychological_safety"),
            b=Avg("belonging"),
            u=Avg("usefulness"),
        )
        .order_by()
    )
    minimum = conf.health_min_responses()
    by_guild: dict[int, dict[int, RoundScore]] = defaultdict(dict)
    by_id = {r.pk: r for r in rounds}
    for row in rows:
        enough = row["n"] >= minimum
        by_guild[row["guild_id"]][row["round_id"]] = RoundScore(
            by_id[row["round_id"]],
            row["n"],
            row["ps"] if enough else None,
            row["b"] if enough else None,
            row["u"] if enough else None,
        )
    guilds = Guild.objects.filter(pk__in=by_guild).order_by("name")
    return [
        GuildHealth(g, [by_guild[g.pk][r.pk] for r in rounds if r.pk in by_guild[g.pk]])
        for g in guilds
    ]


def round_open(*, at: datetime | None = None) -> HealthCheckRound | None:
    at = at or timezone.now()
    rounds = HealthCheckRound.objects.filter(opens_at__lte=at, closes_at__gt=at)
    return rounds.order_by("-opens_at").first()


def guilds_to_answer(*, champion: Champion, health_round: HealthCheckRound) -> list[Guild]:
    """The champion's guilds they have not answered for in this round."""
    answered = HealthCheckResponse.objects.filter(round=health_round, champion=champion).values(
        "guild_id"
    )
    return list(
        Guild.objects.filter(
            memberships__champion=champion, memberships__status=MembershipStatus.ACTIVE
        )
        .exclude(pk__in=answered)
        .order_by("name")
    )
