"""The database refuses what the services refuse, even when code goes around them."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from champions.models import Activity, Champion, ChampionState, User
from tests.factories import AccountFactory, ChampionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_two_live_champions_cannot_share_an_email_in_any_case():
    ChampionFactory(email="same@example.com")
    _refused(lambda: ChampionFactory(email="SAME@example.com", user=None))


def test_an_alumni_record_and_a_live_one_may_share_an_email():
    ChampionFactory(email="same@example.com", state=ChampionState.ALUMNI)
    ChampionFactory(email="same@example.com", user=None)
    assert Champion.objects.filter(email="same@example.com").count() == 2


def test_one_user_has_one_live_champion_record():
    user = UserFactory()
    ChampionFactory(user=user)
    _refused(lambda: ChampionFactory(user=user))


def test_a_champion_is_not_their_own_buddy():
    champion = ChampionFactory()
    champion.buddy = champion
    _refused(champion.save)


def test_a_joined_state_needs_a_join_date():
    _refused(lambda: ChampionFactory(state=ChampionState.ACTIVE, joined_at=None, user=None))


def test_account_domains_are_unique_ignoring_case():
    AccountFactory(domain="acme.example")
    _refused(lambda: AccountFactory(domain="ACME.example"))


def test_user_emails_are_unique_ignoring_case():
    UserFactory(email="x@example.com")
    _refused(lambda: User.objects.create(email="X@example.com"))


def test_activity_levels_stay_within_one_to_four():
    champion = ChampionFactory()
    _refused(
        lambda: Activity.objects.create(
            champion=champion, kind="login", level=7, occurred_at=champion.joined_at, source="api"
        )
    )


def test_activity_idempotency_keys_are_unique():
    champion = ChampionFactory()
    fields = dict(
        champion=champion, kind="login", level=1, occurred_at=champion.joined_at, source="api"
    )
    Activity.objects.create(idempotency_key="k", **fields)
    _refused(lambda: Activity.objects.create(idempotency_key="k", **fields))
