"""The moderation audit log: every moderator action, and the `moderated` activity it counts as."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from champions.models import ActivityKind, ActivitySource, Guild, User
from champions.selectors import champion_live_for_user
from champions.services import activity_record
from programs.governance.models import ModerationAction, ModerationCase, Report


def record_action(
    *,
    kind: str,
    actor: User | None,
    at: datetime,
    case: ModerationCase | None = None,
    report: Report | None = None,
    guild: Guild | None = None,
    note: str = "",
    detail: dict[str, Any] | None = None,
    source: str = ActivitySource.ADMIN,
) -> ModerationAction:
    """Append an action. With an actor it is a moderator action: it writes one `moderated`
    activity (actor = the moderator's user; champion = their live champion record, if any)
    and is the first response to any of its reports still waiting for one."""
    if guild is None:
        guild = case.guild if case is not None else report.guild if report is not None else None
    action = ModerationAction.objects.create(
        kind=kind,
        actor=actor,
        at=at,
        case=case,
        report=report,
        guild=guild,
        note=note,
        detail=detail or {},
    )
    if actor is None:
        return action
    activity_record(
        kind=ActivityKind.MODERATED,
        source=source,
        champion=champion_live_for_user(user=actor),
        actor=actor,
        occurred_at=at,
        guild=guild,
        subject=action,
        idempotency_key=f"governance:action:{action.pk}",
        metadata={"action": kind},
    )
    _mark_first_response(action)
    return action


def _mark_first_response(action: ModerationAction) -> None:
    scopes = []
    if action.report_id is not None:
        scopes.append(Q(pk=action.report_id))
    if action.case_id is not None:
        scopes.append(Q(case_id=action.case_id))
    if not scopes:
        return
    scope = scopes[0] if len(scopes) == 1 else scopes[0] | scopes[1]
    Report.objects.filter(scope, first_action_at__isnull=True, made_at__lte=action.at).update(
        first_action_at=action.at
    )


def queue_email(kind: str, object_id: int) -> None:
    """Send a governance email after the transaction commits (`tasks.send_governance_email`)."""
    from programs.governance.tasks import send_governance_email

    transaction.on_commit(lambda: send_governance_email.delay(kind=kind, object_id=object_id))
