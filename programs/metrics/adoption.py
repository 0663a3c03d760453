"""Per-account adoption (METRICS.md, "Per account (adoption, synced to the CRM company)").

Set-based: a handful of grouped queries for a whole batch of accounts or champions, whatever
its size, so the CRM sync can map 100 companies or contacts per call without a query per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from champions.models import (
    Activity,
    ActivityKind,
    ActivityLevel,
    AdoptionFigure,
    Champion,
    ChampionState,
)

WINDOW_DAYS = 90
HALF_LIFE_DAYS = 30
REFERENCES_WINDOW_DAYS = 365  # "12m": twelve months taken as 365 days of elapsed time


@dataclass(frozen=True)
class AccountAdoption:
    """One account's figures at `at`; levels are `ActivityLevel` values (1–4), None for none."""

    account_id: int
    active_champions: int = 0
    champion_count: int = 0
    highest_champion_level: int | None = None
    engagement_score: float = 0.0
    events_attended_90d: int = 0
    templates_reused_90d: int = 0
    last_champion_activity_at: datetime | None = None
    references_given_12m: int = 0
    figures: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ChampionEngagement:
    """The same figures for one champion (their CRM contact shows them)."""

    champion_id: int
    engagement_score: float = 0.0
    highest_level: int | None = None
    last_activity_at: datetime | None = None
    references_given: int = 0


def account_adoption(*, account_ids: list[int], at: datetime) -> dict[int, AccountAdoption]:
    """The per-account figures of METRICS.md for each account in `account_ids`, at `at`.

    Population: the account's champions, staff and erased champions excluded (Conventions).
    Facts are those dated before `at`; "the last 90 days" is `[at − 90 d, at)`.

    - `active_champions`: champions with a contribution activity (level above observer) in
      the last 90 days ("Active" in Conventions, over that window).
    - `champion_count`: champions who had joined before `at` and were not alumni at `at`.
    - `highest_champion_level`: the highest level of those contributions (None: none).
    - `engagement_score`: the sum over those contributions of 1/2/4/8 by level (observer …
      leader), each halved per full 30 days of age at `at`.
    - `events_attended_90d`, `templates_reused_90d`: attended-event and downloaded-or-reused-
      template activities in the last 90 days.
    - `last_champion_activity_at`: the latest contribution before `at`, however old.
    - `references_given_12m`: gave-reference activities in the 365 days before `at`.
    - `figures`: the latest imported `AdoptionFigure` per metric dated on or before `at`.

    Every requested account is in the result; an account without champions has zeros and
    Nones (Conventions, "Empty").
    """
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return {}
    scope = Q(champion__account_id__in=ids)
    out: dict[int, dict[str, Any]] = {i: {"account_id": i, "figures": {}} for i in ids}
    for key, figures in _contribution_figures(scope, "champion__account_id", at).items():
        out[key].update(figures)
    for key, count in _champion_counts(ids, at).items():
        out[key]["champion_count"] = count
    for row in (
        AdoptionFigure.objects.filter(account_id__in=ids, date__lte=at.date())
        .order_by("account_id", "metric", "-date")
        .values_list("account_id", "metric", "value")
    ):
        out[row[0]]["figures"].setdefault(row[1], row[2])
    return {key: AccountAdoption(**values) for key, values in out.items()}


def champion_engagement(*, champion_ids: list[int], at: datetime) -> dict[int, ChampionEngagement]:
    """Engagement score, highest level and last contribution per champion, as for accounts.

    `references_given` counts all gave-reference activities before `at` (not only 12 months):
    the contact shows the champion's whole record.
    """
    ids = list(dict.fromkeys(champion_ids))
    figures = _contribution_figures(Q(champion_id__in=ids), "champion_id", at, all_time_refs=True)
    out: dict[int, ChampionEngagement] = {}
    for champion_id in ids:
        row = figures.get(champion_id, {})
        out[champion_id] = ChampionEngagement(
            champion_id=champion_id,
            engagement_score=row.get("engagement_score", 0.0),
            highest_level=row.get("highest_champion_level"),
            last_activity_at=row.get("last_champion_activity_at"),
            references_given=row.get("references_given_12m", 0),
        )
    return out


def _counted(scope: Q) -> QuerySet[Activity]:
    """Contributions of non-staff, non-erased champions."""
    return (
        Activity.objects.filter(scope, level__gt=ActivityLevel.OBSERVER)
        .filter(champion__erased_at__isnull=True)
        .filter(Q(champion__user__isnull=True) | Q(champion__user__is_staff=False))
    )


def _contribution_figures(
    scope: Q, group: str, at: datetime, *, all_time_refs: bool = False
) -> dict[int, dict[str, Any]]:
    """Two grouped queries: the 90-day window by champion, level and age, then the latest
    contribution and the references given."""
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    window = _counted(scope).filter(
        occurred_at__gte=at - timedelta(days=WINDOW_DAYS), occurred_at__lt=at
    )
    rows = (
        window.annotate(halvings=_halvings(at))
        .values(group, "champion_id", "level", "halvings")
        .annotate(
            n=Count("id"),
            events=Count("id", filter=Q(kind=ActivityKind.ATTENDED_EVENT)),
            templates=Count("id", filter=Q(kind=ActivityKind.REUSED_TEMPLATE)),
        )
    )
    active: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        figures = out[row[group]]
        active[row[group]].add(row["champion_id"])
        figures["highest_champion_level"] = max(
            row["level"], figures.get("highest_champion_level") or 0
        )
        figures["events_attended_90d"] = figures.get("events_attended_90d", 0) + row["events"]
        figures["templates_reused_90d"] = figures.get("templates_reused_90d", 0) + row["templates"]
        # Weight 2^(level − 1), halved per full 30 days of age.
        weight = row["n"] * 2 ** (row["level"] - 1) / 2 ** row["halvings"]
        figures["engagement_score"] = figures.get("engagement_score", 0.0) + weight
    for key, champions in active.items():
        out[key]["active_champions"] = len(champions)
    since = None if all_time_refs else at - timedelta(days=REFERENCES_WINDOW_DAYS)
    given = Q(kind=ActivityKind.GAVE_REFERENCE) & (Q(occurred_at__gte=since) if since else Q())
    history = (
        _counted(scope)
        .filter(occurred_at__lt=at)
        .values(group)
        .annotate(last=Max("occurred_at"), references=Count("id", filter=given))
    )
    for row in history:
        out[row[group]]["last_champion_activity_at"] = row["last"]
        out[row[group]]["references_given_12m"] = row["references"]
    return out


def _halvings(at: datetime) -> Case:
    """Full 30-day periods of age at `at`: [0, 30) days 0, [30, 60) 1, [60, 90) 2, 90 days 3."""
    return Case(
        *(
            When(occurred_at__gt=at - timedelta(days=HALF_LIFE_DAYS * (n + 1)), then=Value(n))
            for n in range(WINDOW_DAYS // HALF_LIFE_DAYS)
        ),
        default=Value(WINDOW_DAYS // HALF_LIFE_DAYS),
        output_field=IntegerField(),
    )


def _champion_counts(account_ids: list[int], at: datetime) -> dict[int, int]:
    champions = (
        Champion.objects.filter(account_id__in=account_ids, erased_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user__is_staff=False))
        .filter(joined_at__lt=at)
        .filter(~Q(state=ChampionState.ALUMNI) | Q(state_changed_at__gte=at))
    )
    return dict(
        champions.values("account_id").annotate(n=Count("id")).values_list("account_id", "n")
    )
