"""Every change to playbooks, their runs and follow-up tasks goes through these functions.

Each validates, changes atomically and raises `DomainError` naming the field to fix. Split by
topic: `content` (cleaning what people wrote), `playbooks` (versions and steps), `runs` (runs,
checklists, follow-up tasks).
"""

from __future__ import annotations

from programs.playbooks.services.content import StepSpec
from programs.playbooks.services.playbooks import (
    automation_run_ensure,
    playbook_activate,
    playbook_create,
    playbook_retire,
    playbook_step_add,
    playbook_step_remove,
    playbook_step_update,
    playbook_update,
)
from programs.playbooks.services.runs import (
    followup_task_complete,
    followup_task_create,
    followup_task_reopen,
    followup_task_update,
    run_check_step,
    run_finish,
    run_start,
    run_update,
)

__all__ = [
    "StepSpec",
    "automation_run_ensure",
    "followup_task_complete",
    "followup_task_create",
    "followup_task_reopen",
    "followup_task_update",
    "playbook_activate",
    "playbook_create",
    "playbook_retire",
    "playbook_step_add",
    "playbook_step_remove",
    "playbook_step_update",
    "playbook_update",
    "run_check_step",
    "run_finish",
    "run_start",
    "run_update",
]
