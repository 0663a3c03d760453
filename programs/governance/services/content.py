"""Hiding content a case is about, and restoring it."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from champions.errors import DomainError
from champions.models import User
from programs.governance.models import (
    ActionKind,
    HiddenContent,
    ModerationCase,
    TargetKind,
)
from programs.governance.selectors import guild_of, kind_of, may_moderate_guild
from programs.governance.services.audit import record_action


@transaction.atomic
def content_hide(
    *,
    target: Model,
    by: User,
    reason: str,
    case: ModerationCase | None = None,
    at: datetime | None = None,
) -> HiddenContent:
    """Hide a question, answer, template or event from champions (the row stays)."""
    at = at or timezone.now()
    kind = kind_of(target)
    if kind == TargetKind.MEMBER:
        raise DomainError("A member is not content: decide a consequence instead.", field="target")
    guild = guild_of(target)
    if not may_moderate_guild(user=by, guild=guild):
        raise DomainError("Only the moderators of this guild can hide its content.", field="by")
    if not reason.strip():
        raise DomainError("Say why the content is hidden.", field="reason")
    try:
        with transaction.atomic():
            hidden = HiddenContent.objects.create(
                target_kind=kind,
                case=case,
                reason=reason.strip(),
                hidden_at=at,
                hidden_by=by,
                **{kind: target},
            )
    except IntegrityError as error:
        raise DomainError("This is hidden already.", field="target") from error
    record_action(
        kind=ActionKind.CONTENT_HIDDEN,
        actor=by,
        at=at,
        case=case,
        guild=guild,
        note=reason.strip(),
        detail={"kind": kind, "id": target.pk},
    )
    return hidden


@transaction.atomic
def content_restore(
    *, hidden: HiddenContent, by: User, reason: str, at: datetime | None = None
) -> HiddenContent:
    at = at or timezone.now()
    hidden = HiddenContent.objects.select_for_update().get(pk=hidden.pk)
    target = getattr(hidden, hidden.target_kind)
    guild = guild_of(target)
    if not may_moderate_guild(user=by, guild=guild):
        raise DomainError("Only the moderators of this guild can restore its content.", field="by")
    if hidden.restored_at is not None:
        raise DomainError("This is restored already.", field="hidden")
    if not reason.strip():
        raise DomainError("Say why the content is restored.", field="reason")
    hidden.restored_at, hidden.restored_by = at, by
    hidden.save(update_fields=["restored_at", "restored_by"])
    record_action(
        kind=ActionKind.CONTENT_RESTORED,
        actor=by,
        at=at,
        case=hidden.case,
        guild=guild,
        note=reason.strip(),
        detail={"kind": hidden.target_kind, "id": target.pk if target else None},
    )
    return hidden
