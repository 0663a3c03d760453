"""Per-account adoption (METRICS.md, "Per account"), computed by hand on a small data set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from champions.models import ActivityKind, AdoptionFigure, ChampionState
from programs.metrics.adoption import account_adoption, champion_engagement
from tests.factories import AccountFactory, ActivityFactory, ChampionFactory, StaffFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return AT - timedelta(days=days)


def test_figures_for_an_account_match_the_definitions() -> None:
    account = AccountFactory()
    ada = ChampionFactory(account=account, joined_at=days_ago(300))
    bob = ChampionFactory(account=account, joined_at=days_ago(200))
    ChampionFactory(
        account=account,
        joined_at=days_ago(10),
        state=ChampionState.ALUMNI,
        state_changed_at=days_ago(5),
    )  # left before `at`: not counted
    ChampionFactory(account=account, invited=True)  # not joined: not counted
    staff = ChampionFactory(account=account, joined_at=days_ago(100))
    staff.user.is_staff = True
    staff.user.save()
    erased = ChampionFactory(account=account, joined_at=days_ago(100), erased_at=days_ago(1))
    # ada: a leader activity today (8), a contributor one 45 days ago (4 / 2 = 2),
    # a participant one exactly 90 days ago (2 / 8 = 0.25)
    ActivityFactory(champion=ada, kind=ActivityKind.HOSTED_CLINIC, occurred_at=days_ago(0.5))
    ActivityFactory(champion=ada, kind=ActivityKind.ANSWERED_QUESTION, occurred_at=days_ago(45))
    ActivityFactory(champion=ada, kind=ActivityKind.ATTENDED_EVENT, occurred_at=days_ago(90))
    # bob: a template reuse 30 days ago (2 / 2 = 1), a reference 200 days ago (outside 90 d)
    ActivityFactory(champion=bob, kind=ActivityKind.REUSED_TEMPLATE, occurred_at=days_ago(30))
    ActivityFactory(champion=bob, kind=ActivityKind.GAVE_REFERENCE, occurred_at=days_ago(200))
    ActivityFactory(champion=bob, kind=ActivityKind.GAVE_REFERENCE, occurred_at=days_ago(400))
    # presence, the future, staff and erased champions count for nothing
    ActivityFactory(champion=bob, kind=ActivityKind.LOGIN, occurred_at=days_ago(1))
    ActivityFactory(champion=bob, kind=ActivityKind.ASKED_QUESTION, occurred_at=AT)
    ActivityFactory(champion=staff, kind=ActivityKind.HOSTED_CLINIC, occurred_at=days_ago(1))
    ActivityFactory(champion=erased, kind=ActivityKind.HOSTED_CLINIC, occurred_at=days_ago(1))
    AdoptionFigure.objects.create(
        account=account,
        date=days_ago(8).date(),
        metric="seats_used",
        value=Decimal(40),
        source="api",
    )
    AdoptionFigure.objects.create(
        account=account,
        date=days_ago(1).date(),
        metric="seats_used",
        value=Decimal(45),
        source="api",
    )
    AdoptionFigure.objects.create(
        account=account,
        date=(AT + timedelta(days=1)).date(),
        metric="seats_used",
        value=Decimal(99),
        source="api",
    )

    figures = account_adoption(account_ids=[account.pk], at=AT)[account.pk]

    assert figures.champion_count == 2
    assert figures.active_champions == 2
    assert figures.highest_champion_level == 4
    assert figures.engagement_score == pytest.approx(8 + 2 + 0.25 + 1)
    assert figures.events_attended_90d == 1
    assert figures.templates_reused_90d == 1
    assert figures.last_champion_activity_at == days_ago(0.5)
    assert figures.references_given_12m == 1
    assert figures.figures == {"seats_used": Decimal(45)}


def test_an_account_without_champions_has_zeros_and_nones() -> None:
    account = AccountFactory()
    figures = account_adoption(account_ids=[account.pk], at=AT)[account.pk]
    assert (figures.champion_count, figures.active_champions, figures.engagement_score) == (0, 0, 0)
    assert figures.highest_champion_level is None and figures.last_champion_activity_at is None


def test_a_batch_of_accounts_takes_a_fixed_number_of_queries(
    django_assert_max_num_queries: object,
) -> None:
    accounts = AccountFactory.create_batch(20)
    for account in accounts:
        champion = ChampionFactory(account=account, joined_at=days_ago(50))
        ActivityFactory(
            champion=champion, kind=ActivityKind.ATTENDED_EVENT, occurred_at=days_ago(3)
        )
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        result = account_adoption(account_ids=[a.pk for a in accounts], at=AT)
    assert {r.events_attended_90d for r in result.values()} == {1}


def test_champion_engagement_uses_the_same_weights() -> None:
    champion = ChampionFactory(joined_at=days_ago(100))
    ActivityFactory(champion=champion, kind=ActivityKind.LED_GUILD, occurred_at=days_ago(61))
    ActivityFactory(champion=champion, kind=ActivityKind.GAVE_REFERENCE, occurred_at=days_ago(400))
    StaffFactory()
    row = champion_engagement(champion_ids=[champion.pk], at=AT)[champion.pk]
    assert row.engagement_score == 2.0  # 8 halved twice
    assert row.highest_level == 4
    assert row.references_given == 1  # all time on the contact
