"""Benchmark: one beat run of playbook automation over 50,000 champions, against the naive loop.

Run it against a throwaway PostgreSQL database (it migrates it and fills it on first use):

    createdb -h 127.0.0.1 -U postgres champions_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/champions_bench DEBUG=1 \\
        .venv/bin/python bench/bench_playbook_automation.py [--champions 50000] [--sample 2000]

What it measures, at the fixed moment `bench.playbook_data.REFERENCE`:
1. naive: for a random sample of champions, one by one, evaluate each automated step's
   trigger with its own queries, check for an execution and insert one (rolled back), then
   extrapolated to the whole population;
2. the engine: `evaluate_active_playbooks` for all champions, with a dispatcher that only
   counts the queued chunks (no broker, no actions): wall time and query count;
3. the engine again a moment later, when nothing new matches (the steady 15-minute cost);
4. the workers' side, separately: performing a few chunks (emails to the locmem backend,
   follow-up tasks), per chunk.
The three playbooks of the brief (quarterly demo, peer clinic, onboarding) are (re)created
through the services before each run; their executions and tasks are removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Exists, OuterRef  # noqa: E402

from bench import playbook_data  # noqa: E402
from bench.machine import machine  # noqa: E402
from champions.models import Activity, ActivityKind, ActivityLevel, Champion, ChampionState  # noqa: E402
from programs.clinics.models import Answer, Question, QuestionStatus  # noqa: E402
from programs.playbooks import automation, services  # noqa: E402
from programs.playbooks.models import (  # noqa: E402
    FollowUpTask,
    Playbook,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStep,
    StepExecution,
    StepType,
)
from programs.playbooks.selectors import REACHABLE_STATES  # noqa: E402
from programs.playbooks.services import StepSpec  # noqa: E402

NOW = playbook_data.REFERENCE


def spec(text: str, trigger: str = "", action: str = "", **params: Any) -> StepSpec:
    step_type = StepType.ACTION if trigger else StepType.VALUE_MOMENT
    return StepSpec(step_type, text, trigger, action, params)


def email(subject: str) -> dict[str, str]:
    return {"subject": subject, "body": "Hi {{ champion.first_name }},\n\n{{ playbook.goal }}"}


PLAYBOOKS: list[dict[str, Any]] = [
    {
        "name": "Quarterly demo",
        "goal": "Champions show what they built; the audience reuses it within a quarter.",
        "steps": [
            spec("Thank attendees", "event_attended", "send_email", **email("Thanks for coming")),
            spec("An attendee reuses a presented template."),
            spec(
                "Featured champions invite a peer",
                "story_published",
                "send_email",
                **email("Your story is live: who should hear it next?"),
            ),
        ],
    },
    {
        "name": "Peer clinic",
        "goal": "Every question gets a peer answer within 24 hours.",
        "steps": [
            spec(
                "Invite waiting askers to the next clinic",
                "question_unanswered_24h",
                "invite_to_clinic",
            ),
            spec(
                "Tell the guild lead",
                "question_unanswered_24h",
                "create_followup_task",
                title="Find a peer for {{ champion.full_name }}'s question",
            ),
            spec("The asker accepts a peer's answer."),
        ],
    },
    {
        "name": "Onboarding",
        "goal": "Every newcomer reaches a first value moment within 30 days.",
        "steps": [
            spec("Welcome", "champion_joined", "send_email", **email("Welcome")),
            spec("Pair with a buddy", "champion_joined", "assign_buddy"),
            spec("Pass it on", "first_value_reached", "send_email", **email("Invite a peer")),
            spec(
                "Check on the silent", "no_contribution_30d", "create_followup_task", due_in_days=3
            ),
        ],
    },
]


def reset_playbooks() -> None:
    for model in (StepExecution, FollowUpTask, PlaybookRunStep, PlaybookRun, PlaybookStep):
        model.objects.all().delete()
    Playbook.objects.all().delete()


def create_playbooks() -> None:
    for definition in PLAYBOOKS:
        playbook = services.playbook_create(
            name=definition["name"], goal=definition["goal"], steps=definition["steps"]
        )
        services.playbook_activate(playbook=playbook)


class Statements:
    """Counts the SQL statements sent (transaction control not included); unlike Django's
    debug log it has no 9,000-entry cap."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        self.count += 1
        return execute(sql, *args)

    def __len__(self) -> int:
        return self.count


@contextmanager
def counting() -> Iterator[Statements]:
    statements = Statements()
    with connection.execute_wrapper(statements):
        yield statements


# --- the naive approach -----------------------------------------------------------------


def naive_matches(key: str, champion: Champion, now: datetime) -> bool:
    """Each trigger for one champion, as a loop over champions would write it."""
    since = now - automation.DEFAULT_LOOKBACK
    if champion.state not in REACHABLE_STATES or champion.erased_at is not None:
        return False
    if champion.user is not None and champion.user.is_staff:
        return False
    mine = Activity.objects.filter(champion=champion, occurred_at__lte=now)
    if key == "champion_joined":
        return mine.filter(kind=ActivityKind.ACCEPTED_INVITATION, occurred_at__gte=since).exists()
    if key == "event_attended":
        return mine.filter(kind=ActivityKind.ATTENDED_EVENT, occurred_at__gte=since).exists()
    if key == "story_published":
        return mine.filter(kind=ActivityKind.WROTE_STORY, occurred_at__gte=since).exists()
    if key == "first_value_reached":
        return champion.first_value_at is not None and since <= champion.first_value_at <= now
    if key == "no_contribution_30d":
        cutoff = now - timedelta(days=30)
        return (
            champion.state == ChampionState.ACTIVE
            and champion.joined_at is not None
            and champion.joined_at <= cutoff
            and not mine.filter(level__gt=ActivityLevel.OBSERVER, occurred_at__gte=cutoff).exists()
        )
    if key == "question_unanswered_24h":
        deadline = now - timedelta(hours=24)
        other = Answer.objects.filter(question=OuterRef("pk")).exclude(author=champion)
        return (
            Question.objects.filter(
                asker=champion,
                status=QuestionStatus.OPEN,
                posted_at__lte=deadline,
                posted_at__gte=since - timedelta(hours=24),
            )
            .filter(~Exists(other))
            .exists()
        )
    raise ValueError(key)


def naive(sample: list[int], now: datetime) -> tuple[float, int, int]:
    """Seconds, queries and executions for the sample; nothing is kept."""
    steps = list(automation.automated_steps())
    runs = automation.automation_runs({s.playbook for s in steps})
    created = 0
    with counting() as captured, transaction.atomic():
        started = time.perf_counter()
        for pk in sample:
            champion = Champion.objects.select_related("user").get(pk=pk)
            for step in steps:
                if not naive_matches(step.trigger_key, champion, now):
                    continue
                if StepExecution.objects.filter(step=step, champion=champion).exists():
                    continue
                StepExecution.objects.create(
                    run=runs[step.playbook_id], step=step, champion=champion
                )
                created += 1
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, len(captured), created


# --- the engine ---------------------------------------------------------------------------


def engine(now: datetime) -> tuple[float, int, automation.EvaluationReport, list[list[int]]]:
    queued: list[list[int]] = []

    def dispatch(ids: list[int], countdown: int) -> None:
        queued.append(ids)

    with counting() as captured:
        started = time.perf_counter()
        report = automation.evaluate_active_playbooks(now, dispatch=dispatch)
        elapsed = time.perf_counter() - started
    return elapsed, len(captured), report, queued


def perform(chunks: list[list[int]], now: datetime) -> list[tuple[str, float, int, int]]:
    """Per action: seconds and queries for one chunk (workers do these in parallel)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    by_action: dict[str, list[int]] = {}
    first_step = dict(
        StepExecution.objects.filter(pk__in=[c[0] for c in chunks]).values_list(
            "pk", "step__action_key"
        )
    )
    for chunk in chunks:
        by_action.setdefault(first_step[chunk[0]], chunk)
    results = []
    for action, chunk in sorted(by_action.items()):
        # Rolled back: buddies, tasks and statuses stay as generated for the next run.
        with counting() as captured, transaction.atomic():
            started = time.perf_counter()
            automation.perform_executions(execution_ids=chunk, now=now)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        results.append((action, elapsed, len(captured), len(chunk)))
    return results


# --- reporting ----------------------------------------------------------------------------


def timed(label: str, call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = call()
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--champions", type=int, default=50_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3, help="engine runs to take the median of")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Warning: not PostgreSQL; the figures will not mean much.", file=sys.stderr)

    call_command("migrate", verbosity=0)
    if not playbook_data.already_generated(args.champions):
        timed("generate", lambda: playbook_data.generate(champions=args.champions))
        playbook_data.analyze()
    population = Champion.objects.count()
    activities = Activity.objects.count()

    reset_playbooks()
    create_playbooks()
    rng = random.Random(11)
    sample = rng.sample(list(Champion.objects.values_list("pk", flat=True)), args.sample)
    naive_s, naive_q, naive_n = naive(sample, NOW)
    scale = population / len(sample)

    runs = []
    for _ in range(args.repeat):
        StepExecution.objects.all().delete()
        runs.append(engine(NOW))
    engine_s = statistics.median(r[0] for r in runs)
    _, engine_q, report, queued = runs[-1]
    steady_s, steady_q, steady, _ = engine(NOW + timedelta(minutes=15))
    chunks = perform(queued, NOW)

    print()
    print(f"- machine: {machine()}")
    print(
        f"- data: {population:,} champions, {activities:,} activities, "
        f"{Question.objects.count():,} questions; 3 active playbooks, "
        f"{len(report.steps)} automated steps"
    )
    print(
        f"- engine, all champions: {engine_s:.2f} s (median of {args.repeat}; runs "
        f"{', '.join(f'{r[0]:.2f}' for r in runs)} s), {engine_q} statements, "
        f"{report.reached:,} executions inserted, {len(queued)} chunks queued"
    )
    for step in report.steps:
        print(
            f"  - {step.playbook}: {step.trigger} → {step.action}: {step.reached:,} "
            f"in {step.seconds:.2f} s" + (f" ({step.note})" if step.note else "")
        )
    print(
        f"- engine again 15 minutes later (nothing new): {steady_s:.2f} s, {steady_q} statements, "
        f"{steady.reached} inserted"
    )
    print(
        f"- naive, {len(sample):,} champions one by one: {naive_s:.2f} s, {naive_q:,} statements, "
        f"{naive_n:,} executions; extrapolated to {population:,}: {naive_s * scale:.0f} s, "
        f"{naive_q * scale:,.0f} statements ({naive_s * scale / engine_s:.0f}x the engine)"
    )
    for action, seconds, queries, size in chunks:
        print(f"- worker, one chunk of {size} × {action}: {seconds:.2f} s, {queries} statements")
    reset_playbooks()


if __name__ == "__main__":
    main()
