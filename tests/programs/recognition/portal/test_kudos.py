"""Kudos and my tasks in the portal: give thanks to people one works with, see one's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from champions.models import ChampionState
from programs.recognition.models import GoodFirstContribution, Kudos
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory
from tests.programs.factories import AnswerFactory, KudosFactory, QuestionFactory

pytestmark = pytest.mark.django_db
INDEX = "portal:recognition:index"


@pytest.fixture
def peer(champion_a: Any) -> Any:
    guild = GuildFactory(slug="finance-ops")
    MembershipFactory(guild=guild, champion=champion_a)
    peer = ChampionFactory(full_name="Grace Hopper", title="Controller")
    MembershipFactory(guild=guild, champion=peer)
    return peer


def test_give_kudos_to_a_guild_peer(client_a: Client, champion_a: Any, peer: Any) -> None:
    page = client_a.get(reverse(INDEX)).content.decode()
    assert "Grace Hopper, Controller" in page
    response = client_a.post(
        reverse(INDEX), {"to_champion": peer.pk, "message": "Thanks for the export tip"}
    )
    assert response.status_code == 302
    kudos = Kudos.objects.get()
    assert (kudos.from_champion, kudos.to_champion) == (champion_a, peer)
    assert "Thanks for the export tip" in client_a.get(reverse(INDEX)).content.decode()


def test_people_who_answered_my_question_can_be_thanked(client_a: Client, champion_a: Any) -> None:
    helper = ChampionFactory(full_name="Helpful Harriet")
    AnswerFactory(question=QuestionFactory(asker=champion_a), author=helper)
    page = client_a.get(reverse(INDEX), {"to": helper.pk}).content.decode()
    assert f'<option value="{helper.pk}" selected>Helpful Harriet' in page


def test_strangers_and_the_giver_cannot_be_chosen_and_the_giver_is_never_posted(
    client_a: Client, champion_a: Any, champion_b: Any, peer: Any
) -> None:
    page = client_a.get(reverse(INDEX)).content.decode()
    assert champion_b.full_name not in page  # no shared guild: not offered, never shown
    for receiver in (champion_b, champion_a):
        response = client_a.post(reverse(INDEX), {"to_champion": receiver.pk, "message": "Hi"})
        assert "Select a valid choice" in response.content.decode()
    client_a.post(
        reverse(INDEX),
        {"to_champion": peer.pk, "message": "Thanks", "from_champion": champion_b.pk},
    )
    assert Kudos.objects.get().from_champion == champion_a


def test_alumni_are_not_offered(client_a: Client, peer: Any) -> None:
    peer.state = ChampionState.ALUMNI
    peer.save()
    assert "Grace Hopper" not in client_a.get(reverse(INDEX)).content.decode()


def test_a_sees_only_kudos_to_and_from_a(
    client_a: Client, champion_a: Any, champion_b: Any, peer: Any
) -> None:
    KudosFactory(from_champion=peer, to_champion=champion_a, message="For A")
    KudosFactory(from_champion=peer, to_champion=champion_b, message="For B only")
    page = client_a.get(reverse(INDEX)).content.decode()
    assert "For A" in page and "For B only" not in page
    home = client_a.get(reverse("portal:home")).content.decode()
    assert "For A" in home and "Thank someone" in home


def test_my_tasks_with_done_and_give_back(
    client_a: Client, client_b: Client, champion_a: Any
) -> None:
    task = GoodFirstContribution.objects.create(
        title="Write a tip", claimed_by=champion_a, claimed_at=timezone.now()
    )
    home = client_a.get(reverse("portal:home")).content.decode()
    assert "My tasks" in home and "Write a tip" in home
    release = reverse("portal:recognition:release_task", args=[task.pk])
    assert client_b.post(release).status_code == 404
    assert client_a.post(release).status_code == 302
    task.refresh_from_db()
    assert task.claimed_by is None
    assert "My tasks" not in client_a.get(reverse("portal:home")).content.decode()


def test_query_budget(
    client_a: Client, champion_a: Any, peer: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(20):
        KudosFactory(to_champion=champion_a)
        KudosFactory(from_champion=champion_a, to_champion=peer)
    with django_assert_max_num_queries(9):
        assert client_a.get(reverse(INDEX)).status_code == 200
