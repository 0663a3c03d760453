"""Helpers for the playbook tests: playbooks built through the services, the engine run
with its queued actions performed (Celery is eager in the test settings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from programs.playbooks import automation, services
from programs.playbooks.models import Playbook, StepType
from programs.playbooks.services import StepSpec

WELCOME = StepSpec(
    type=StepType.ACTION,
    text="Welcome the newcomer by email.",
    trigger_key="champion_joined",
    action_key="send_email",
    params={
        "subject": "Welcome, {{ champion.first_name }}",
        "body": "Hi {{ champion.first_name }} from {{ champion.account }} <b>&</b> friends.",
    },
)


def email_step(trigger_key: str, **params: Any) -> StepSpec:
    return StepSpec(
        type=StepType.ACTION,
        text=f"Email on {trigger_key}.",
        trigger_key=trigger_key,
        action_key="send_email",
        params={
            "subject": f"About {trigger_key}",
            "body": "Hi {{ champion.first_name }}",
            **params,
        },
    )


def make_playbook(
    steps: Sequence[StepSpec] = (WELCOME,), *, activate: bool = True, name: str = "Onboarding"
) -> Playbook:
    playbook = services.playbook_create(
        name=name,
        goal="Every newcomer reaches a first value moment within 30 days.",
        roles=["program_team", "buddy"],
        rituals=[{"name": "Welcome call", "cadence": "weekly"}],
        metric_keys=["activation_rate", "time_to_first_value_days"],
        assumptions=[{"statement": "A buddy halves time to first value.", "how_we_test": "A/B"}],
        steps=[StepSpec(type=StepType.TRIGGER, text="A champion joins."), *steps],
    )
    return services.playbook_activate(playbook=playbook) if activate else playbook


@pytest.fixture
def run_engine(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Callable[..., automation.EvaluationReport]:
    """Evaluate the active playbooks and perform what was queued."""

    def run(**kwargs: Any) -> automation.EvaluationReport:
        with django_capture_on_commit_callbacks(execute=True):
            return automation.evaluate_active_playbooks(**kwargs)

    return run
