"""Health and governance (METRICS.md): moderation, reports, silent guilds, the heatmap."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.db.models import Exists, OuterRef, QuerySet

from champions.models import Activity, ActivityKind, ActivityLevel, Guild
from programs.governance.models import Report
from programs.governance.selectors import report_response_hours as governance_response_hours
from programs.governance.selectors import reports_over_sla
from programs.metrics.compute import MetricContext
from programs.metrics.compute.window import hour_counts
from programs.metrics.scope import Population
from programs.metrics.sql import ratio, week_hour_cell

SILENT_DAYS = 30
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Activities on a guild's own events, questions or templates (their guild is that guild);
# becoming its lead is not activity *on* the guild's content.
GUILD_CONTENT_KINDS = (
    ActivityKind.RSVP,
    ActivityKind.ATTENDED_EVENT,
    ActivityKind.PRESENTED_AT_DEMO,
    ActivityKind.HOSTED_CLINIC,
    ActivityKind.ASKED_QUESTION,
    ActivityKind.ANSWERED_QUESTION,
    ActivityKind.MODERATED,
    ActivityKind.SHARED_TEMPLATE,
    ActivityKind.REUSED_TEMPLATE,
)


def moderation_effort_per_interaction(ctx: MetricContext) -> float | None:
    """Moderator actions (whoever takes them) over the population's interactions, both
    from the window's counts by hour."""
    hours = hour_counts(ctx)
    return ratio(sum(row["actions"] for row in hours), sum(row["interactions"] for row in hours))


def _reports_in_scope(ctx: MetricContext, reports: QuerySet[Report]) -> QuerySet[Report]:
    """Reports of the guild (guild filter), or made by the population (other filters)."""
    scope = ctx.scope
    if scope.guild_ids:
        reports = reports.filter(guild_id__in=scope.guild_ids)
    if scope.account_id is not None or scope.industry is not None or scope.cohort:
        reports = reports.filter(ctx.population.actor("reporter_id"))
    return reports


def report_response_hours(ctx: MetricContext) -> float | None:
    """Governance's own selector (its `first_action_at` is the first action on the report
    or its case), over the reports of the scope; erased reporters' reports are left out."""
    return governance_response_hours(
        start=ctx.start, end=ctx.end, reports=_reports_in_scope(ctx, Report.objects.all())
    )


def open_reports_over_sla(ctx: MetricContext) -> int:
    """Governance's own selector: made before `to`, not closed at `to`, older than the SLA
    they were made under (48 h unless configured)."""
    return _reports_in_scope(ctx, reports_over_sla(at=ctx.end)).count()


def silent_guilds(ctx: MetricContext) -> list[int]:
    """A guild filter chooses which guilds are listed; whether a guild was heard depends on
    anyone's contributions on its content (members or not), so a guild reads the same on
    its own page as on the program's. Account and industry filters restrict whose
    contributions count."""
    since = ctx.end - timedelta(days=SILENT_DAYS)
    actors = Population(replace(ctx.scope, guild_ids=())) if ctx.scope.guild_ids else ctx.population
    heard = Activity.objects.filter(
        actors.actor("champion_id"),
        guild_id=OuterRef("pk"),
        kind__in=GUILD_CONTENT_KINDS,
        level__gt=ActivityLevel.OBSERVER,
        occurred_at__gte=since,
        occurred_at__lt=ctx.end,
    )
    guilds = Guild.objects.filter(created_at__lt=ctx.end)
    if ctx.scope.guild_ids:
        guilds = guilds.filter(pk__in=ctx.scope.guild_ids)
    return list(guilds.filter(~Exists(heard)).order_by("pk").values_list("pk", flat=True))


def activity_heatmap(ctx: MetricContext) -> dict[str, int]:
    """Contributions by hour of the week (UTC), at most 168 rows, named Monday first."""
    cells = {
        week_hour_cell(row["hour_of_week"]): row["contributions"]
        for row in hour_counts(ctx)
        if row["contributions"]
    }
    return {f"{WEEKDAYS[day - 1]} {hour:02d}": cells[day, hour] for day, hour in sorted(cells)}
