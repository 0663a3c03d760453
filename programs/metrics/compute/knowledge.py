"""Help and knowledge (METRICS.md): answers, helpfulness, template reuse, solved chains."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery

from champions.models import Activity, ActivityKind
from programs.clinics.models import Answer, Question
from programs.library.models import Template
from programs.metrics.compute import MetricContext, answer_accepted, answer_valued, peer_answer
from programs.metrics.scope import SECONDS_PER_HOUR, Population
from programs.metrics.sql import EpochSeconds, compiled, median, ratio, run, summary, summary_select

ANSWER_WITHIN = timedelta(hours=24)
REUSE_WITHIN = timedelta(days=90)
# A builds-on chain longer than this is a data error (the service only links earlier
# questions, so chains cannot loop); the walk stops there rather than running forever.
MAX_CHAIN = 10_000


def _peer_answers(population: Population, end: datetime) -> QuerySet[Answer]:
    """For a Question row (OuterRef): its answers before `end` by another visible champion."""
    return Answer.objects.filter(question_id=OuterRef("pk"), posted_at__lt=end).filter(
        peer_answer(population, OuterRef("asker_id"))
    )


def _questions(ctx: MetricContext) -> QuerySet[Question]:
    """Questions posted in the window by the population."""
    return Question.objects.filter(
        ctx.population.actor("asker_id"), posted_at__gte=ctx.start, posted_at__lt=ctx.end
    )


def time_to_first_answer_hours(ctx: MetricContext) -> float | None:
    first = Subquery(
        _peer_answers(ctx.population, ctx.end).order_by("posted_at").values("posted_at")[:1]
    )
    seconds = median(_questions(ctx), EpochSeconds(first, F("posted_at")))
    return None if seconds is None else seconds / SECONDS_PER_HOUR


def answered_within_24h_share(ctx: MetricContext) -> float | None:
    in_time = _peer_answers(ctx.population, ctx.end).filter(
        posted_at__lte=OuterRef("posted_at") + ANSWER_WITHIN
    )
    counts = _questions(ctx).aggregate(
        asked=Count("pk"), answered=Count("pk", filter=Q(Exists(in_time)))
    )
    return ratio(counts["answered"], counts["asked"])


def helpful_answer_share(ctx: MetricContext) -> float | None:
    """Every answer of the population posted in the window counts (self-answers too, for
    volume); only answers to someone else's question can be helpful."""
    counts = (
        Answer.objects.filter(posted_at__gte=ctx.start, posted_at__lt=ctx.end)
        .filter(ctx.population.actor("author_id"), is_staff_answer=False)
        .exclude(author_user__is_staff=True)
        .aggregate(
            answers=Count("pk"),
            helpful=Count(
                "pk", filter=~Q(author_id=F("question__asker_id")) & answer_valued(ctx.end)
            ),
        )
    )
    return ratio(counts["helpful"], counts["answers"])


def template_reuse_rate(ctx: MetricContext) -> float | None:
    reuse = Activity.objects.filter(
        ctx.population.visible("champion_id"),
        kind=ActivityKind.REUSED_TEMPLATE,
        subject_type="library.template",
        subject_id=OuterRef("pk"),
        occurred_at__lt=ctx.end,
        occurred_at__lte=OuterRef("published_at") + REUSE_WITHIN,
    ).exclude(champion_id=OuterRef("author_id"))
    counts = (
        Template.objects.filter(published_at__gte=ctx.start, published_at__lt=ctx.end)
        .filter(ctx.population.actor("author_id"))
        .aggregate(published=Count("pk"), reused=Count("pk", filter=Q(Exists(reuse))))
    )
    return ratio(counts["reused"], counts["published"])


def solved_chain_length(ctx: MetricContext) -> dict[str, Any]:
    """A recursive walk up the builds-on links from each question first solved in the
    window, through questions that have an accepted answer (by another visible champion,
    before `to`); the chain's length is the number of questions walked, itself included."""
    population = ctx.population
    solved = (
        Answer.objects.filter(population.visible("question__asker_id"))
        .filter(peer_answer(population, F("question__asker_id")))
        .filter(answer_accepted(ctx.end))
        .order_by()
        .values("question_id", "question__builds_on_id")
        .annotate(first_accepted=Min("accepted_at"))
    )
    targets = solved.filter(population.actor("question__asker_id")).filter(
        first_accepted__gte=ctx.start, first_accepted__lt=ctx.end
    )
    solved_sql, solved_params = compiled(solved)
    targets_sql, targets_params = compiled(targets)
    # The ORM's own SQL inside constant text; every value is a parameter.
    statement = (
        f"WITH RECURSIVE solved(id, parent, first_at) AS ({solved_sql}), "  # noqa: S608
        f"targets(id, parent, first_at) AS ({targets_sql}), "
        "walk(origin, parent, len) AS (SELECT id, parent, 1 FROM targets UNION ALL "
        "SELECT walk.origin, solved.parent, walk.len + 1 FROM walk "
        f"JOIN solved ON solved.id = walk.parent WHERE walk.len < {MAX_CHAIN}), "
        "lengths(v) AS (SELECT MAX(len) FROM walk GROUP BY origin) " + summary_select("lengths")
    )
    return summary(run(statement, (*solved_params, *targets_params))[0])
