"""The champions core services: every rule and every refusal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from champions import services
from champions.errors import DomainError
from champions.models import (
    Activity,
    ActivityKind,
    ActivityLevel,
    ActivitySource,
    Champion,
    ChampionState,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    GuildVisibility,
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    User,
)
from champions.selectors import consents_current, referral_chain
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ChampionFactory,
    ConsentTextFactory,
    GuildFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def _token_from_mail() -> str:
    match = re.search(r"/portal/join/([\w-]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


# --- invitations ---------------------------------------------------------------------------


def test_staff_invitation_creates_invited_champion_and_emails_a_link(
    django_capture_on_commit_callbacks,
):
    account = AccountFactory()
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.champion_invite(
            account=account,
            email=" Ada@Example.COM ",
            full_name="Ada Lovelace",
            invited_by_user=staff,
        )
    champion = issued.invitation.champion
    assert champion.state == ChampionState.INVITED
    assert champion.email == "ada@example.com"
    assert champion.user is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert mail.outbox[0].alternatives, "the invitation has an HTML alternative"
    assert _token_from_mail() == issued.token
    # Only the hash is stored.
    assert issued.token not in Invitation.objects.values_list("token_hash", flat=True)


def test_inviting_an_existing_champions_email_is_refused_and_changes_nothing():
    existing = ChampionFactory(email="grace@example.com")
    count = Champion.objects.count()
    with pytest.raises(DomainError) as error:
        services.champion_invite(
            account=AccountFactory(),
            email="GRACE@example.com",
            full_name="Grace",
            invited_by_user=StaffFactory(),
        )
    assert error.value.field == "email"
    assert existing.full_name in error.value.message
    assert Champion.objects.count() == count
    assert not Invitation.objects.exists()


def test_inviting_a_bad_email_names_the_field():
    with pytest.raises(DomainError) as error:
        services.champion_invite(
            account=AccountFactory(),
            email="not-an-email",
            full_name="X",
            invited_by_user=StaffFactory(),
        )
    assert error.value.field == "email"
    assert not Champion.objects.exists()


def test_alumni_email_can_be_invited_again():
    ChampionFactory(email="back@example.com", state=ChampionState.ALUMNI)
    issued = services.champion_invite(
        account=AccountFactory(),
        email="back@example.com",
        full_name="Back",
        invited_by_user=StaffFactory(),
    )
    assert issued.invitation.champion.state == ChampionState.INVITED


def test_accepting_an_invitation_joins_the_program():
    inviter = ChampionFactory()
    issued = services.champion_invite(
        account=inviter.account,
        email="peer@example.com",
        full_name="Pat Peer",
        invited_by_champion=inviter,
    )
    champion = services.invitation_accept(token=issued.token, password="a-long-passphrase-42")
    champion.refresh_from_db()
    assert champion.state == ChampionState.ONBOARDING
    assert champion.joined_at is not None
    assert champion.invited_by == inviter
    user = User.objects.get(email="peer@example.com")
    assert champion.user == user
    assert user.check_password("a-long-passphrase-42")
    accepted = Activity.objects.get(champion=champion, kind=ActivityKind.ACCEPTED_INVITATION)
    assert accepted.level == ActivityLevel.PARTICIPANT
    assert accepted.occurred_at == champion.joined_at
    invited = Activity.objects.get(champion=inviter, kind=ActivityKind.INVITED_PEER)
    assert invited.level == ActivityLevel.CONTRIBUTOR
    assert referral_chain(champion=champion) == [inviter, champion]


def test_a_used_invitation_is_refused_the_second_time():
    issued = services.champion_invite(
        account=AccountFactory(),
        email="once@example.com",
        full_name="Once",
        invited_by_user=StaffFactory(),
    )
    services.invitation_accept(token=issued.token)
    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=issued.token)
    assert error.value.code == "used_invitation"
    assert "Sign in" in error.value.message
    assert Activity.objects.filter(kind=ActivityKind.ACCEPTED_INVITATION).count() == 1


def test_an_expired_invitation_is_refused_and_changes_nothing():
    issued = services.champion_invite(
        account=AccountFactory(),
        email="late@example.com",
        full_name="Late",
        invited_by_user=StaffFactory(),
    )
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=issued.token)
    assert error.value.code == "expired_invitation"
    champion = Champion.objects.get(email="late@example.com")
    assert champion.state == ChampionState.INVITED
    assert not User.objects.filter(email="late@example.com").exists()


def test_an_unknown_token_is_refused():
    with pytest.raises(DomainError) as error:
        services.invitation_accept(token="made-up")
    assert error.value.field == "token"


def test_resending_replaces_the_old_link():
    staff = StaffFactory()
    first = services.champion_invite(
        account=AccountFactory(), email="re@example.com", full_name="Re", invited_by_user=staff
    )
    second = services.invitation_send(champion=first.invitation.champion, invited_by_user=staff)
    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=first.token)
    assert error.value.code == "revoked_invitation"
    assert services.invitation_accept(token=second.token).state == ChampionState.ONBOARDING


def test_a_joined_champion_cannot_be_invited_again():
    with pytest.raises(DomainError):
        services.invitation_send(champion=ChampionFactory(), invited_by_user=StaffFactory())


def test_a_dormant_champion_cannot_send_peer_invitations():
    dormant = ChampionFactory(state=ChampionState.DORMANT)
    with pytest.raises(DomainError) as error:
        services.champion_invite(
            account=dormant.account,
            email="x@example.com",
            full_name="X",
            invited_by_champion=dormant,
        )
    assert error.value.field == "invited_by"
    assert not Champion.objects.filter(email="x@example.com").exists()


# --- lifecycle -----------------------------------------------------------------------------

ALLOWED = [
    (ChampionState.ONBOARDING, services.champion_activate, ChampionState.ACTIVE),
    (ChampionState.DORMANT, services.champion_activate, ChampionState.ACTIVE),
    (ChampionState.ACTIVE, services.champion_mark_dormant, ChampionState.DORMANT),
    (ChampionState.ACTIVE, services.champion_mark_alumni, ChampionState.ALUMNI),
    (ChampionState.DORMANT, services.champion_mark_alumni, ChampionState.ALUMNI),
    (ChampionState.ONBOARDING, services.champion_mark_alumni, ChampionState.ALUMNI),
]
REFUSED = [
    (ChampionState.INVITED, services.champion_activate),
    (ChampionState.ACTIVE, services.champion_activate),
    (ChampionState.ALUMNI, services.champion_activate),
    (ChampionState.INVITED, services.champion_mark_dormant),
    (ChampionState.ONBOARDING, services.champion_mark_dormant),
    (ChampionState.DORMANT, services.champion_mark_dormant),
    (ChampionState.ALUMNI, services.champion_mark_dormant),
    (ChampionState.INVITED, services.champion_mark_alumni),
    (ChampionState.ALUMNI, services.champion_mark_alumni),
]


@pytest.mark.parametrize(("start", "action", "end"), ALLOWED)
def test_allowed_transitions(start, action, end):
    champion = ChampionFactory(state=start)
    action(champion=champion)
    champion.refresh_from_db()
    assert champion.state == end


@pytest.mark.parametrize(("start", "action"), REFUSED)
def test_refused_transitions_name_the_allowed_ones_and_change_nothing(start, action):
    champion = ChampionFactory(state=start)
    before = champion.state_changed_at
    with pytest.raises(DomainError) as error:
        action(champion=champion)
    assert error.value.code == "illegal_transition"
    assert "allowed next" in error.value.message
    champion.refresh_from_db()
    assert champion.state == start
    assert champion.state_changed_at == before


def test_moving_company_keeps_history_at_the_old_account():
    guild = GuildFactory()
    old = ChampionFactory(email="mover@old.example")
    Membership.objects.create(guild=guild, champion=old, role=MembershipRole.LEAD)
    ActivityFactory(champion=old)
    new_account = AccountFactory(name="New Co")
    moved = services.champion_move_account(
        champion=old, account=new_account, email="mover@new.example"
    )
    old.refresh_from_db()
    assert old.state == ChampionState.ALUMNI
    assert old.successor == moved
    assert old.activities.count() == 1
    assert moved.account == new_account
    assert moved.user == old.user
    assert moved.state == ChampionState.ACTIVE
    assert list(moved.guilds.all()) == [guild]


def test_moving_to_the_same_account_is_refused():
    champion = ChampionFactory()
    with pytest.raises(DomainError):
        services.champion_move_account(champion=champion, account=champion.account)


# --- activity log --------------------------------------------------------------------------


def test_activity_level_comes_from_its_kind_and_the_key_makes_it_idempotent():
    champion = ChampionFactory()
    first = services.activity_record(
        kind=ActivityKind.HOSTED_CLINIC,
        source=ActivitySource.API,
        champion=champion,
        idempotency_key="ext-1",
    )
    again = services.activity_record(
        kind=ActivityKind.HOSTED_CLINIC,
        source=ActivitySource.API,
        champion=champion,
        idempotency_key="ext-1",
    )
    assert first.pk == again.pk
    assert first.level == ActivityLevel.LEADER
    assert Activity.objects.count() == 1


def test_unknown_activity_kind_is_refused():
    with pytest.raises(DomainError) as error:
        services.activity_record(kind="bragged", source="api", champion=ChampionFactory())
    assert error.value.field == "kind"


def test_a_contribution_wakes_a_dormant_champion_but_presence_does_not():
    champion = ChampionFactory(state=ChampionState.DORMANT, state_changed_at=timezone.now())
    services.activity_record(kind=ActivityKind.LOGIN, source="portal", champion=champion)
    champion.refresh_from_db()
    assert champion.state == ChampionState.DORMANT
    services.activity_record(kind=ActivityKind.ASKED_QUESTION, source="portal", champion=champion)
    champion.refresh_from_db()
    assert champion.state == ChampionState.ACTIVE


def test_dormancy_marks_only_champions_without_contribution_for_60_days():
    now = timezone.now()
    long_ago = now - timedelta(days=200)
    quiet = ChampionFactory(joined_at=long_ago, state_changed_at=long_ago)
    ActivityFactory(champion=quiet, kind=ActivityKind.LOGIN, occurred_at=now - timedelta(days=1))
    busy = ChampionFactory(joined_at=long_ago, state_changed_at=long_ago)
    ActivityFactory(champion=busy, occurred_at=now - timedelta(days=59))
    newcomer = ChampionFactory(joined_at=now - timedelta(days=10))
    onboarding = ChampionFactory(state=ChampionState.ONBOARDING, joined_at=long_ago)

    assert services.champions_mark_dormant(now=now) == 1
    states = dict(Champion.objects.values_list("pk", "state"))
    assert states[quiet.pk] == ChampionState.DORMANT
    assert states[busy.pk] == ChampionState.ACTIVE
    assert states[newcomer.pk] == ChampionState.ACTIVE
    assert states[onboarding.pk] == ChampionState.ONBOARDING


def test_the_dormancy_beat_task_runs_the_service():
    from champions.tasks import mark_dormant_champions

    long_ago = timezone.now() - timedelta(days=90)
    ChampionFactory(joined_at=long_ago, state_changed_at=long_ago)
    assert mark_dormant_champions.delay().get() == 1


# --- guilds and buddies --------------------------------------------------------------------


def test_joining_depends_on_guild_visibility():
    champion = ChampionFactory()
    public = services.guild_join(guild=GuildFactory(), champion=champion)
    private = services.guild_join(
        guild=GuildFactory(visibility=GuildVisibility.PRIVATE), champion=champion
    )
    assert public.status == MembershipStatus.ACTIVE
    assert private.status == MembershipStatus.REQUESTED
    with pytest.raises(DomainError):
        services.guild_join(
            guild=GuildFactory(visibility=GuildVisibility.HIDDEN), champion=champion
        )
    assert services.membership_approve(membership=private).status == MembershipStatus.ACTIVE
    # Joining twice changes nothing.
    assert services.guild_join(guild=public.guild, champion=champion).pk == public.pk


def test_becoming_lead_is_a_leader_activity_once():
    guild, champion = GuildFactory(), ChampionFactory()
    services.guild_set_role(guild=guild, champion=champion, role=MembershipRole.LEAD)
    services.guild_set_role(guild=guild, champion=champion, role=MembershipRole.DEPUTY)
    activity = Activity.objects.get(kind=ActivityKind.LED_GUILD)
    assert activity.guild == guild
    assert activity.level == ActivityLevel.LEADER


def test_alumni_cannot_lead_a_guild():
    with pytest.raises(DomainError):
        services.guild_set_role(
            guild=GuildFactory(),
            champion=ChampionFactory(state=ChampionState.ALUMNI),
            role=MembershipRole.LEAD,
        )
    assert not Membership.objects.exists()


def test_buddy_pairing_records_mentoring_for_the_buddy():
    newcomer = ChampionFactory(state=ChampionState.ONBOARDING)
    buddy = ChampionFactory()
    services.champion_assign_buddy(champion=newcomer, buddy=buddy)
    newcomer.refresh_from_db()
    assert newcomer.buddy == buddy
    assert newcomer.buddy_paired_at is not None
    assert Activity.objects.get(kind=ActivityKind.MENTORED_AS_BUDDY).champion == buddy


@pytest.mark.parametrize("buddy_state", [ChampionState.DORMANT, ChampionState.ONBOARDING])
def test_only_active_champions_can_be_buddies(buddy_state):
    newcomer = ChampionFactory(state=ChampionState.ONBOARDING)
    with pytest.raises(DomainError) as error:
        services.champion_assign_buddy(champion=newcomer, buddy=ChampionFactory(state=buddy_state))
    assert error.value.field == "buddy"


def test_nobody_is_their_own_buddy():
    champion = ChampionFactory()
    with pytest.raises(DomainError):
        services.champion_assign_buddy(champion=champion, buddy=champion)


# --- consent -------------------------------------------------------------------------------


def test_consent_is_granted_withdrawn_and_kept_as_history():
    ConsentTextFactory(scope=ConsentScope.QUOTE)
    champion = ChampionFactory()
    grant = services.consent_grant(
        champion=champion,
        scope=ConsentScope.QUOTE,
        method=ConsentMethod.PORTAL,
        actor=champion.user,
    )
    assert grant.text_hash and grant.text_version == "1"
    assert consents_current(champion=champion)[ConsentScope.QUOTE] is True
    # Granting the same text again records nothing new.
    services.consent_grant(
        champion=champion, scope=ConsentScope.QUOTE, method=ConsentMethod.PORTAL, actor=None
    )
    services.consent_withdraw(
        champion=champion, scope=ConsentScope.QUOTE, method=ConsentMethod.PORTAL, actor=None
    )
    assert consents_current(champion=champion)[ConsentScope.QUOTE] is False
    assert list(
        ConsentRecord.objects.filter(champion=champion).values_list("granted", flat=True)
    ) == [False, True]


def test_consent_records_cannot_be_edited():
    ConsentTextFactory(scope=ConsentScope.LOGO)
    champion = ChampionFactory()
    record = services.consent_grant(
        champion=champion, scope=ConsentScope.LOGO, method=ConsentMethod.EMAIL, actor=None
    )
    record.granted = False
    with pytest.raises(ValueError, match="append-only"):
        record.save()


def test_consent_needs_a_published_text():
    with pytest.raises(DomainError) as error:
        services.consent_grant(
            champion=ChampionFactory(), scope=ConsentScope.VIDEO, method="portal", actor=None
        )
    assert error.value.field == "scope"


def test_a_new_text_version_needs_a_new_grant():
    champion = ChampionFactory()
    ConsentTextFactory(scope=ConsentScope.CASE_STUDY, version="1")
    services.consent_grant(
        champion=champion, scope=ConsentScope.CASE_STUDY, method="portal", actor=None
    )
    services.consent_text_publish(scope=ConsentScope.CASE_STUDY, version="2", body="New words.")
    second = services.consent_grant(
        champion=champion, scope=ConsentScope.CASE_STUDY, method="portal", actor=None
    )
    assert second.text_version == "2"
    assert ConsentRecord.objects.filter(champion=champion).count() == 2
