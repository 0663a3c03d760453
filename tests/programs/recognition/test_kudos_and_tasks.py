"""Kudos between champions and good first contributions."""

from __future__ import annotations

import pytest

from champions.errors import DomainError
from programs.recognition import services
from tests.factories import ChampionFactory, StaffFactory
from tests.programs.factories import GoodFirstContributionFactory

pytestmark = pytest.mark.django_db


def test_a_champion_thanks_another() -> None:
    giver, receiver = ChampionFactory(), ChampionFactory()

    kudos = services.kudos_give(from_champion=giver, to_champion=receiver, message=" Thanks! ")

    assert (kudos.from_champion, kudos.to_champion, kudos.message) == (giver, receiver, "Thanks!")


def test_kudos_to_oneself_are_refused() -> None:
    champion = ChampionFactory()

    with pytest.raises(DomainError, match="yourself") as error:
        services.kudos_give(from_champion=champion, to_champion=champion, message="Me!")

    assert error.value.field == "to_champion"


def test_kudos_need_a_message() -> None:
    with pytest.raises(DomainError) as error:
        services.kudos_give(
            from_champion=ChampionFactory(), to_champion=ChampionFactory(), message="  "
        )
    assert error.value.field == "message"


def test_claiming_and_completing_a_good_first_contribution() -> None:
    task = GoodFirstContributionFactory()
    newcomer = ChampionFactory()

    services.good_first_contribution_claim(task=task, champion=newcomer)
    done = services.good_first_contribution_complete(task=task, champion=newcomer)

    assert done.claimed_by == newcomer
    assert done.claimed_at is not None
    assert done.done_at is not None


def test_claiming_twice_is_refused() -> None:
    task = GoodFirstContributionFactory()
    newcomer = ChampionFactory()
    services.good_first_contribution_claim(task=task, champion=newcomer)

    with pytest.raises(DomainError, match="already claimed by you"):
        services.good_first_contribution_claim(task=task, champion=newcomer)


def test_a_second_champion_cannot_claim_a_claimed_task() -> None:
    task = GoodFirstContributionFactory()
    first = ChampionFactory(full_name="Ada First")
    services.good_first_contribution_claim(task=task, champion=first)

    with pytest.raises(DomainError, match="already claimed by Ada First") as error:
        services.good_first_contribution_claim(task=task, champion=ChampionFactory())

    assert error.value.field == "task"
    task.refresh_from_db()
    assert task.claimed_by == first


def test_only_the_claimer_completes_and_only_once() -> None:
    task = GoodFirstContributionFactory()
    claimer = ChampionFactory()
    services.good_first_contribution_claim(task=task, champion=claimer)

    with pytest.raises(DomainError, match="Only the champion who claimed"):
        services.good_first_contribution_complete(task=task, champion=ChampionFactory())
    services.good_first_contribution_complete(task=task, champion=claimer)
    with pytest.raises(DomainError, match="already done"):
        services.good_first_contribution_complete(task=task, champion=claimer)
    with pytest.raises(DomainError, match="already done"):
        services.good_first_contribution_claim(task=task, champion=ChampionFactory())


def test_a_released_task_can_be_claimed_by_someone_else() -> None:
    task = GoodFirstContributionFactory()
    services.good_first_contribution_claim(task=task, champion=ChampionFactory())

    with pytest.raises(DomainError, match="Only the champion who claimed"):
        services.good_first_contribution_release(task=task, champion=ChampionFactory())
    services.good_first_contribution_release(task=task, by_user=StaffFactory())
    other = ChampionFactory()

    assert services.good_first_contribution_claim(task=task, champion=other).claimed_by == other


def test_invited_champions_cannot_claim() -> None:
    with pytest.raises(DomainError) as error:
        services.good_first_contribution_claim(
            task=GoodFirstContributionFactory(), champion=ChampionFactory(invited=True)
        )
    assert error.value.field == "champion"
