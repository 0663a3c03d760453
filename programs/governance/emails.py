"""The governance emails: who gets which, built from one object id.

Member-facing emails never name the reporter: their templates get no reporter in their
context. Decisions and acknowledgements answer something the person did or must know, so they
are sent whatever the notification preferences say (like invitations and sign-in codes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from champions.models import Champion, User
from programs.governance import conf
from programs.governance.models import (
    Appeal,
    EscalationLevel,
    MediationSlot,
    ModerationCase,
    Report,
)
from programs.governance.selectors import guild_moderators, health_results, program_leads
from programs.governance.selectors.targets import TARGET_SELECT_RELATED, target_label, target_of

SUBJECTS = {
    "report_acknowledged": "We are looking at your report",
    "report_closed": "Your report is closed",
    "decision": "A moderation decision about you",
    "appeal_lodged": "An appeal to review (case #{case})",
    "appeal_decided": "The outcome of your appeal",
    "escalated": "Case #{case} escalated to you",
    "case_assigned": "Case #{case} is yours to moderate",
    "mediation_offered": "A time to talk, if you wish",
    "mediation_booked": "Mediation booked (case #{case})",
    "sla_breach": "Report #{report} is past its response time",
    "health_results": "Health check results: {flagged} guild(s) flagged",
}
MEMBER_FACING = frozenset(
    {"report_acknowledged", "report_closed", "decision", "appeal_decided", "mediation_offered"}
)
Built = tuple[list[str], dict[str, Any]]


def _url(name: str, *args: object) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def _champion_email(champion: Champion | None) -> list[str]:
    return [champion.email] if champion is not None and champion.erased_at is None else []


def _emails(users: Iterable[User | None]) -> list[str]:
    found: list[str] = []
    for user in users:
        if user is not None and user.is_active and user.email not in found:
            found.append(user.email)
    return found


def _report(report_id: int) -> Built:
    report = Report.objects.select_related("reporter", *TARGET_SELECT_RELATED).get(pk=report_id)
    label = target_label(target_of(report), report.target_kind)
    context = {"report": report, "target": label, "link": _url("portal:governance:index")}
    return _champion_email(report.reporter), context


def _decision(case_id: int) -> Built:
    case = ModerationCase.objects.select_related("member", "consequence").get(pk=case_id)
    consequence = getattr(case, "consequence", None)
    link = _url("portal:governance:decision", case.pk)
    context = {"case": case, "consequence": consequence, "link": link}
    return _champion_email(case.member), context


def _appeal(appeal_id: int) -> Appeal:
    return Appeal.objects.select_related("case__member", "reviewer").get(pk=appeal_id)


def _appeal_lodged(appeal_id: int) -> Built:
    appeal = _appeal(appeal_id)
    to = [appeal.reviewer] if appeal.reviewer else list(program_leads())
    link = _url("admin:governance_moderationcase_change", appeal.case_id)
    return _emails(to), {"appeal": appeal, "case": appeal.case, "link": link}


def _appeal_decided(appeal_id: int) -> Built:
    appeal = _appeal(appeal_id)
    link = _url("portal:governance:decision", appeal.case_id)
    return _champion_email(appeal.case.member), {"appeal": appeal, "link": link}


def _escalated(case_id: int) -> Built:
    case = ModerationCase.objects.select_related("guild").get(pk=case_id)
    context: dict[str, Any] = {"case": case, "contact": conf.escalation_contact()}
    context["link"] = _url("admin:governance_moderationcase_change", case.pk)
    context["leads"] = list(program_leads())
    if case.escalation_level == EscalationLevel.OUTSIDE:
        contact = conf.escalation_contact()
        return ([contact.email] if contact else []), context
    return _emails(context["leads"]), context


def _case_assigned(case_id: int) -> Built:
    case = ModerationCase.objects.select_related("moderator", "guild").get(pk=case_id)
    link = _url("admin:governance_moderationcase_change", case.pk)
    return _emails([case.moderator]), {"case": case, "link": link}


def _slot(slot_id: int) -> MediationSlot:
    return MediationSlot.objects.select_related("offered_to", "offered_by", "case").get(pk=slot_id)


def _mediation_offered(slot_id: int) -> Built:
    slot = _slot(slot_id)
    link = _url("portal:governance:index")
    return _champion_email(slot.offered_to), {"slot": slot, "link": link}


def _mediation_booked(slot_id: int) -> Built:
    slot = _slot(slot_id)
    link = _url("admin:governance_moderationcase_change", slot.case_id)
    return _emails([slot.offered_by]), {"slot": slot, "case": slot.case, "link": link}


def _sla_breach(report_id: int) -> Built:
    report = Report.objects.select_related("guild").get(pk=report_id)
    to = [*guild_moderators(guild=report.guild), *program_leads()]
    link = _url("admin:governance_report_change", report.pk)
    return _emails(to), {"report": report, "link": link}


def _health_results(round_id: int) -> Built:
    flagged = [g for g in health_results() if g.flagged and g.rounds[-1].round.pk == round_id]
    link = _url("admin:governance_healthcheckround_results")
    context = {"flagged": flagged, "link": link, "round_id": round_id}
    return (_emails(program_leads()) if flagged else []), context


BUILDERS: dict[str, Callable[[int], Built]] = {
    "report_acknowledged": _report,
    "report_closed": _report,
    "decision": _decision,
    "appeal_lodged": _appeal_lodged,
    "appeal_decided": _appeal_decided,
    "escalated": _escalated,
    "case_assigned": _case_assigned,
    "mediation_offered": _mediation_offered,
    "mediation_booked": _mediation_booked,
    "sla_breach": _sla_breach,
    "health_results": _health_results,
}


def build(kind: str, object_id: int) -> EmailMultiAlternatives | None:
    """The email of `kind` about the object, or None when nobody is to receive it."""
    to, context = BUILDERS[kind](object_id)
    if not to:
        return None
    context.setdefault("site_url", settings.SITE_URL)
    subject = SUBJECTS[kind].format(
        case=getattr(context.get("case"), "pk", ""),
        report=getattr(context.get("report"), "pk", ""),
        flagged=len(context.get("flagged", [])),
    )
    body = render_to_string(f"governance/email/{kind}.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if kind in MEMBER_FACING:
        html = render_to_string("governance/email/member.html", {"body": body, **context})
        message.attach_alternative(html, "text/html")
    return message
