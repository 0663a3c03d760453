"""Governance data in a champion's export, and what erasure does to it.

Export: the codes accepted, the reports the person made (their own words), decisions about
them (as they were told, never naming a reporter), their appeals, mediation slots offered to
them and their health-check answers.

Erasure: the reporter's identity is removed from their reports (`reporter` cleared,
`reporter_masked_at` set; the concern stays for the case), their appeal texts and
health-check comments are cleared. Decisions about them and the audit log stay, attached to the
masked champion record, so moderation history and the numbers stay intact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from champions.models import Champion, User
from programs.governance.models import (
    Appeal,
    CodeOfConductAcceptance,
    HealthCheckResponse,
    MediationSlot,
    ModerationCase,
    Report,
)
from programs.governance.selectors.targets import TARGET_SELECT_RELATED, target_label, target_of


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _reports(ids: list[int]) -> list[dict[str, Any]]:
    reports = Report.objects.filter(reporter_id__in=ids).select_related(*TARGET_SELECT_RELATED)
    return [
        {
            "id": r.pk,
            "category": r.category,
            "about": target_label(target_of(r), r.target_kind),
            "description": r.description,
            "made_at": _iso(r.made_at),
            "status": r.status,
            "closed_at": _iso(r.closed_at),
            "closing_note": r.closing_note,
        }
        for r in reports.order_by("made_at")
    ]


def _decisions(ids: list[int]) -> list[dict[str, Any]]:
    cases = (
        ModerationCase.objects.filter(member_id__in=ids, decided_at__isnull=False)
        .select_related("consequence", "appeal")
        .order_by("decided_at")
    )
    rows = []
    for case in cases:
        consequence = getattr(case, "consequence", None)
        appeal = getattr(case, "appeal", None)
        rows.append(
            {
                "case": case.pk,
                "category": case.category,
                "decided_at": _iso(case.decided_at),
                "message": case.member_message,
                "consequence": {
                    "kind": consequence.kind,
                    "starts_at": _iso(consequence.starts_at),
                    "ends_at": _iso(consequence.ends_at),
                    "reason": consequence.reason,
                    "lifted_at": _iso(consequence.lifted_at),
                }
                if consequence
                else None,
                "appeal": {
                    "text": appeal.text,
                    "lodged_at": _iso(appeal.lodged_at),
                    "outcome": appeal.outcome,
                    "outcome_note": appeal.outcome_note,
                }
                if appeal
                else None,
            }
        )
    return rows


def export_governance_data(champions: list[Champion]) -> dict[str, Any]:
    ids = [champion.pk for champion in champions]
    acceptances = CodeOfConductAcceptance.objects.filter(champion_id__in=ids).select_related("code")
    slots = MediationSlot.objects.filter(offered_to_id__in=ids).order_by("starts_at")
    answers = HealthCheckResponse.objects.filter(champion_id__in=ids).select_related(
        "round", "guild"
    )
    return {
        "code_of_conduct_accepted": [
            {"version": a.code.version, "accepted_at": _iso(a.accepted_at)}
            for a in acceptances.order_by("accepted_at")
        ],
        "reports_made": _reports(ids),
        "decisions_about_me": _decisions(ids),
        "mediation_slots": [
            {"starts_at": _iso(s.starts_at), "place": s.place, "booked_at": _iso(s.booked_at)}
            for s in slots
        ],
        "health_check_answers": [
            {
                "round": h.round.title,
                "guild": h.guild.name,
                "psychological_safety": h.psychological_safety,
                "belonging": h.belonging,
                "usefulness": h.usefulness,
                "comment": h.comment,
                "submitted_at": _iso(h.submitted_at),
            }
            for h in answers.order_by("submitted_at")
        ],
    }


def erase_governance_data(champion: Champion, actor: User | None) -> None:
    now = timezone.now()
    Report.objects.filter(reporter=champion).update(reporter=None, reporter_masked_at=now)
    Appeal.objects.filter(appellant=champion).update(text="")
    HealthCheckResponse.objects.filter(champion=champion).update(comment="")
