"""`manage.py seed_demo`: the demo a CS manager clicks through must look like a real program.

The command runs once per module, inside a transaction rolled back at the end; each test reads
that data inside its own savepoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from champions.models import (
    Account,
    Activity,
    ActivityKind,
    ActivityLevel,
    Champion,
    ChampionState,
    ConsentRecord,
    ConsentScope,
    ConsentText,
    Guild,
    Invitation,
    MembershipRole,
    Region,
    User,
)
from champions.roles import Role
from champions.selectors import referral_chain


@pytest.fixture(scope="module")
def seed_output(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    models = (Account, Champion, Guild, Invitation, Activity, ConsentRecord, User)
    return {model.__name__: model.objects.count() for model in models}


def test_accounts_span_industries_and_every_region(seed_output: str, db: None) -> None:
    assert Account.objects.count() >= 25
    assert Account.objects.values("industry").distinct().count() >= 4
    assert set(Account.objects.values_list("region", flat=True)) == set(Region.values)
    assert not Account.objects.filter(arr__lte=0).exists()


def test_champions_in_every_lifecycle_state(seed_output: str, db: None) -> None:
    assert Champion.objects.count() >= 150
    states = set(Champion.objects.values_list("state", flat=True))
    assert states == set(ChampionState.values)
    movers = Champion.objects.filter(state=ChampionState.ALUMNI, successor__isnull=False)
    assert movers.count() >= 2
    for old in movers.select_related("successor"):
        assert old.successor is not None
        assert old.successor.account_id != old.account_id


def test_guilds_have_leads_and_members(seed_output: str, db: None) -> None:
    assert Guild.objects.count() >= 6
    assert {g.visibility for g in Guild.objects.all()} == {"public", "private", "hidden"}
    for guild in Guild.objects.all():
        assert guild.memberships.filter(role=MembershipRole.LEAD).count() == 1, guild.name
        assert guild.memberships.filter(role=MembershipRole.MEMBER).exists(), guild.name


@pytest.mark.parametrize(
    ("email", "is_staff", "is_superuser", "groups"),
    [
        ("admin@example.com", True, True, [Role.PROGRAM_MANAGER]),
        ("moderator@example.com", True, False, [Role.MODERATOR]),
        ("sales@example.com", False, False, [Role.SALES]),
        ("champion@example.com", False, False, []),
    ],
)
def test_the_four_logins_work_with_their_roles(
    seed_output: str, db: None, email: str, is_staff: bool, is_superuser: bool, groups: list[str]
) -> None:
    user = authenticate(email=email, password="demo")
    assert user is not None, f"{email} cannot sign in with “demo”"
    assert isinstance(user, User)
    assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)
    assert list(user.groups.values_list("name", flat=True)) == groups
    assert email in seed_output


def test_the_champion_login_is_an_active_guild_lead_with_a_buddy(
    seed_output: str, db: None
) -> None:
    champion = Champion.objects.get(user__email="champion@example.com")
    assert champion.state == ChampionState.ACTIVE
    assert champion.memberships.filter(role=MembershipRole.LEAD).exists()
    assert champion.buddy is not None
    assert champion.activities.filter(level__gt=ActivityLevel.OBSERVER).count() >= 20
    assert champion.peer_invitations_sent.exists()


def test_activity_spans_the_year(seed_output: str, db: None) -> None:
    months = {
        (at.astimezone(UTC).year, at.astimezone(UTC).month)
        for at in Activity.objects.values_list("occurred_at", flat=True)
    }
    assert len(months) >= 11
    assert not Activity.objects.filter(occurred_at__gt=timezone.now()).exists()
    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert {ActivityKind.LOGIN, ActivityKind.RSVP, ActivityKind.ANSWERED_QUESTION} <= kinds
    assert {ActivityKind.LED_GUILD, ActivityKind.MENTORED_AS_BUDDY} <= kinds


def test_every_joined_champion_accepted_an_invitation_when_joining(
    seed_output: str, db: None
) -> None:
    # A champion record created by a move to another company was not invited: it moved.
    joined = Champion.objects.filter(joined_at__isnull=False, predecessors__isnull=True)
    assert joined.count() >= 150
    for champion in joined:
        assert champion.activities.filter(
            kind=ActivityKind.ACCEPTED_INVITATION, occurred_at=champion.joined_at
        ).exists(), champion.email


def test_dormant_champions_have_not_contributed_for_60_days(seed_output: str, db: None) -> None:
    assert Champion.objects.filter(state=ChampionState.DORMANT).exists()
    recent = Activity.objects.filter(
        champion__state=ChampionState.DORMANT,
        level__gt=ActivityLevel.OBSERVER,
        occurred_at__gte=timezone.now() - timedelta(days=60),
    )
    assert not recent.exists()


def test_invitations_open_expired_accepted_and_chains_of_peers(seed_output: str, db: None) -> None:
    now = timezone.now()
    unused = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    assert unused.filter(expires_at__gt=now).exists()
    assert unused.filter(expires_at__lte=now).exists()
    assert Invitation.objects.filter(accepted_at__isnull=False).count() >= 150
    assert Invitation.objects.filter(invited_by_user__isnull=False).exists()
    assert Invitation.objects.filter(invited_by_champion__isnull=False).exists()
    deepest = max(len(referral_chain(champion=c)) for c in Champion.objects.all())
    assert deepest >= 4


def test_consent_texts_for_every_scope_with_grants_and_withdrawals(
    seed_output: str, db: None
) -> None:
    assert set(ConsentText.objects.values_list("scope", flat=True)) == set(ConsentScope.values)
    assert ConsentRecord.objects.filter(granted=True).exists()
    assert ConsentRecord.objects.filter(granted=False).exists()


def test_running_it_again_changes_nothing(seed_output: str, db: None) -> None:
    before = counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo data already loaded" in out.getvalue()
    assert counts() == before


def test_the_same_seed_gives_the_same_people(seed_output: str, db: None) -> None:
    emails = sorted(Champion.objects.values_list("email", flat=True))
    call_command("seed_demo", "--reset", "--quiet", stdout=StringIO())
    assert sorted(Champion.objects.values_list("email", flat=True)) == emails


def test_refuses_to_send_invented_people_to_a_connected_crm(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts()
    monkeypatch.setattr("integrations.crm.gateway._factory", lambda: object())
    with pytest.raises(CommandError, match="CRM is connected"):
        call_command("seed_demo", "--reset", stdout=StringIO())
    assert counts() == before


@pytest.mark.parametrize(
    ("email", "lands_on"),
    [
        ("admin@example.com", "/admin/"),
        ("sales@example.com", "/"),
        ("champion@example.com", "/portal/"),
    ],
)
def test_the_demo_logins_sign_in_through_the_login_page(
    seed_output: str, db: None, client: Any, settings: Any, email: str, lands_on: str
) -> None:
    """What the README promises: open the address, sign in with the printed login."""
    settings.ADMIN_REQUIRE_MFA = False  # the demo runs with DEBUG, where it is off
    response = client.post("/accounts/login/", {"login": email, "password": "demo"}, follow=False)
    assert response.status_code == 302, response.content.decode()[:500]
    assert "/accounts/confirm-email" not in response["Location"]
    assert client.session.get("_auth_user_id"), f"{email} was not signed in"
