"""The moderation queue by SLA, and the governance figures of METRICS.md, computed exactly.

- `moderation_effort_per_interaction` counts moderator actions: `ModerationAction` rows with an
  actor, each mirrored by one `Activity` of kind `moderated` at the same moment.
- `report_response_hours`: `Report.first_action_at` is the first moderator action on the
  report or its case; `report_response_hours` below computes the median.
- `open_reports_over_sla`: `Report.due_at` is `made_at` + the SLA the report was made under.
Reports whose reporter erased their account (`reporter_masked_at`) are left out, as METRICS.md
removes an erased champion's facts from every metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, F, IntegerField, Min, Q, QuerySet, Value, When
from django.utils import timezone

from champions.models import User
from programs.governance.models import ModerationAction, ModerationCase, Report
from programs.governance.selectors.access import cases_visible_to, reports_visible_to
from programs.metrics.sql import EpochSeconds, median

DUE_SOON = timedelta(hours=12)
SECONDS_PER_HOUR = 3_600


def report_queue(*, user: User) -> QuerySet[Report]:
    """Open reports first, the most urgent (earliest due) first; then closed ones, newest first."""
    return (
        reports_visible_to(user=user)
        .select_related("reporter", "guild", "case", "subject_member")
        .annotate(
            closed_rank=Case(
                When(closed_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("closed_rank", "due_at", "pk")
    )


def case_queue(*, user: User) -> QuerySet[ModerationCase]:
    return (
        cases_visible_to(user=user)
        .select_related("guild", "member", "moderator", "deputy")
        .annotate(
            oldest_due=Min("reports__due_at"),
            closed_rank=Case(
                When(closed_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("closed_rank", "oldest_due", "pk")
    )


@dataclass(frozen=True)
class SlaState:
    state: str  # "closed", "overdue", "due_soon", "on_time"
    label: str


def report_sla(*, report: Report, at: datetime | None = None) -> SlaState:
    at = at or timezone.now()
    if report.closed_at is not None:
        met = report.closed_at <= report.due_at
        return SlaState("closed", "closed within SLA" if met else "closed after SLA")
    if report.due_at < at:
        hours = (at - report.due_at).total_seconds() / 3600
        return SlaState("overdue", f"overdue by {hours:.0f} h")
    if report.due_at - at <= DUE_SOON:
        hours = (report.due_at - at).total_seconds() / 3600
        return SlaState("due_soon", f"due in {hours:.0f} h")
    return SlaState("on_time", f"due {timezone.localtime(report.due_at):%d %b %H:%M}")


def _counted_reports() -> QuerySet[Report]:
    return Report.objects.filter(reporter_masked_at__isnull=True)


def reports_over_sla(*, at: datetime) -> QuerySet[Report]:
    """Made before `at`, not closed at `at`, and more than their SLA old at `at`."""
    not_closed = Q(closed_at__isnull=True) | Q(closed_at__gte=at)
    return _counted_reports().filter(not_closed, made_at__lt=at, due_at__lt=at)


def open_reports_over_sla(*, at: datetime) -> int:
    return reports_over_sla(at=at).count()


def report_response_hours(
    *, start: datetime, end: datetime, reports: QuerySet[Report] | None = None
) -> float | None:
    """Median hours from a report to its first moderator action, over reports made in
    `[start, end)` whose first action came before `end` (of `reports`, by default all);
    None without any. One aggregate in the database (`programs.metrics.sql.median`)."""
    responded = (Report.objects.all() if reports is None else reports).filter(
        reporter_masked_at__isnull=True,
        made_at__gte=start,
        made_at__lt=end,
        first_action_at__lt=end,
    )
    seconds = median(responded, EpochSeconds(F("first_action_at"), F("made_at")))
    return None if seconds is None else seconds / SECONDS_PER_HOUR


def moderator_actions(*, start: datetime, end: datetime) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(actor__isnull=False, at__gte=start, at__lt=end)
