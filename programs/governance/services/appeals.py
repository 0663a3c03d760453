"""The member's one appeal, reviewed by someone other than the deciding moderator; and
mediation slots offered to the parties of a case."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import dateformat, timezone

from champions.errors import DomainError, NotFound
from champions.models import ActivitySource, Champion, User
from programs.governance.models import (
    ActionKind,
    Appeal,
    AppealOutcome,
    CaseStatus,
    Consequence,
    MediationSlot,
    ModerationCase,
)
from programs.governance.selectors import (
    available_moderators,
    is_away,
    may_moderate_case,
    program_leads,
)
from programs.governance.services.audit import queue_email, record_action


def _is_person(champion: Champion, other: Champion | None) -> bool:
    if other is None:
        return False
    return other.pk == champion.pk or (
        champion.user_id is not None and other.user_id == champion.user_id
    )


def _reviewer_for(case: ModerationCase, on: date) -> User | None:
    """The deputy if they did not decide and are present; else another available moderator
    of the guild; else a program lead who did not decide."""
    excluding = {pk for pk in (case.decided_by_id,) if pk is not None}
    if case.member is not None and case.member.user_id is not None:
        excluding.add(case.member.user_id)
    deputy = case.deputy
    if deputy is not None and deputy.pk not in excluding and not is_away(user=deputy, on=on):
        return deputy
    others = available_moderators(guild=case.guild, on=on, excluding=excluding)
    if others:
        return others[0]
    return program_leads().exclude(pk__in=excluding).first()


@transaction.atomic
def appeal_lodge(
    *, case: ModerationCase, champion: Champion, text: str, at: datetime | None = None
) -> Appeal:
    """The member appeals a decision with a consequence, once, within the appeal period.

    Restricted and removed members can appeal: appealing is not posting.
    """
    at = at or timezone.now()
    case = (
        ModerationCase.objects.select_for_update(of=("self",))
        .select_related("member", "deputy", "guild")
        .get(pk=case.pk)
    )
    if not _is_person(champion, case.member):
        raise NotFound("No decision about you with this number.")
    consequence = Consequence.objects.filter(case=case).first()
    if case.decided_at is None or consequence is None or consequence.lifted_at is not None:
        raise DomainError("There is no consequence in force to appeal.", field="case")
    if Appeal.objects.filter(case=case).exists():
        raise DomainError(
            "You have appealed this decision already; a decision can be appealed once.",
            field="case",
        )
    if case.appeal_until is None or at > case.appeal_until:
        raise DomainError("The time to appeal this decision has ended.", field="case")
    if not text.strip():
        raise DomainError("Tell us why you think the decision is wrong.", field="text")
    appeal = Appeal.objects.create(
        case=case,
        appellant=champion,
        text=text.strip(),
        lodged_at=at,
        reviewer=_reviewer_for(case, timezone.localdate(at)),
    )
    case.status = CaseStatus.APPEALED
    case.save(update_fields=["status"])
    record_action(
        kind=ActionKind.APPEAL_LODGED,
        actor=None,
        at=at,
        case=case,
        source=ActivitySource.PORTAL,
        detail={"reviewer": appeal.reviewer_id},
    )
    queue_email("appeal_lodged", appeal.pk)
    return appeal


@transaction.atomic
def appeal_decide(
    *, appeal: Appeal, by: User, outcome: str, note: str, at: datetime | None = None
) -> Appeal:
    """Uphold or overturn; overturning lifts the consequence (it stops restricting and no
    longer counts on the ladder). The deciding moderator never reviews their own decision."""
    at = at or timezone.now()
    appeal = Appeal.objects.select_for_update().select_related("case").get(pk=appeal.pk)
    case = appeal.case
    if appeal.outcome != AppealOutcome.PENDING:
        raise DomainError("This appeal is decided already.", field="outcome")
    if by.pk == case.decided_by_id:
        raise DomainError(
            "The moderator who decided cannot review the appeal against their own decision.",
            field="by",
        )
    if not may_moderate_case(user=by, case=case):
        raise DomainError(
            "Only the moderators of this case or the program lead can review.", field="by"
        )
    if outcome not in (AppealOutcome.UPHELD, AppealOutcome.OVERTURNED):
        raise DomainError("Uphold or overturn the decision.", field="outcome")
    if not note.strip():
        raise DomainError("Explain the outcome to the member.", field="note")
    appeal.outcome, appeal.outcome_note = outcome, note.strip()
    appeal.decided_at, appeal.decided_by = at, by
    appeal.save(update_fields=["outcome", "outcome_note", "decided_at", "decided_by"])
    if outcome == AppealOutcome.OVERTURNED:
        Consequence.objects.filter(case=case, lifted_at__isnull=True).update(
            lifted_at=at, lifted_reason=f"Appeal overturned: {note.strip()}"
        )
    case.status = CaseStatus.CLOSED if case.closed_at else CaseStatus.DECIDED
    case.save(update_fields=["status"])
    record_action(
        kind=ActionKind.APPEAL_DECIDED, actor=by, at=at, case=case, detail={"outcome": outcome}
    )
    queue_email("appeal_decided", appeal.pk)
    return appeal


def _parties(case: ModerationCase) -> list[Champion]:
    reporters = [r.reporter for r in case.reports.select_related("reporter") if r.reporter]
    return [c for c in (case.member, *reporters) if c is not None]


@transaction.atomic
def mediation_offer(
    *,
    case: ModerationCase,
    by: User,
    offered_to: Champion,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    at: datetime | None = None,
) -> MediationSlot:
    """Offer one party of the case (the member or a reporter) a time to talk."""
    at = at or timezone.now()
    case = ModerationCase.objects.select_for_update().get(pk=case.pk)
    if not may_moderate_case(user=by, case=case):
        raise DomainError("Only the moderators of this case can offer mediation.", field="by")
    if case.status == CaseStatus.CLOSED:
        raise DomainError("The case is closed.", field="case")
    if not any(_is_person(offered_to, party) for party in _parties(case)):
        raise DomainError("Mediation is offered to the people in the case.", field="offered_to")
    if starts_at <= at:
        raise DomainError("Offer a time in the future.", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("The slot ends before it starts.", field="ends_at")
    if not place.strip():
        raise DomainError("Give a meeting link or a room.", field="place")
    slot = MediationSlot.objects.create(
        case=case,
        offered_to=offered_to,
        offered_by=by,
        offered_at=at,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
    )
    record_action(
        kind=ActionKind.MEDIATION_OFFERED, actor=by, at=at, case=case, detail={"slot": slot.pk}
    )
    queue_email("mediation_offered", slot.pk)
    return slot


@transaction.atomic
def mediation_book(
    *, slot: MediationSlot, champion: Champion, at: datetime | None = None
) -> MediationSlot:
    at = at or timezone.now()
    slot = (
        MediationSlot.objects.select_for_update(of=("self",))
        .select_related("offered_to")
        .get(pk=slot.pk)
    )
    if not _is_person(champion, slot.offered_to):
        raise NotFound("No such mediation slot.")
    if slot.booked_at is not None:
        raise DomainError("You booked this slot already.", field="slot")
    if slot.starts_at <= at:
        when = dateformat.format(timezone.localtime(slot.starts_at), "j F Y, H:i")
        raise DomainError(f"This slot ({when}) has passed.", field="slot")
    slot.booked_at = at
    slot.save(update_fields=["booked_at"])
    queue_email("mediation_booked", slot.pk)
    return slot
