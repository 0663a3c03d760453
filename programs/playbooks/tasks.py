"""Celery tasks of playbook automation: thin doors into `programs.playbooks.automation`."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from programs.playbooks import automation


@shared_task
def run_playbook_automation() -> dict[str, Any]:
    """Beat task (every 15 minutes): reach whom the active playbooks' steps match now."""
    return automation.evaluate_active_playbooks().as_dict()


@shared_task
def perform_step_executions(*, execution_ids: list[int]) -> dict[str, int]:
    """Act on one chunk of pending executions. Not retried on purpose: an action runs at most
    once, and a chunk that dies midway leaves its rows for the engine to mark failed."""
    return dict(automation.perform_executions(execution_ids=execution_ids))
