"""Demo data for playbooks: the three loops of the brief, written, versioned, run and automated.

`seed_playbooks(now=..., team=...)` writes them through the services: a quarterly demo, a peer
clinic and an onboarding playbook (the onboarding one at version 2, its first version retired
with a reason), two finished demo days and one under way with their checklists, then one
evaluation of the automation engine over the champions the demo already holds. The section is
registered with `manage.py seed_demo`, which sends the resulting emails to memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from champions.demo import DemoContext, demo_section
from champions.models import User
from programs.events.models import Event, EventKind
from programs.playbooks import automation, services
from programs.playbooks.models import (
    FollowUpTask,
    Playbook,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStep,
    StepExecution,
    StepType,
)
from programs.playbooks.services import StepSpec


def _step(
    text: str, kind: str = StepType.ACTION, trigger: str = "", action: str = "", **params: Any
) -> StepSpec:
    return StepSpec(kind, text, trigger, action, params)


def _email(subject: str, body: str) -> dict[str, str]:
    return {"subject": subject, "body": body}


QUARTERLY_DEMO: dict[str, Any] = {
    "name": "Quarterly demo",
    "goal": "Champions show what they built; others reuse it within the quarter.",
    "roles": ["program_team", "guild_lead", "champion"],
    "rituals": [
        {"name": "Demo day", "cadence": "quarterly"},
        {"name": "Dry run", "cadence": "two weeks before each demo day"},
    ],
    "metric_keys": ["template_reuse_rate", "learning_transfer_rate", "contribution_depth"],
    "assumptions": [
        {
            "statement": "Seeing a peer's build live makes reuse likelier than reading about it.",
            "how_we_test": "Template reuse within 30 days by attendees against non-attendees.",
        }
    ],
    "steps": [
        _step("Six weeks before: guild leads nominate three builds each.", StepType.TRIGGER),
        _step("Dry run with each presenter; the template goes into the library."),
        _step(
            "Thank everyone who came, with the templates shown.",
            StepType.ACTION,
            "event_attended",
            "send_email",
            **_email(
                "Thanks for coming to the demo, {{ champion.first_name }}",
                "Hi {{ champion.first_name }},\n\nthe builds from today are in the library: "
                "{{ portal_url }}library/\n\nReuse one this month and tell us how it went.",
            ),
        ),
        _step("An attendee reuses a presented template.", StepType.VALUE_MOMENT),
        _step(
            "Featured champions pass it on.",
            StepType.PASS_IT_ON,
            "story_published",
            "send_email",
            **_email(
                "Your story is live — who should hear it next?",
                "Hi {{ champion.first_name }},\n\nyour story is published. Invite one peer "
                "who would get value from it: {{ portal_url }}invite/",
            ),
        ),
    ],
}
PEER_CLINIC: dict[str, Any] = {
    "name": "Peer clinic",
    "goal": "Every question gets a peer answer within 24 hours.",
    "roles": ["program_team", "guild_lead", "champion"],
    "rituals": [{"name": "Clinic", "cadence": "weekly"}],
    "metric_keys": ["time_to_first_answer_hours", "answered_within_24h_share"],
    "assumptions": [{"statement": "A clinic slot answers what the forum leaves open."}],
    "steps": [
        _step("A question waits 24 hours without a peer answer.", StepType.TRIGGER),
        _step(
            "Invite the asker to the next clinic.",
            StepType.ACTION,
            "question_unanswered_24h",
            "invite_to_clinic",
        ),
        _step(
            "Ask the guild lead to find a peer.",
            StepType.ACTION,
            "question_unanswered_24h",
            "create_followup_task",
            title="Find a peer for {{ champion.full_name }}'s open question",
            due_in_days=1,
        ),
        _step("The asker accepts a peer's answer.", StepType.VALUE_MOMENT),
        _step("The helper is thanked in the contributor roll.", StepType.PASS_IT_ON),
    ],
}
ONBOARDING: dict[str, Any] = {
    "name": "Onboarding",
    "goal": "Every newcomer reaches a first value moment within 30 days.",
    "roles": ["program_team", "champion", "buddy"],
    "rituals": [{"name": "Welcome call", "cadence": "weekly"}],
    "metric_keys": ["activation_rate", "time_to_first_value_days", "referral_velocity"],
    "assumptions": [
        {
            "statement": "A buddy within the first week halves the time to first value.",
            "how_we_test": "Time to first value of cohorts with and without a buddy.",
        }
    ],
    "steps": [
        _step("A champion accepts their invitation.", StepType.TRIGGER),
        _step(
            "Welcome them with one good first contribution.",
            StepType.ACTION,
            "champion_joined",
            "send_email",
            **_email(
                "Welcome to the champions, {{ champion.first_name }}",
                "Hi {{ champion.first_name }},\n\nwelcome! A good first step: ask one question "
                "in your guild's clinic. {{ portal_url }}",
            ),
        ),
        _step("Pair them with a buddy.", StepType.ACTION, "champion_joined", "assign_buddy"),
        _step("Their first value moment.", StepType.VALUE_MOMENT),
        _step(
            "Invite them to pass it on.",
            StepType.PASS_IT_ON,
            "first_value_reached",
            "send_email",
            **_email(
                "Who else should be here, {{ champion.first_name }}?",
                "Hi {{ champion.first_name }},\n\nglad it helped. Invite one peer: "
                "{{ portal_url }}invite/",
            ),
        ),
        _step(
            "Check on champions who went quiet.",
            StepType.ACTION,
            "no_contribution_30d",
            "create_followup_task",
            title="Check in with {{ champion.full_name }} ({{ champion.account }})",
            due_in_days=5,
        ),
    ],
}


@dataclass
class PlaybookDemo:
    playbooks: dict[str, Playbook] = field(default_factory=dict)
    runs: list[PlaybookRun] = field(default_factory=list)
    report: automation.EvaluationReport | None = None


def _create(definition: dict[str, Any], *, team: User | None, at: datetime) -> Playbook:
    playbook = services.playbook_activate(
        playbook=services.playbook_create(**definition, created_by=team), by=team
    )
    Playbook.objects.filter(pk=playbook.pk).update(created_at=at, activated_at=at)
    PlaybookRun.objects.filter(playbook=playbook).update(started_at=at)
    return playbook


def _demo_day(
    playbook: Playbook, name: str, *, at: datetime, team: User | None, outcome: str = ""
) -> PlaybookRun:
    events = Event.objects.filter(
        kind=EventKind.QUARTERLY_DEMO, starts_at__range=(at - timedelta(days=3), at)
    )
    run = services.run_start(playbook=playbook, name=name, started_by=team, events=events)
    steps = list(playbook.steps.order_by("order"))
    for step in steps if outcome else steps[:2]:
        services.run_check_step(run=run, step=step, by=team)
    if outcome:
        run = services.run_finish(run=run, outcome=outcome)
    PlaybookRun.objects.filter(pk=run.pk).update(
        started_at=at - timedelta(days=42), finished_at=at if outcome else None
    )
    PlaybookRunStep.objects.filter(run=run, done_at__isnull=False).update(done_at=at)
    return run


def seed_playbooks(*, now: datetime, team: User | None = None) -> PlaybookDemo:
    demo = PlaybookDemo()
    year_ago = now - timedelta(days=330)
    demo.playbooks["demo"] = _create(QUARTERLY_DEMO, team=team, at=year_ago)
    demo.playbooks["clinic"] = _create(PEER_CLINIC, team=team, at=year_ago)
    onboarding = _create(ONBOARDING, team=team, at=year_ago)
    buddy_step = onboarding.steps.get(action_key="assign_buddy")
    demo.playbooks["onboarding"] = services.playbook_step_update(
        step=buddy_step, text="Pair them with a buddy from their guild on the first day."
    ).playbook
    Playbook.objects.filter(pk=demo.playbooks["onboarding"].pk).update(
        change_note="Buddies within a day: newcomers paired in week one stayed twice as often."
    )
    quarterly = demo.playbooks["demo"]
    demo.runs = [
        _demo_day(
            quarterly,
            "Q1 demo day",
            at=now - timedelta(days=150),
            team=team,
            outcome="64 attended, 9 builds shown; 14 templates reused within 30 days.",
        ),
        _demo_day(
            quarterly,
            "Q2 demo day",
            at=now - timedelta(days=60),
            team=team,
            outcome="71 attended; reuse lower (8): too many builds, no time for questions.",
        ),
        _demo_day(quarterly, "Q3 demo day", at=now + timedelta(days=30), team=team),
    ]
    demo.report = automation.evaluate_active_playbooks(now=now)
    return demo


def wipe_playbooks() -> None:
    StepExecution.objects.all().delete()
    FollowUpTask.objects.all().delete()
    PlaybookRunStep.objects.all().delete()
    PlaybookRun.objects.all().delete()
    PlaybookStep.objects.all().delete()
    # Newest versions first: an older version is protected by its successor's link.
    for playbook in Playbook.objects.order_by("-version"):
        playbook.delete()


@demo_section("playbooks", wipe=wipe_playbooks)
def playbooks_section(ctx: DemoContext) -> None:
    team = ctx.users.get("admin")
    ctx.extras["playbooks"] = seed_playbooks(now=ctx.now, team=team)
