"""The one registry of program metrics: every key of METRICS.md, in its order.

Each metric has its key, a label, the one line the dashboard shows under it, the lever of a
playbook it belongs to, its unit and its compute function. The command, the API, the
snapshots, the dashboard and the experiments all read this registry; nothing else names a
metric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction

from champions.errors import DomainError
from programs.metrics import split
from programs.metrics.compute import MetricContext, depth, growth, health, knowledge, revenue
from programs.metrics.scope import MetricScope


class Unit:
    SHARE = "share"  # a fraction 0–1
    DAYS = "days"
    HOURS = "hours"
    RATE = "rate"  # per person, per month
    COUNT = "count"
    AMOUNT = "amount"  # money, in the portal's currency
    SUMMARY = "summary"  # {max, median, count}
    STRUCTURE = "structure"  # a shape of its own (levels, cohorts, cells, ids)


SCALAR_UNITS = frozenset({Unit.SHARE, Unit.DAYS, Unit.HOURS, Unit.RATE, Unit.COUNT, Unit.AMOUNT})


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    meaning: str
    lever: str
    unit: str
    compute: Callable[[MetricContext], Any]
    section: str
    higher_is_better: bool | None = True

    @property
    def scalar(self) -> bool:
        return self.unit in SCALAR_UNITS


GROWTH, DEPTH, HELP, HEALTH, REVENUE = (
    "Growth and activation",
    "Depth and retention",
    "Help and knowledge",
    "Health and governance",
    "References and revenue",
)
ONBOARDING = "onboarding playbook, buddy, good-first-contribution tasks"

METRICS: tuple[Metric, ...] = (
    Metric(
        "activation_rate",
        "Activation rate",
        "Share of newcomers who reached a first value moment within 30 days of joining.",
        ONBOARDING,
        Unit.SHARE,
        growth.activation_rate,
        GROWTH,
    ),
    Metric(
        "time_to_first_value_days",
        "Time to first value",
        "Median days from joining to the first value moment.",
        ONBOARDING,
        Unit.DAYS,
        growth.time_to_first_value_days,
        GROWTH,
        higher_is_better=False,
    ),
    Metric(
        "referral_velocity",
        "Referral velocity",
        "Peer invitations accepted per active champion per 30 days.",
        "invitation step of every loop",
        Unit.RATE,
        growth.referral_velocity,
        GROWTH,
    ),
    Metric(
        "invitation_acceptance_days",
        "Invitation acceptance time",
        "Median days from a peer invitation being sent to its acceptance.",
        "invitation copy, timing",
        Unit.DAYS,
        growth.invitation_acceptance_days,
        GROWTH,
        higher_is_better=False,
    ),
    Metric(
        "peer_invitations_per_person",
        "Peer invitations per person",
        "Peer invitations sent per active champion, whatever became of them.",
        "recognition of inviters",
        Unit.RATE,
        growth.peer_invitations_per_person,
        GROWTH,
    ),
    Metric(
        "referral_chain_depth",
        "Referral chains",
        "Length in people of invitation chains among this window's newcomers.",
        "network effects",
        Unit.SUMMARY,
        growth.referral_chain_depth,
        GROWTH,
    ),
    Metric(
        "contribution_depth",
        "Contribution depth",
        "How far champions active in the window went: observer to leader.",
        "rituals, clear small tasks",
        Unit.STRUCTURE,
        depth.contribution_depth,
        DEPTH,
    ),
    Metric(
        "retention_by_cohort",
        "Retention by cohort",
        "Share of each join-month cohort still contributing in each later month.",
        "every loop",
        Unit.STRUCTURE,
        depth.retention_by_cohort,
        DEPTH,
    ),
    Metric(
        "collaboration_density",
        "Collaboration density",
        "Share of possible pairs of active champions who helped each other directly.",
        "pairing, clinics",
        Unit.SHARE,
        depth.collaboration_density,
        DEPTH,
    ),
    Metric(
        "learning_transfer_rate",
        "Learning transfer",
        "Share of new templates and accepted answers reused outside their guild.",
        "cross-guild demos",
        Unit.SHARE,
        depth.learning_transfer_rate,
        DEPTH,
    ),
    Metric(
        "time_to_first_answer_hours",
        "Time to first answer",
        "Median hours until a question gets its first answer from a peer.",
        "clinic rota, notifications",
        Unit.HOURS,
        knowledge.time_to_first_answer_hours,
        HELP,
        higher_is_better=False,
    ),
    Metric(
        "answered_within_24h_share",
        "Answered within 24 h",
        "Share of questions a peer answered within 24 hours.",
        "clinic rota, notifications",
        Unit.SHARE,
        knowledge.answered_within_24h_share,
        HELP,
    ),
    Metric(
        "helpful_answer_share",
        "Helpful answers",
        "Share of answers accepted or marked helpful by someone else.",
        "moderation guide, recognition",
        Unit.SHARE,
        knowledge.helpful_answer_share,
        HELP,
    ),
    Metric(
        "template_reuse_rate",
        "Template reuse",
        "Share of new templates another champion reused within 90 days.",
        "template curation",
        Unit.SHARE,
        knowledge.template_reuse_rate,
        HELP,
    ),
    Metric(
        "solved_chain_length",
        "Solved-problem chains",
        "How many solved questions each newly solved one builds on, itself included.",
        "documenting patterns",
        Unit.SUMMARY,
        knowledge.solved_chain_length,
        HELP,
    ),
    Metric(
        "moderation_effort_per_interaction",
        "Moderation effort",
        "Moderator actions per interaction (questions, answers, RSVPs, templates).",
        "code of conduct clarity",
        Unit.RATE,
        health.moderation_effort_per_interaction,
        HEALTH,
        higher_is_better=False,
    ),
    Metric(
        "report_response_hours",
        "Report response time",
        "Median hours from a report to the first moderator action on it.",
        "escalation paths",
        Unit.HOURS,
        health.report_response_hours,
        HEALTH,
        higher_is_better=False,
    ),
    Metric(
        "open_reports_over_sla",
        "Reports over SLA",
        "Open reports older than their response SLA at the end of the window.",
        "deputies",
        Unit.COUNT,
        health.open_reports_over_sla,
        HEALTH,
        higher_is_better=False,
    ),
    Metric(
        "silent_guilds",
        "Silent guilds",
        "Guilds with no contribution on their own content in the last 30 days.",
        "guild leads",
        Unit.STRUCTURE,
        health.silent_guilds,
        HEALTH,
        higher_is_better=False,
    ),
    Metric(
        "activity_heatmap",
        "Activity heatmap",
        "Contributions by weekday and hour (UTC): when the community is there.",
        "ritual timing",
        Unit.STRUCTURE,
        health.activity_heatmap,
        HEALTH,
        higher_is_better=None,
    ),
    Metric(
        "reference_supply",
        "Reference supply",
        "Champions who consent to reference calls and are below their cap.",
        "recruitment of references",
        Unit.COUNT,
        revenue.reference_supply,
        REVENUE,
    ),
    Metric(
        "reference_fulfilment_rate",
        "Reference fulfilment",
        "Share of closed reference requests that were fulfilled.",
        "matching",
        Unit.SHARE,
        revenue.reference_fulfilment_rate,
        REVENUE,
    ),
    Metric(
        "reference_fulfilment_days",
        "Reference fulfilment time",
        "Median days from a reference request to its fulfilment.",
        "routing",
        Unit.DAYS,
        revenue.reference_fulfilment_days,
        REVENUE,
        higher_is_better=False,
    ),
    Metric(
        "deals_with_reference_share",
        "Deals with a reference",
        "Share of new deals that have a fulfilled reference.",
        "sales enablement",
        Unit.SHARE,
        revenue.deals_with_reference_share,
        REVENUE,
    ),
    Metric(
        "influenced_pipeline",
        "Influenced pipeline",
        "Amount of open deals that have a reference.",
        "attribution",
        Unit.AMOUNT,
        revenue.influenced_pipeline,
        REVENUE,
    ),
    Metric(
        "influenced_won_amount",
        "Influenced revenue won",
        "Amount of deals won in the window that had a reference.",
        "attribution",
        Unit.AMOUNT,
        revenue.influenced_won_amount,
        REVENUE,
    ),
    Metric(
        "win_rate_with_reference",
        "Win rate with a reference",
        "Share of deals closed in the window that were won, when they had a reference.",
        "proof of value",
        Unit.SHARE,
        revenue.win_rate_with_reference,
        REVENUE,
    ),
    Metric(
        "win_rate_without_reference",
        "Win rate without a reference",
        "Share of deals closed in the window that were won, without a reference.",
        "proof of value",
        Unit.SHARE,
        revenue.win_rate_without_reference,
        REVENUE,
        higher_is_better=None,
    ),
)

REGISTRY: dict[str, Metric] = {metric.key: metric for metric in METRICS}
KEYS: tuple[str, ...] = tuple(REGISTRY)
SCALAR_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS if m.scalar)


def metric(key: str) -> Metric:
    try:
        return REGISTRY[key]
    except KeyError:
        raise DomainError(
            f"“{key}” is not a metric key. Known keys: {', '.join(KEYS)}.", field="key"
        ) from None


def check_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """The keys, checked against the registry, in the registry's order."""
    wanted = list(dict.fromkeys(keys))
    for key in wanted:
        metric(key)
    return tuple(key for key in KEYS if key in wanted)


def compute(scope: MetricScope, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """Every metric (or the named ones) for the scope, in the registry's order: on two
    database connections at once where that is possible (`split`)."""
    chosen = KEYS if keys is None else check_keys(keys)
    context = MetricContext(scope)
    if split.possible(chosen):
        return split.compute(context, chosen, compute_in)
    return compute_in(context, chosen)


def compute_in(context: MetricContext, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """As `compute`, in a context other figures (the dashboard's charts) share."""
    chosen = KEYS if keys is None else check_keys(keys)
    with without_jit():
        try:
            values = {key: REGISTRY[key].compute(context) for key in chosen}
        except Exception:
            context.discard()  # a rolled-back transaction already removed what it created
            raise
        context.close()
        return values


WORK_MEM = "64MB"
TEMP_BUFFERS = "64MB"


def _temp_buffers(cursor: Any) -> None:
    """Room for the computation's temporary tables in memory (the answers alone outgrow the
    default 8MB, and are then read back through the kernel by every metric). PostgreSQL
    takes this only before the session's first temporary table (or the same value again),
    so a session that already used another size keeps it."""
    try:
        with transaction.atomic():
            cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except DatabaseError:
        pass


@contextmanager
def without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiles each of these statements for longer than it runs (the
    correlated subqueries make the cost estimates high): switch it off for this work only,
    in its own transaction (`SET LOCAL`), and give it the memory of an analytical job."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        # The hash tables of questions, answers and pairs, and the sort of the window's
        # activities by champion, stay in memory instead of spilling in batches to disk.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        _temp_buffers(cursor)
        yield
