"""Help and knowledge (METRICS.md): answers, helpfulness, template reuse, solved chains."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from champions.models import ActivityKind
from programs.clinics.models import Answer, Question
from programs.library.models import Template
from programs.metrics.compute import MetricContext, answer_accepted, peer_answer
from programs.metrics.compute.window import in_window, window_answers
from programs.metrics.scope import SECONDS_PER_HOUR
from programs.metrics.sql import (
    EpochSeconds,
    PercentileMedian,
    compiled,
    median,
    ratio,
    run,
    summary,
    summary_select,
)

ANSWER_WITHIN = timedelta(hours=24)
REUSE_WITHIN = timedelta(days=90)
# A builds-on chain longer than this is a data error (the service only links earlier
# questions, so chains cannot loop); the walk stops there rather than running forever.
MAX_CHAIN = 10_000


def _questions(ctx: MetricContext) -> QuerySet[Question]:
    """Questions posted in the window by the population."""
    return Question.objects.filter(
        ctx.population.actor("asker_id"), posted_at__gte=ctx.start, posted_at__lt=ctx.end
    )


def _first_answers(ctx: MetricContext) -> dict[str, Any]:
    """Questions asked in the window; for those with a first answer (by another visible
    champion, before `to`): the median time to it and how many came within 24 hours.

    Set-based: the peer answers of the window's questions grouped by question (first =
    MIN(posted_at)), then aggregated; on PostgreSQL the median and the counts in one
    statement."""

    def compute() -> dict[str, Any]:
        firsts = (
            window_answers(ctx)
            .filter(
                ctx.population.actor("asker_id"),
                peer=True,
                posted_at__lt=ctx.end,
                asked_at__gte=ctx.start,
                asked_at__lt=ctx.end,
            )
            .values("question_id")
            .annotate(first=Min("posted_at"), asked=Min("asked_at"))
        )
        elapsed = EpochSeconds(F("first"), F("asked"))
        within = Q(first__lte=F("asked") + ANSWER_WITHIN)
        if connection.vendor == "postgresql":
            figures = firsts.aggregate(
                middle=PercentileMedian(elapsed), answered=Count("question_id", filter=within)
            )
        else:
            figures = firsts.aggregate(answered=Count("question_id", filter=within))
            figures["middle"] = median(firsts, elapsed)
        figures["asked"] = _questions(ctx).count()
        return figures

    return ctx.shared("first_answers", compute)


def time_to_first_answer_hours(ctx: MetricContext) -> float | None:
    middle = _first_answers(ctx)["middle"]
    return None if middle is None else float(middle) / SECONDS_PER_HOUR


def answered_within_24h_share(ctx: MetricContext) -> float | None:
    figures = _first_answers(ctx)
    return ratio(figures["answered"], figures["asked"])


def helpful_answer_share(ctx: MetricContext) -> float | None:
    """Every answer of the population posted in the window counts (self-answers too, for
    volume); only answers to someone else's question can be helpful."""
    counts = (
        window_answers(ctx)
        .filter(counted=True, posted_at__gte=ctx.start, posted_at__lt=ctx.end)
        .aggregate(
            answers=Count("pk"),
            helpful=Count("pk", filter=~Q(author_id=F("asker_id")) & Q(valued=True)),
        )
    )
    return ratio(counts["helpful"], counts["answers"])


def template_reuse_rate(ctx: MetricContext) -> float | None:
    """Reuses (downloads, forks) before `to` by a visible champion other than the author,
    no later than 90 days after publication, as one uncorrelated set of template ids."""
    published_before = Template.objects.filter(
        pk=OuterRef("subject_id"), published_at__gte=OuterRef("occurred_at") - REUSE_WITHIN
    ).exclude(author_id=OuterRef("champion_id"))
    # A template published in the window is reused in it (after publication, before `to`).
    reused = (
        in_window(ctx)
        .filter(
            Exists(published_before),
            ctx.population.visible("champion_id"),
            kind=ActivityKind.REUSED_TEMPLATE,
            subject_type="library.template",
        )
        .values("subject_id")
    )
    counts = (
        Template.objects.filter(published_at__gte=ctx.start, published_at__lt=ctx.end)
        .filter(ctx.population.actor("author_id"))
        .aggregate(published=Count("pk"), reused=Count("pk", filter=Q(pk__in=reused)))
    )
    return ratio(counts["reused"], counts["published"])


def _solved_before(ctx: MetricContext, question: OuterRef, **accepted: Any) -> Exists:
    """For a row with a question and its asker: an answer to it by another visible champion
    (not a staff answer), accepted by someone other than its author before `to`, with
    `accepted` bounds on its acceptance (looked up by the question's index)."""
    return Exists(
        Answer.objects.filter(
            peer_answer(ctx.population, OuterRef("asker_id")),
            answer_accepted(ctx.end),
            question_id=question,
            **accepted,
        )
    )


def solved_chain_length(ctx: MetricContext) -> dict[str, Any]:
    """A recursive walk up the builds-on links from each question first solved in the
    window, through questions that have an accepted answer (by another visible champion,
    before `to`); the chain's length is the number of questions walked, itself included.

    The questions first solved in the window: one of their peer answers was accepted in it
    (the window's answers hold those, whenever posted) and none before it. The few
    questions the walk reaches above them are looked up one by one by index."""
    population, start = ctx.population, ctx.start
    targets = (
        window_answers(ctx)
        .filter(population.actor("asker_id"), peer=True, accepted=True, accepted_at__gte=start)
        .exclude(_solved_before(ctx, OuterRef("question_id"), accepted_at__lt=start))
        .values("question_id")
        .annotate(link=Min("builds_on_id"))
    )
    # Whether the question the walk reached (`walk.parent`) was solved by a peer before `to`.
    solved = (
        Question.objects.filter(population.visible("asker_id"), pk=RawSQL("walk.parent", ()))
        .filter(_solved_before(ctx, OuterRef("pk")))
        .order_by()
        .values("pk")[:1]
    )
    targets_sql, targets_params = compiled(targets)
    solved_sql, solved_params = compiled(solved)
    # Each step looks up the reached question's link and whether it was solved in its
    # select list, as scalar subqueries (probes by index): as a join, a WHERE condition or
    # an EXISTS the planner would build the set of every solved question instead. A step
    # onto an unsolved question is kept with `solved` false and ends its chain; the length
    # is the last solved step (1, without a walk, for a question that builds on nothing).
    # The ORM's own SQL inside constant text; every value is a parameter.
    statement = (
        f"WITH RECURSIVE targets(id, parent) AS ({targets_sql}), "  # noqa: S608
        "walk(origin, parent, len, solved) AS (SELECT id, parent, 1, TRUE FROM targets "
        "WHERE parent IS NOT NULL UNION ALL SELECT walk.origin, "
        f"(SELECT q.builds_on_id FROM {Question._meta.db_table} q WHERE q.id = walk.parent), "
        f"walk.len + 1, ({solved_sql}) IS NOT NULL FROM walk WHERE walk.solved "
        f"AND walk.parent IS NOT NULL AND walk.len < {MAX_CHAIN}), "
        "lengths(v) AS (SELECT 1 FROM targets WHERE parent IS NULL UNION ALL "
        "SELECT MAX(len) FROM walk WHERE solved GROUP BY origin) " + summary_select("lengths")
    )
    return summary(run(statement, (*targets_params, *solved_params))[0])
