"""A champion's own data: download it all (GDPR Art. 15, 20), or have it erased (Art. 17).

Both cover every champion record of the person (a champion who changed company has an alumni
record at the old account), and both are open to the other apps through registries they fill
from `AppConfig.ready()`:

- `register_export_section(name, function)`: `function(champions) -> JSON-able` adds
  `sections[name]` to the download (references: the champion's quotes and stories;
  integrations: what was sent to the CRM). It receives all records of the person.
- `register_erasure_hook(function)`: `function(champion, actor)` runs inside the erasure's
  transaction, once per record, *before* anything is masked, so it still sees the email and
  CRM id (the CRM adapter queues its GDPR delete through its outbox; references unpublish the
  champion's stories). A hook that raises aborts the erasure and nothing is changed. Hooks must
  not call out over the network: they queue work with `transaction.on_commit`.

Erasure keeps the aggregates the metrics need (activity rows, consent records as proof, the
buddy and referral links) but masks everything that identifies the person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from champions import services
from champions.models import (
    Activity,
    Champion,
    ChampionState,
    ConsentMethod,
    ConsentRecord,
    Invitation,
    Membership,
    NotificationPreference,
    User,
)
from champions.selectors import consents_current

EXPORT_FORMAT = "champions-export/1"

ExportSection = Callable[[list[Champion]], Any]
ErasureHook = Callable[[Champion, User | None], None]

EXPORT_SECTIONS: dict[str, ExportSection] = {}
ERASURE_HOOKS: list[ErasureHook] = []


def register_export_section(name: str, section: ExportSection) -> None:
    EXPORT_SECTIONS[name] = section


def register_erasure_hook(hook: ErasureHook) -> None:
    if hook not in ERASURE_HOOKS:
        ERASURE_HOOKS.append(hook)


def _records_of(champion: Champion) -> list[Champion]:
    """All champion records of the person: the same user, or just this one without a user."""
    if champion.user_id is None:
        return [champion]
    records = list(
        Champion.objects.filter(Q(pk=champion.pk) | Q(user_id=champion.user_id))
        .select_related("account", "buddy", "invited_by")
        .prefetch_related("product_areas")
        .order_by("created_at", "pk")
    )
    return records


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(champion: Champion) -> dict[str, Any]:
    return {
        "id": champion.pk,
        "account": champion.account.name,
        "email": champion.email,
        "full_name": champion.full_name,
        "title": champion.title,
        "tier": champion.tier,
        "state": champion.state,
        "expertise": champion.expertise,
        "interests": champion.interests,
        "product_areas": [area.name for area in champion.product_areas.all()],
        "timezone": champion.timezone,
        "languages": champion.languages,
        "joined_at": _iso(champion.joined_at),
        "first_value_at": _iso(champion.first_value_at),
        "buddy": champion.buddy.full_name if champion.buddy else None,
        "invited_by": champion.invited_by.full_name if champion.invited_by else None,
        "current_consents": consents_current(champion=champion),
    }


def champion_export(*, champion: Champion) -> dict[str, Any]:
    """Everything the service holds about the person, as JSON-able data.

    Program-team-only notes are included (they are about the person). Other people appear by
    name only where the person's own data refers to them (buddy, inviter, invitees), never
    with their email.
    """
    records = _records_of(champion)
    user = champion.user
    ids = [record.pk for record in records]
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "user": (
            {
                "email": user.email,
                "full_name": user.full_name,
                "date_joined": _iso(user.date_joined),
                "last_login": _iso(user.last_login),
            }
            if user
            else None
        ),
        "profiles": [_profile(record) for record in records],
        "private_notes": {str(r.pk): r.private_notes for r in records if r.private_notes},
        "memberships": [
            {
                "champion_id": m.champion_id,
                "guild": m.guild.name,
                "role": m.role,
                "status": m.status,
                "joined_at": _iso(m.joined_at),
            }
            for m in Membership.objects.filter(champion_id__in=ids).select_related("guild")
        ],
        "consents": [
            {
                "champion_id": c.champion_id,
                "scope": c.scope,
                "granted": c.granted,
                "text_version": c.text_version,
                "text_hash": c.text_hash,
                "method": c.method,
                "recorded_by": "you" if user and c.actor_id == user.pk else "program team",
                "recorded_at": _iso(c.recorded_at),
                "note": c.note,
            }
            for c in ConsentRecord.objects.filter(champion_id__in=ids).order_by("recorded_at")
        ],
        "activity": [
            {
                "champion_id": a.champion_id,
                "kind": a.kind,
                "level": a.level,
                "occurred_at": _iso(a.occurred_at),
                "guild": a.guild.name if a.guild else None,
                "source": a.source,
                "subject_type": a.subject_type,
                "subject_id": a.subject_id,
                "metadata": a.metadata,
            }
            for a in Activity.objects.filter(champion_id__in=ids)
            .select_related("guild")
            .order_by("occurred_at", "pk")
        ],
        "invitations_received": [
            {
                "email": i.email,
                "sent_at": _iso(i.sent_at),
                "expires_at": _iso(i.expires_at),
                "accepted_at": _iso(i.accepted_at),
                "message": i.message,
            }
            for i in Invitation.objects.filter(champion_id__in=ids).order_by("sent_at")
        ],
        "invitations_sent": [
            {
                "invitee": i.champion.full_name,
                "sent_at": _iso(i.sent_at),
                "accepted_at": _iso(i.accepted_at),
                "message": i.message,
            }
            for i in Invitation.objects.filter(invited_by_champion_id__in=ids)
            .select_related("champion")
            .order_by("sent_at")
        ],
        "notification_preferences": [
            {"kind": p.kind, "enabled": p.enabled, "digest_frequency": p.digest_frequency}
            for p in NotificationPreference.objects.filter(user=user)
        ]
        if user
        else [],
        "sections": {name: section(records) for name, section in EXPORT_SECTIONS.items()},
    }
    return data


def _withdraw_all(champion: Champion, actor: User | None) -> None:
    for scope, granted in consents_current(champion=champion).items():
        if granted:
            services.consent_withdraw(
                champion=champion,
                scope=scope,
                method=ConsentMethod.PORTAL,
                actor=actor,
                note="Account erased.",
            )


def _mask_champion(champion: Champion, now: datetime) -> None:
    champion.full_name = f"Erased champion #{champion.pk}"
    champion.email = f"erased-{champion.pk}@invalid"
    champion.title = ""
    champion.expertise = []
    champion.interests = []
    champion.languages = []
    champion.timezone = "UTC"
    champion.private_notes = ""
    champion.erased_at = now
    fields = ["full_name", "email", "title", "expertise", "interests", "languages"]
    fields += ["timezone", "private_notes", "erased_at", "updated_at"]
    if champion.state not in (ChampionState.ALUMNI, ChampionState.INVITED):
        # Erasure ends the person's part in the program whatever their lifecycle state.
        champion.state = ChampionState.ALUMNI
        champion.state_changed_at = now
        fields += ["state", "state_changed_at"]
    champion.save(update_fields=fields)


def _erase_user(user: User) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=user):
        session.end()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.api_tokens.all().delete()
    NotificationPreference.objects.filter(user=user).delete()
    user.digest_deliveries.all().delete()
    user.email = f"erased-user-{user.pk}@invalid"
    user.full_name = ""
    user.is_active = False
    # A new unusable password also changes the session hash: every session still open ends.
    user.password = make_password(None)
    user.save(update_fields=["email", "full_name", "is_active", "password"])


@transaction.atomic
def champion_erase(*, champion: Champion, actor: User | None) -> None:
    """Erase the person behind `champion` (all their records): mask, deactivate, sign out.

    Consents granted are withdrawn first (the record of the withdrawal stays as proof, without
    its notes), then the erasure hooks run, then names, emails, profile, notes, invitation
    texts and activity metadata are masked or cleared, guild memberships end, the user is
    deactivated with a masked email and no password, MFA and API tokens are deleted and their
    sessions ended. Activity rows, consent records and referral and buddy links stay, so
    the program's aggregates do not change.
    """
    records = _records_of(champion)
    now = timezone.now()
    for record in records:
        if record.erased_at is None:
            _withdraw_all(record, actor)
    for record in records:
        for hook in ERASURE_HOOKS:
            hook(record, actor)
    ids = [record.pk for record in records]
    received = Invitation.objects.filter(champion_id__in=ids)
    received.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    received.update(email="erased@invalid", message="")
    Invitation.objects.filter(invited_by_champion_id__in=ids).update(message="")
    ConsentRecord.objects.filter(champion_id__in=ids).update(note="")  # bypasses the save guard
    Activity.objects.filter(champion_id__in=ids).update(metadata={})
    Membership.objects.filter(champion_id__in=ids).delete()
    for record in records:
        _mask_champion(record, now)
    users = {record.user for record in records if record.user is not None}
    for user in users:
        _erase_user(user)
