"""Reads of the champions core that more than one door needs."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from champions.models import (
    NOTIFICATIONS_ALWAYS_SENT,
    NOTIFICATIONS_NEVER_IN_DIGEST,
    Account,
    Champion,
    ChampionState,
    ConsentRecord,
    ConsentScope,
    ConsentText,
    DigestFrequency,
    Guild,
    GuildVisibility,
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    NotificationKind,
    NotificationPreference,
    User,
)


def consents_current(*, champion: Champion, at: datetime | None = None) -> dict[str, bool]:
    """Whether each scope's consent is granted at `at` (now by default): its latest record."""
    at = at or timezone.now()
    state = dict.fromkeys(ConsentScope.values, False)
    seen: set[str] = set()
    records = ConsentRecord.objects.filter(champion=champion, recorded_at__lte=at)
    for record in records.order_by("-recorded_at", "-id").only("scope", "granted"):
        if record.scope not in seen:
            seen.add(record.scope)
            state[record.scope] = record.granted
    return state


def consent_history(*, champion: Champion) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(champion=champion).select_related("actor")


def referral_chain(*, champion: Champion) -> list[Champion]:
    """Who invited whom, from the first inviter down to this champion."""
    chain = [champion]
    seen = {champion.pk}
    current = champion
    while current.invited_by_id is not None and current.invited_by_id not in seen:
        current = Champion.objects.get(pk=current.invited_by_id)
        seen.add(current.pk)
        chain.append(current)
    return list(reversed(chain))


# --- the member portal --------------------------------------------------------------------


def champion_live_for_user(*, user: Any) -> Champion | None:
    """The user's champion record in the program now: joined, not alumni, not erased."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return (
        Champion.objects.filter(user=user, erased_at__isnull=True)
        .exclude(state__in=(ChampionState.ALUMNI, ChampionState.INVITED))
        .select_related("account")
        .first()
    )


def guilds_visible_to(*, champion: Champion) -> QuerySet[Guild]:
    """Public and private guilds, and hidden ones only for their members; with member counts."""
    mine = Membership.objects.filter(guild=OuterRef("pk"), champion=champion)
    return (
        Guild.objects.filter(~Q(visibility=GuildVisibility.HIDDEN) | Exists(mine))
        .annotate(
            member_count=Count(
                "memberships",
                filter=Q(memberships__status=MembershipStatus.ACTIVE)
                & Q(memberships__champion__erased_at__isnull=True),
            )
        )
        .order_by("name")
    )


def guild_members(*, guild: Guild) -> list[Membership]:
    """Active members of a guild who are in the program, leads first, for the portal.

    The portal shows only name, title and role of other champions: callers must not read more.
    """
    rank = Case(
        When(role=MembershipRole.LEAD, then=Value(0)),
        When(role=MembershipRole.DEPUTY, then=Value(1)),
        default=Value(2),
    )
    return list(
        Membership.objects.filter(
            guild=guild, status=MembershipStatus.ACTIVE, champion__erased_at__isnull=True
        )
        .exclude(champion__state__in=(ChampionState.ALUMNI, ChampionState.INVITED))
        .select_related("champion")
        .only("role", "champion__full_name", "champion__title", "champion__state")
        .annotate(rank=rank)
        .order_by("rank", "champion__full_name")
    )


def _utc_offset_hours(name: str, at: datetime) -> float:
    try:
        offset = at.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0.0
    return offset.total_seconds() / 3600 if offset is not None else 0.0


BUDDY_MAX_NEWCOMERS = 3


def buddy_suggestions(*, champion: Champion, limit: int = 3) -> list[Champion]:
    """Active champions who would make good buddies, best match first.

    A shared guild counts most (they face the same challenge), then the same industry, then a
    time zone at most three hours apart (they can meet in working hours). Champions who
    already look after `BUDDY_MAX_NEWCOMERS` newcomers are left out, so no one is overloaded.
    """
    my_guilds = Membership.objects.filter(champion=champion, status=MembershipStatus.ACTIVE).values(
        "guild_id"
    )
    newcomers = Champion.objects.filter(
        buddy=OuterRef("pk"), state__in=(ChampionState.INVITED, ChampionState.ONBOARDING)
    )
    candidates = (
        Champion.objects.filter(
            state=ChampionState.ACTIVE, erased_at__isnull=True, user__isnull=False
        )
        .exclude(pk=champion.pk)
        .annotate(
            shared_guilds=Count(
                "memberships",
                filter=Q(memberships__guild_id__in=my_guilds)
                & Q(memberships__status=MembershipStatus.ACTIVE),
                distinct=True,
            ),
            same_industry=Case(
                When(account__industry=champion.account.industry, then=Value(1)),
                default=Value(0),
            ),
            load=Count("buddy_of", filter=Q(buddy_of__in=newcomers.values("pk")), distinct=True),
        )
        .filter(load__lt=BUDDY_MAX_NEWCOMERS)
        .filter(Q(shared_guilds__gt=0) | Q(same_industry=1))
        .select_related("account")
        .order_by("-shared_guilds", "-same_industry", "full_name")[:50]
    )
    now = timezone.now()
    mine = _utc_offset_hours(champion.timezone, now)

    def score(candidate: Any) -> tuple[int, str]:
        near = abs(_utc_offset_hours(candidate.timezone, now) - mine) <= 3
        points = 3 * min(candidate.shared_guilds, 2) + 2 * candidate.same_industry + int(near)
        return (-points, candidate.full_name)

    ranked: list[Champion] = list(sorted(candidates, key=score))
    return ranked[:limit]


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    label: str
    done: bool
    required: bool = True
    url: str = ""  # where the champion does it, if not on the welcome page


@dataclass(frozen=True)
class OnboardingProgress:
    steps: list[OnboardingStep]
    first_value_at: datetime | None

    @property
    def ready_to_finish(self) -> bool:
        return all(step.done for step in self.steps if step.required)


def profile_complete(*, champion: Champion) -> bool:
    """Enough of a profile for peers and buddies to find the champion: a title and a skill."""
    return bool(champion.title.strip()) and bool(champion.expertise)


def onboarding_progress(
    *, champion: Champion, extra_steps: list[OnboardingStep] | None = None
) -> OnboardingProgress:
    """Where a newcomer stands: the core steps, then steps other apps add (code of conduct)."""
    in_a_guild = Membership.objects.filter(
        champion=champion, status=MembershipStatus.ACTIVE
    ).exists()
    steps = [
        OnboardingStep("profile", "Tell peers about yourself", profile_complete(champion=champion)),
        OnboardingStep("guild", "Join at least one guild", in_a_guild),
        *(extra_steps or []),
        OnboardingStep(
            "first_value",
            "Get your first answer, template or demo",
            champion.first_value_at is not None,
            required=False,
        ),
    ]
    return OnboardingProgress(steps=steps, first_value_at=champion.first_value_at)


def account_for_peer_invitation(*, inviter: Champion, email: str) -> Account:
    """The account a champion's peer invitation files the invitee under.

    Peers are usually colleagues, so the inviter's account by default. When the email's domain
    (or a parent domain, for team.acme.com) is the domain of another customer account, the
    invitee works there: file them at that account, so its metrics, its CRM company and its
    references count them. Addresses at free-mail or unknown domains stay with the inviter's
    account; the program team can move them later (`champion_move_account`).
    """
    domain = email.rpartition("@")[2].strip().lower()
    parts = domain.split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    if not candidates:
        return inviter.account
    matches = {
        account.domain.lower(): account
        for account in Account.objects.filter(domain__in=candidates).exclude(domain="")
    }
    for candidate in candidates:  # the most specific domain wins
        if candidate in matches:
            return matches[candidate]
    return inviter.account


def peer_invitations_sent(*, champion: Champion) -> QuerySet[Invitation]:
    """Invitations the champion sent to peers, newest first, with who they brought in."""
    return (
        Invitation.objects.filter(invited_by_champion=champion)
        .select_related("champion")
        .annotate(
            is_expired=ExpressionWrapper(
                Q(expires_at__lte=timezone.now()), output_field=BooleanField()
            )
        )
        .only(
            "sent_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "champion__full_name",
            "champion__state",
            "champion__erased_at",
        )
        .order_by("-sent_at")
    )


def peer_invitations_sent_today(*, champion: Champion) -> int:
    since = timezone.now() - timedelta(days=1)
    return Invitation.objects.filter(invited_by_champion=champion, sent_at__gte=since).count()


# --- notification preferences -------------------------------------------------------------

ALWAYS_SENT = NOTIFICATIONS_ALWAYS_SENT
NEVER_IN_DIGEST = NOTIFICATIONS_NEVER_IN_DIGEST
DEFAULT_DIGEST = DigestFrequency.WEEKLY


@dataclass(frozen=True)
class NotificationSetting:
    kind: str
    label: str
    enabled: bool
    digest_frequency: str
    always_sent: bool
    digestible: bool


def notification_settings(*, user: Any) -> list[NotificationSetting]:
    """Every notification kind with the user's choice or its default, in a fixed order."""
    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    result = []
    for kind in NotificationKind:
        pref = stored.get(kind.value)
        default_frequency = DEFAULT_DIGEST if kind == NotificationKind.DIGEST else "off"
        result.append(
            NotificationSetting(
                kind=kind.value,
                label=kind.label,
                enabled=True if kind in ALWAYS_SENT else (pref.enabled if pref else True),
                digest_frequency=(
                    "off"
                    if kind in NEVER_IN_DIGEST
                    else (pref.digest_frequency if pref else default_frequency)
                ),
                always_sent=kind in ALWAYS_SENT,
                digestible=kind not in NEVER_IN_DIGEST,
            )
        )
    return result


def notification_allowed(user: Any, kind: str) -> bool:
    """May an email of this kind go to the user now? Other apps ask before every email.

    False for inactive users, for kinds the user switched off and for kinds the user wants
    bundled into a digest (the digest job collects those). Invitations and sign-in codes are
    always sent. For `digest` it answers whether the user wants a digest at all.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"“{kind}” is not a notification kind.")
    if kind in ALWAYS_SENT:
        return True
    if user is None or not user.is_active:
        return False
    return _sent_now(kind, NotificationPreference.objects.filter(user=user, kind=kind).first())


def users_notified_now(*, user_ids: Iterable[int | None], kind: str) -> set[int]:
    """Of these users, those `notification_allowed` lets an email of this kind go to now,
    in two queries (for emails to many people at once)."""
    if kind not in NotificationKind.values:
        raise ValueError(f"“{kind}” is not a notification kind.")
    active = set(
        User.objects.filter(pk__in=[pk for pk in user_ids if pk], is_active=True).values_list(
            "pk", flat=True
        )
    )
    if kind in ALWAYS_SENT:
        return active
    stored = {
        pref.user_id: pref
        for pref in NotificationPreference.objects.filter(user_id__in=active, kind=kind)
    }
    return {pk for pk in active if _sent_now(kind, stored.get(pk))}


def _sent_now(kind: str, pref: NotificationPreference | None) -> bool:
    if pref is None:
        return True
    if not pref.enabled:
        return False
    if kind == NotificationKind.DIGEST:
        return pref.digest_frequency != DigestFrequency.OFF
    return kind in NEVER_IN_DIGEST or pref.digest_frequency == DigestFrequency.OFF


# --- the privacy centre -------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentScopeOverview:
    """One consent scope as the champion sees it: the current text, their state, the history."""

    scope: str
    label: str
    granted: bool
    current_text: ConsentText | None
    granted_version: str | None  # the text version the latest grant agreed to
    history: list[ConsentRecord]

    @property
    def needs_renewal(self) -> bool:
        """Granted, but a newer text has been published since."""
        return (
            self.granted
            and self.current_text is not None
            and self.history[0].text_hash != self.current_text.text_hash
        )


def consent_overview(*, champion: Champion) -> list[ConsentScopeOverview]:
    """Every scope with its current text and the champion's full history, in two queries."""
    texts: dict[str, ConsentText] = {}
    for text in ConsentText.objects.order_by("scope", "-published_at", "-id"):
        texts.setdefault(text.scope, text)
    records: dict[str, list[ConsentRecord]] = {}
    for record in ConsentRecord.objects.filter(champion=champion).order_by("-recorded_at", "-id"):
        records.setdefault(record.scope, []).append(record)
    overview = []
    for scope in ConsentScope:
        history = records.get(scope.value, [])
        latest = history[0] if history else None
        overview.append(
            ConsentScopeOverview(
                scope=scope.value,
                label=scope.label,
                granted=bool(latest and latest.granted),
                current_text=texts.get(scope.value),
                granted_version=latest.text_version if latest and latest.granted else None,
                history=history,
            )
        )
    return overview
