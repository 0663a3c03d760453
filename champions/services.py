"""Every change to the champions core goes through these functions.

They validate, change atomically, record the `Activity` the metrics need and raise
`DomainError` with a message a person can act on. Views, admin actions, API views, tasks and
commands are thin doors into them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from champions.errors import DomainError
from champions.models import (
    ACTIVITY_LEVELS,
    NOTIFICATIONS_ALWAYS_SENT,
    NOTIFICATIONS_NEVER_IN_DIGEST,
    Account,
    Activity,
    ActivityKind,
    ActivityLevel,
    ActivitySource,
    Champion,
    ChampionState,
    ChampionTier,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    ConsentText,
    DigestFrequency,
    Guild,
    GuildVisibility,
    Industry,
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    NotificationKind,
    NotificationPreference,
    Plan,
    ProductArea,
    Region,
    SizeBand,
    User,
    known_timezones,
)
from integrations.crm.outbox import crm_mark_dirty

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ChampionState.INVITED: frozenset({ChampionState.ONBOARDING}),
    ChampionState.ONBOARDING: frozenset({ChampionState.ACTIVE, ChampionState.ALUMNI}),
    ChampionState.ACTIVE: frozenset({ChampionState.DORMANT, ChampionState.ALUMNI}),
    ChampionState.DORMANT: frozenset({ChampionState.ACTIVE, ChampionState.ALUMNI}),
    ChampionState.ALUMNI: frozenset(),
}
INVITING_STATES = frozenset({ChampionState.ONBOARDING, ChampionState.ACTIVE})


# --- the activity log ---------------------------------------------------------------------


def activity_record(
    *,
    kind: str,
    source: str,
    champion: Champion | None = None,
    actor: User | None = None,
    occurred_at: datetime | None = None,
    guild: Guild | None = None,
    subject: models.Model | None = None,
    idempotency_key: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Activity:
    """Append one event to the log; the same `idempotency_key` twice records it once.

    A contribution by a dormant champion makes them active again.
    """
    if kind not in ACTIVITY_LEVELS:
        raise DomainError(f"“{kind}” is not an activity kind.", field="kind")
    if source not in ActivitySource.values:
        raise DomainError(f"“{source}” is not an activity source.", field="source")
    if champion is None and actor is None:
        raise DomainError("An activity needs a champion or an acting user.", field="champion")
    if idempotency_key:
        existing = Activity.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    activity = Activity(
        champion=champion,
        actor=actor,
        kind=kind,
        level=ACTIVITY_LEVELS[kind],
        occurred_at=occurred_at or timezone.now(),
        guild=guild,
        source=source,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        idempotency_key=idempotency_key or None,
        metadata=metadata or {},
    )
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        # Another writer recorded the same key between our read and our insert.
        if idempotency_key:
            return Activity.objects.get(idempotency_key=idempotency_key)
        raise
    if (
        champion is not None
        and champion.state == ChampionState.DORMANT
        and activity.level > ActivityLevel.OBSERVER
        and activity.occurred_at >= champion.state_changed_at
    ):
        _transition(champion, ChampionState.ACTIVE, at=activity.occurred_at)
    if champion is not None and activity.level > ActivityLevel.OBSERVER:
        crm_mark_dirty(champion_ids=[champion.pk], account_ids=[champion.account_id])
    return activity


# --- lifecycle ----------------------------------------------------------------------------


def _transition(champion: Champion, to_state: str, *, at: datetime | None = None) -> Champion:
    allowed = ALLOWED_TRANSITIONS[champion.state]
    if to_state not in allowed:
        current = ChampionState(champion.state).label.lower()
        target = ChampionState(to_state).label.lower()
        options = ", ".join(sorted(ChampionState(s).label.lower() for s in allowed)) or "none"
        raise DomainError(
            f"{champion.full_name} is {current} and cannot become {target} "
            f"(allowed next: {options}).",
            field="state",
            code="illegal_transition",
        )
    champion.state = to_state
    champion.state_changed_at = at or timezone.now()
    champion.save(update_fields=["state", "state_changed_at", "updated_at"])
    crm_mark_dirty(champion_ids=[champion.pk], account_ids=[champion.account_id])
    return champion


@transaction.atomic
def champion_activate(*, champion: Champion) -> Champion:
    """Onboarding is complete (or a dormant champion is back): the champion is active."""
    return _transition(champion, ChampionState.ACTIVE)


@transaction.atomic
def champion_mark_dormant(*, champion: Champion) -> Champion:
    return _transition(champion, ChampionState.DORMANT)


@transaction.atomic
def champion_mark_alumni(*, champion: Champion) -> Champion:
    """The champion left the program (or the company); their history stays."""
    return _transition(champion, ChampionState.ALUMNI)


def champions_mark_dormant(*, now: datetime | None = None) -> int:
    """Mark dormant every active champion with no contribution in the dormancy window.

    One UPDATE for the whole population; returns how many champions became dormant.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CHAMPION_DORMANT_AFTER_DAYS)
    recent_contribution = Activity.objects.filter(
        champion=OuterRef("pk"), level__gt=ActivityLevel.OBSERVER, occurred_at__gte=cutoff
    )
    stale = Champion.objects.filter(
        state=ChampionState.ACTIVE, joined_at__lt=cutoff, state_changed_at__lt=cutoff
    ).filter(~Exists(recent_contribution))
    count = stale.update(state=ChampionState.DORMANT, state_changed_at=now, updated_at=now)
    marked = Champion.objects.filter(state=ChampionState.DORMANT, state_changed_at=now)
    pairs = list(marked.values_list("pk", "account_id"))
    crm_mark_dirty(champion_ids=[pk for pk, _ in pairs], account_ids=[a for _, a in pairs])
    return count


@transaction.atomic
def champion_move_account(
    *, champion: Champion, account: Account, email: str | None = None
) -> Champion:
    """The champion changed company: alumni at the old account, a new record at the new one.

    The new record keeps the person's user, profile and guild memberships; the old record
    keeps its activity and consent history and points to the new one.
    """
    if account.pk == champion.account_id:
        raise DomainError(f"{champion.full_name} is already at {account.name}.", field="account")
    if champion.state not in (ChampionState.ACTIVE, ChampionState.DORMANT):
        raise DomainError(
            f"Only joined champions can move; {champion.full_name} is {champion.state}.",
            field="state",
        )
    new_email = _clean_email(email or champion.email)
    _transition(champion, ChampionState.ALUMNI)
    moved = Champion.objects.create(
        user=champion.user,
        account=account,
        email=new_email,
        full_name=champion.full_name,
        title=champion.title,
        tier=champion.tier,
        expertise=champion.expertise,
        timezone=champion.timezone,
        languages=champion.languages,
        invited_by=champion.invited_by,
        joined_at=timezone.now(),
        state=ChampionState.ACTIVE,
    )
    moved.product_areas.set(champion.product_areas.all())
    Membership.objects.bulk_create(
        Membership(guild_id=m.guild_id, champion=moved, role=MembershipRole.MEMBER)
        for m in champion.memberships.filter(status=MembershipStatus.ACTIVE)
    )
    champion.successor = moved
    champion.save(update_fields=["successor", "updated_at"])
    crm_mark_dirty(champion_ids=[moved.pk], account_ids=[moved.account_id])
    return moved


def champion_record_first_value(*, champion: Champion, at: datetime) -> bool:
    """Note the champion's first value moment if `at` is earlier than any known one.

    Called by the services whose actions can be a first value moment (an accepted or helpful
    peer answer, attending a demo or clinic, reusing a peer's template). Moments before joining
    do not count. Returns whether the recorded moment changed.
    """
    if champion.joined_at is None or at < champion.joined_at:
        return False
    if champion.first_value_at is not None and champion.first_value_at <= at:
        return False
    updated = (
        Champion.objects.filter(pk=champion.pk)
        .filter(models.Q(first_value_at__isnull=True) | models.Q(first_value_at__gt=at))
        .update(first_value_at=at)
    )
    champion.first_value_at = at
    return bool(updated)


# --- creating champions and inviting them ---------------------------------------------------


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(f"“{email}” is not a valid email address.", field="email") from None
    return email


def _live_champion_with_email(email: str) -> Champion | None:
    return (
        Champion.objects.filter(email__iexact=email)
        .exclude(state=ChampionState.ALUMNI)
        .select_related("account")
        .first()
    )


@transaction.atomic
def champion_create(
    *,
    account: Account,
    email: str,
    full_name: str,
    title: str = "",
    tier: str = ChampionTier.COMMUNITY,
    timezone_name: str = "UTC",
    languages: Iterable[str] = (),
    expertise: Iterable[str] = (),
    product_areas: Iterable[ProductArea] = (),
) -> Champion:
    """Create a champion record in state `invited`, not yet sent an invitation."""
    email = _clean_email(email)
    existing = _live_champion_with_email(email)
    if existing is not None:
        raise DomainError(
            f"{email} already belongs to champion {existing.full_name} at "
            f"{existing.account.name} ({existing.get_state_display().lower()}).",
            field="email",
            code="duplicate",
        )
    if not full_name.strip():
        raise DomainError("A champion needs a name.", field="full_name")
    if tier not in ChampionTier.values:
        raise DomainError(f"“{tier}” is not a tier.", field="tier")
    champion = Champion(
        account=account,
        email=email,
        full_name=full_name.strip(),
        title=title.strip(),
        tier=tier,
        timezone=timezone_name,
        languages=[code.strip().lower() for code in languages if code.strip()],
        expertise=[skill.strip() for skill in expertise if skill.strip()],
    )
    try:
        champion.full_clean(exclude=["user", "buddy", "invited_by", "successor"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(" ".join(messages), field=field) from None
    champion.save()
    champion.product_areas.set(list(product_areas))
    crm_mark_dirty(champion_ids=[champion.pk])
    return champion


@dataclass(frozen=True)
class IssuedInvitation:
    """A sent invitation and its token; the token exists nowhere else after this."""

    invitation: Invitation
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_send(
    *,
    champion: Champion,
    invited_by_user: User | None = None,
    invited_by_champion: Champion | None = None,
    message: str = "",
) -> IssuedInvitation:
    """Send (or send again) the invitation of a champion who has not joined yet.

    Earlier open invitations are withdrawn, so only the newest link works.
    """
    if champion.state != ChampionState.INVITED:
        raise DomainError(
            f"{champion.full_name} has already joined (they are "
            f"{champion.get_state_display().lower()}); there is nothing to invite them to.",
            field="email",
            code="already_joined",
        )
    if invited_by_user is None and invited_by_champion is None:
        raise DomainError("An invitation needs someone who sends it.", field="invited_by")
    if invited_by_champion is not None and invited_by_champion.state not in INVITING_STATES:
        raise DomainError(
            f"{invited_by_champion.full_name} is "
            f"{invited_by_champion.get_state_display().lower()} and cannot invite peers.",
            field="invited_by",
        )
    now = timezone.now()
    Invitation.objects.filter(
        champion=champion, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        champion=champion,
        email=champion.email,
        invited_by_user=invited_by_user,
        invited_by_champion=invited_by_champion,
        message=message,
        token_hash=hash_token(token),
        sent_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    if invited_by_champion is not None:
        activity_record(
            kind=ActivityKind.INVITED_PEER,
            source=ActivitySource.PORTAL,
            champion=invited_by_champion,
            occurred_at=now,
            subject=invitation,
        )
    from champions.tasks import send_invitation_email

    transaction.on_commit(
        lambda: send_invitation_email.delay(invitation_id=invitation.pk, token=token)
    )
    return IssuedInvitation(invitation=invitation, token=token)


@transaction.atomic
def champion_invite(
    *,
    account: Account,
    email: str,
    full_name: str,
    invited_by_user: User | None = None,
    invited_by_champion: Champion | None = None,
    title: str = "",
    tier: str = ChampionTier.COMMUNITY,
    message: str = "",
) -> IssuedInvitation:
    """Invite a new champion: by the program team, or by a champion (a peer invitation)."""
    champion = champion_create(
        account=account, email=email, full_name=full_name, title=title, tier=tier
    )
    return invitation_send(
        champion=champion,
        invited_by_user=invited_by_user,
        invited_by_champion=invited_by_champion,
        message=message,
    )


def invitation_for_token(token: str) -> Invitation:
    """The usable invitation behind a link, or a DomainError saying why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("champion", "invited_by_champion", "invited_by_user")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise DomainError(
            "This invitation link is not valid. Check that you copied all of it.",
            field="token",
            code="invalid_invitation",
        )
    if invitation.accepted_at is not None:
        raise DomainError(
            f"This invitation was already used on {invitation.accepted_at:%d %b %Y}. "
            "Sign in instead.",
            field="token",
            code="used_invitation",
        )
    if invitation.revoked_at is not None:
        raise DomainError(
            "This invitation was replaced by a newer one; use the link in the latest email.",
            field="token",
            code="revoked_invitation",
        )
    if invitation.expires_at <= timezone.now():
        raise DomainError(
            f"This invitation expired on {invitation.expires_at:%d %b %Y}. "
            "Ask the person who invited you for a new one.",
            field="token",
            code="expired_invitation",
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, password: str | None = None, full_name: str | None = None
) -> Champion:
    """The invitee joins: a user for them, the champion moves to onboarding."""
    invitation = invitation_for_token(token)
    # Lock the row so two clicks on the same link cannot both accept it.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise DomainError("This invitation was already used.", field="token")
    champion = invitation.champion
    now = timezone.now()
    user = User.objects.filter(email__iexact=champion.email).first()
    if user is None:
        user = User.objects.create_user(
            champion.email, password=password, full_name=full_name or champion.full_name
        )
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    champion.user = user
    champion.joined_at = now
    champion.invited_by = invitation.invited_by_champion
    if full_name:
        champion.full_name = full_name.strip()
    champion.save(update_fields=["user", "joined_at", "invited_by", "full_name", "updated_at"])
    _transition(champion, ChampionState.ONBOARDING, at=now)
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    activity_record(
        kind=ActivityKind.ACCEPTED_INVITATION,
        source=ActivitySource.PORTAL,
        champion=champion,
        occurred_at=now,
        subject=invitation,
    )
    return champion


# --- guilds -------------------------------------------------------------------------------


@transaction.atomic
def guild_join(*, guild: Guild, champion: Champion) -> Membership:
    """A champion joins a public guild, or asks to join a private one."""
    existing = Membership.objects.filter(guild=guild, champion=champion).first()
    if existing is not None:
        return existing
    if guild.visibility == GuildVisibility.HIDDEN:
        raise DomainError(f"{guild.name} is open by invitation only.", field="guild")
    if champion.state in (ChampionState.INVITED, ChampionState.ALUMNI):
        raise DomainError(f"{champion.full_name} cannot join guilds now.", field="champion")
    status = (
        MembershipStatus.ACTIVE
        if guild.visibility == GuildVisibility.PUBLIC
        else MembershipStatus.REQUESTED
    )
    membership = Membership.objects.create(guild=guild, champion=champion, status=status)
    crm_mark_dirty(champion_ids=[champion.pk])
    return membership


@transaction.atomic
def membership_approve(*, membership: Membership) -> Membership:
    if membership.status == MembershipStatus.ACTIVE:
        return membership
    membership.status = MembershipStatus.ACTIVE
    membership.joined_at = timezone.now()
    membership.save(update_fields=["status", "joined_at"])
    crm_mark_dirty(champion_ids=[membership.champion_id])
    return membership


@transaction.atomic
def guild_set_role(
    *, guild: Guild, champion: Champion, role: str, source: str = ActivitySource.ADMIN
) -> Membership:
    """Make a champion member, deputy or lead of a guild (adding them if needed).

    Becoming lead or deputy is a leader activity.
    """
    if role not in MembershipRole.values:
        raise DomainError(f"“{role}” is not a guild role.", field="role")
    if champion.state in (ChampionState.INVITED, ChampionState.ALUMNI):
        raise DomainError(
            f"{champion.full_name} is {champion.get_state_display().lower()} and cannot "
            "hold a guild role.",
            field="champion",
        )
    membership, _ = Membership.objects.get_or_create(guild=guild, champion=champion)
    promoted = role != MembershipRole.MEMBER and membership.role == MembershipRole.MEMBER
    membership.role = role
    membership.status = MembershipStatus.ACTIVE
    membership.save(update_fields=["role", "status"])
    crm_mark_dirty(champion_ids=[champion.pk])
    if promoted:
        activity_record(
            kind=ActivityKind.LED_GUILD,
            source=source,
            champion=champion,
            guild=guild,
            subject=guild,
        )
    return membership


@transaction.atomic
def guild_leave(*, guild: Guild, champion: Champion) -> None:
    Membership.objects.filter(guild=guild, champion=champion).delete()
    crm_mark_dirty(champion_ids=[champion.pk])


# --- buddies ------------------------------------------------------------------------------


@transaction.atomic
def champion_assign_buddy(
    *, champion: Champion, buddy: Champion, source: str = ActivitySource.ADMIN
) -> Champion:
    """Pair a newcomer with an experienced champion who helps them to a first value moment."""
    if buddy.pk == champion.pk:
        raise DomainError("A champion cannot be their own buddy.", field="buddy")
    if buddy.state != ChampionState.ACTIVE:
        raise DomainError(
            f"{buddy.full_name} is {buddy.get_state_display().lower()}; "
            "a buddy must be an active champion.",
            field="buddy",
        )
    if champion.state in (ChampionState.ALUMNI,):
        raise DomainError(f"{champion.full_name} has left the program.", field="champion")
    now = timezone.now()
    champion.buddy = buddy
    champion.buddy_paired_at = now
    champion.save(update_fields=["buddy", "buddy_paired_at", "updated_at"])
    activity_record(
        kind=ActivityKind.MENTORED_AS_BUDDY,
        source=source,
        champion=buddy,
        occurred_at=now,
        subject=champion,
    )
    return champion


# --- consent ------------------------------------------------------------------------------


@transaction.atomic
def consent_text_publish(*, scope: str, version: str, body: str) -> ConsentText:
    if scope not in ConsentScope.values:
        raise DomainError(f"“{scope}” is not a consent scope.", field="scope")
    if ConsentText.objects.filter(scope=scope, version=version).exists():
        raise DomainError(f"Version {version} of this text exists already.", field="version")
    return ConsentText.objects.create(
        scope=scope,
        version=version,
        body=body,
        text_hash=hashlib.sha256(body.encode()).hexdigest(),
    )


def consent_text_current(*, scope: str) -> ConsentText:
    text = ConsentText.objects.filter(scope=scope).order_by("-published_at", "-id").first()
    if text is None:
        raise DomainError(
            f"No consent text for {ConsentScope(scope).label.lower()} has been published yet.",
            field="scope",
        )
    return text


def _consent_latest(champion: Champion, scope: str) -> ConsentRecord | None:
    return ConsentRecord.objects.filter(champion=champion, scope=scope).first()


@transaction.atomic
def consent_grant(
    *, champion: Champion, scope: str, method: str, actor: User | None, note: str = ""
) -> ConsentRecord:
    """Record consent to the current text of a scope; granting it again changes nothing."""
    if method not in ConsentMethod.values:
        raise DomainError(f"“{method}” is not a consent method.", field="method")
    text = consent_text_current(scope=scope)
    latest = _consent_latest(champion, scope)
    if latest is not None and latest.granted and latest.text_hash == text.text_hash:
        return latest
    crm_mark_dirty(champion_ids=[champion.pk])
    return ConsentRecord.objects.create(
        champion=champion,
        scope=scope,
        granted=True,
        text_version=text.version,
        text_hash=text.text_hash,
        method=method,
        actor=actor,
        note=note,
    )


ConsentWithdrawalHook = Callable[..., object]
CONSENT_WITHDRAWAL_HOOKS: list[ConsentWithdrawalHook] = []


def register_consent_withdrawal_hook(hook: ConsentWithdrawalHook) -> None:
    """Let another app react to a withdrawal inside its transaction (`hook(champion=, scope=)`).

    The champions core cannot import the apps built on it; they register here from their
    `AppConfig.ready()` (the reference program takes stories and requests out of reach).
    """
    if hook not in CONSENT_WITHDRAWAL_HOOKS:
        CONSENT_WITHDRAWAL_HOOKS.append(hook)


@transaction.atomic
def consent_withdraw(
    *, champion: Champion, scope: str, method: str, actor: User | None, note: str = ""
) -> ConsentRecord | None:
    """Withdraw a scope's consent at once; withdrawing what was not granted changes nothing."""
    if scope not in ConsentScope.values:
        raise DomainError(f"“{scope}” is not a consent scope.", field="scope")
    latest = _consent_latest(champion, scope)
    if latest is None or not latest.granted:
        return latest
    crm_mark_dirty(champion_ids=[champion.pk])
    withdrawal = ConsentRecord.objects.create(
        champion=champion,
        scope=scope,
        granted=False,
        text_version=latest.text_version,
        text_hash=latest.text_hash,
        method=method,
        actor=actor,
        note=note,
    )
    for hook in CONSENT_WITHDRAWAL_HOOKS:
        hook(champion=champion, scope=scope)
    return withdrawal


# --- accounts -----------------------------------------------------------------------------


@transaction.atomic
def account_create(
    *,
    name: str,
    industry: str,
    region: str,
    size_band: str,
    domain: str = "",
    plan: str = Plan.PROFESSIONAL,
    arr: Decimal = Decimal(0),
    crm_id: str = "",
) -> Account:
    """Add a customer company; a domain or CRM id it is given belongs to no other account."""
    name, domain, crm_id = name.strip(), domain.strip().lower(), crm_id.strip()
    if not name:
        raise DomainError("An account needs a name.", field="name")
    for field, value, choices in (
        ("industry", industry, Industry),
        ("region", region, Region),
        ("size_band", size_band, SizeBand),
        ("plan", plan, Plan),
    ):
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise DomainError(f"“{value}” is not one of {allowed}.", field=field)
    if arr < 0:
        raise DomainError("ARR cannot be negative.", field="arr")
    if domain and (owner := Account.objects.filter(domain__iexact=domain).first()):
        raise DomainError(
            f"{domain} is already the domain of {owner.name}.", field="domain", code="duplicate"
        )
    if crm_id and (owner := Account.objects.filter(crm_id=crm_id).first()):
        raise DomainError(
            f"CRM id {crm_id} already belongs to {owner.name}.", field="crm_id", code="duplicate"
        )
    account = Account(
        name=name,
        domain=domain,
        industry=industry,
        region=region,
        size_band=size_band,
        plan=plan,
        arr=arr,
        crm_id=crm_id,
    )
    try:
        account.full_clean(validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(" ".join(messages), field=field) from None
    account.save()
    crm_mark_dirty(account_ids=[account.pk])
    return account


# --- the member portal --------------------------------------------------------------------

PROFILE_LIST_MAX_ITEMS = 15
PROFILE_ITEM_MAX_LENGTH = 80


def _clean_profile_list(values: Iterable[str], *, field: str, label: str) -> list[str]:
    items: list[str] = []
    for raw in values:
        item = " ".join(raw.split())
        if not item or item.lower() in (seen.lower() for seen in items):
            continue
        if len(item) > PROFILE_ITEM_MAX_LENGTH:
            raise DomainError(
                f"“{item[:30]}…” is too long: keep each {label} under "
                f"{PROFILE_ITEM_MAX_LENGTH} characters.",
                field=field,
            )
        items.append(item)
    if len(items) > PROFILE_LIST_MAX_ITEMS:
        raise DomainError(
            f"Up to {PROFILE_LIST_MAX_ITEMS} {label}s, please: pick the ones that matter most.",
            field=field,
        )
    return items


@transaction.atomic
def champion_update_profile(
    *,
    champion: Champion,
    title: str,
    expertise: Iterable[str],
    interests: Iterable[str],
    product_areas: Iterable[ProductArea],
    timezone_name: str,
    languages: Iterable[str],
) -> Champion:
    """A champion describes themselves, so peers, buddies and matching can find them.

    Only profile fields change; account, state, tier and CRM id are the program's to set.
    """
    if champion.state in (ChampionState.INVITED, ChampionState.ALUMNI) or champion.erased_at:
        raise DomainError(f"{champion.full_name} cannot edit a profile now.", field="champion")
    title = " ".join(title.split())
    if len(title) > 200:
        raise DomainError("Keep the job title under 200 characters.", field="title")
    if timezone_name not in known_timezones():
        raise DomainError(
            f"“{timezone_name}” is not a known time zone (for example Europe/Berlin).",
            field="timezone",
        )
    codes = [code.strip().lower() for code in languages if code.strip()]
    for code in codes:
        if not (len(code) == 2 and code.isascii() and code.isalpha()):
            raise DomainError(
                f"“{code}” is not a two-letter language code such as en or de.", field="languages"
            )
    champion.title = title
    champion.expertise = _clean_profile_list(expertise, field="expertise", label="skill")
    champion.interests = _clean_profile_list(interests, field="interests", label="interest")
    champion.timezone = timezone_name
    champion.languages = list(dict.fromkeys(codes))
    champion.save(
        update_fields=["title", "expertise", "interests", "timezone", "languages", "updated_at"]
    )
    champion.product_areas.set(list(product_areas))
    crm_mark_dirty(champion_ids=[champion.pk])
    return champion


@transaction.atomic
def notification_preference_set(
    *, user: User, kind: str, enabled: bool, digest_frequency: str = DigestFrequency.OFF
) -> NotificationPreference:
    """Store how the user wants one kind of notification (see `selectors.notification_allowed`)."""
    if kind not in NotificationKind.values:
        raise DomainError(f"“{kind}” is not a notification kind.", field="kind")
    if kind in NOTIFICATIONS_ALWAYS_SENT:
        raise DomainError(
            f"{NotificationKind(kind).label} are always sent: they answer something you did.",
            field="kind",
        )
    if digest_frequency not in DigestFrequency.values:
        raise DomainError(f"“{digest_frequency}” is not a digest frequency.", field="kind")
    if kind in NOTIFICATIONS_NEVER_IN_DIGEST:
        digest_frequency = DigestFrequency.OFF
    if kind == NotificationKind.DIGEST:
        enabled = digest_frequency != DigestFrequency.OFF
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"enabled": enabled, "digest_frequency": digest_frequency}
    )
    return preference


def buddy_request(*, champion: Champion, suggestion: Champion | None = None) -> None:
    """A newcomer without a buddy asks the program team for one, perhaps naming a match.

    The team pairs them in the admin (`champion_assign_buddy`); the suggested champion is not
    contacted, so nobody is paired without being asked.
    """
    buddy = champion.buddy if champion.buddy_id else None
    if buddy is not None and buddy.state != ChampionState.ALUMNI:
        raise DomainError("You already have a buddy.", field="buddy")
    if champion.state not in INVITING_STATES:
        raise DomainError(f"{champion.full_name} cannot ask for a buddy now.", field="champion")
    from champions.tasks import send_buddy_request_email

    suggestion_id = suggestion.pk if suggestion is not None else None
    transaction.on_commit(
        lambda: send_buddy_request_email.delay(champion_id=champion.pk, suggestion_id=suggestion_id)
    )
