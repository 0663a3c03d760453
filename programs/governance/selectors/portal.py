"""What a champion sees of governance in the portal: their reports, decisions about them,
mediation slots offered to them, and the home panel's summary in one query.

Nothing here names a reporter: the member-facing reads select no reporter fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from champions.models import Champion
from programs.governance.models import (
    AnonymizedLesson,
    CaseStatus,
    Consequence,
    ConsequenceKind,
    HealthCheckResponse,
    HealthCheckRound,
    LessonAudience,
    MediationSlot,
    ModerationCase,
    Report,
)
from programs.governance.selectors.conduct import code_pending, restricting_q
from programs.governance.selectors.targets import TARGET_SELECT_RELATED


def _person(champion: Champion, field: str) -> Q:
    same = Q(**{field: champion})
    if champion.user_id is not None:
        same |= Q(**{f"{field}__user_id": champion.user_id})
    return same


def reports_made_by(*, champion: Champion) -> QuerySet[Report]:
    return (
        Report.objects.filter(_person(champion, "reporter"))
        .select_related("guild", *TARGET_SELECT_RELATED)
        .order_by("-made_at", "-pk")
    )


def decisions_about(*, champion: Champion) -> QuerySet[ModerationCase]:
    """Cases about the champion that have a decision, newest first (with consequence, appeal)."""
    return (
        ModerationCase.objects.filter(_person(champion, "member"), decided_at__isnull=False)
        .select_related("consequence", "appeal", "guild")
        .order_by("-decided_at", "-pk")
    )


def mediation_slots_for(
    *, champion: Champion, at: datetime | None = None
) -> QuerySet[MediationSlot]:
    """Slots offered to the champion that are still ahead (booked or not)."""
    return (
        MediationSlot.objects.filter(
            _person(champion, "offered_to"), ends_at__gt=at or timezone.now()
        )
        .select_related("case")
        .order_by("starts_at")
    )


def community_lessons() -> QuerySet[AnonymizedLesson]:
    return AnonymizedLesson.objects.filter(audience=LessonAudience.COMMUNITY).order_by(
        "-shared_at", "-pk"
    )


@dataclass(frozen=True)
class PortalSummary:
    code_pending: bool
    restricted: bool
    removed: bool
    restricted_until: datetime | None
    open_reports: int
    decision_to_read: bool  # a decision about them that can still be appealed
    mediation_offered: bool
    health_check_open: bool

    @property
    def anything(self) -> bool:
        return any(
            (
                self.code_pending,
                self.restricted,
                self.open_reports,
                self.decision_to_read,
                self.mediation_offered,
                self.health_check_open,
            )
        )


def portal_summary(*, champion: Champion, at: datetime | None = None) -> PortalSummary:
    """Everything the home panel needs, in one query."""
    at = at or timezone.now()
    me = OuterRef("pk")
    open_reports = (
        Report.objects.filter(reporter=me, closed_at__isnull=True)
        .order_by()
        .values("reporter")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    appealable = ModerationCase.objects.filter(
        member=me,
        status__in=(CaseStatus.DECIDED, CaseStatus.CLOSED),
        appeal_until__gt=at,
        consequence__isnull=False,
        consequence__lifted_at__isnull=True,
        appeal__isnull=True,
    )
    open_round = HealthCheckRound.objects.filter(opens_at__lte=at, closes_at__gt=at).exclude(
        Exists(HealthCheckResponse.objects.filter(round=OuterRef("pk"), champion=OuterRef(me)))
    )
    active = Consequence.objects.filter(restricting_q(at), member=me)
    row = (
        Champion.objects.filter(pk=champion.pk)
        .annotate(
            code_pending=Exists(code_pending(champion=champion, at=at)),
            restricted=Exists(active),
            removed=Exists(active.filter(kind=ConsequenceKind.REMOVAL)),
            restricted_until=Subquery(
                active.filter(kind=ConsequenceKind.RESTRICTION)
                .order_by("-ends_at")
                .values("ends_at")[:1]
            ),
            open_reports=Coalesce(Subquery(open_reports), Value(0), output_field=IntegerField()),
            decision_to_read=Exists(appealable),
            mediation_offered=Exists(
                MediationSlot.objects.filter(
                    offered_to=me, booked_at__isnull=True, starts_at__gt=at
                )
            ),
            health_check_open=Exists(open_round),
        )
        .values(
            "code_pending",
            "restricted",
            "removed",
            "restricted_until",
            "open_reports",
            "decision_to_read",
            "mediation_offered",
            "health_check_open",
        )
        .get()
    )
    return PortalSummary(**row)
