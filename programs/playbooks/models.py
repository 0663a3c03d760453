"""Playbooks: the repeatable loops of the program, each run of them, and their automation.

A playbook is a living, versioned document. All versions of one playbook share a `family`;
editing an active version writes the next version and retires the old one, which stays
readable. State changes happen in `programs.playbooks.services` (and the automation engine in
`programs.playbooks.automation`); these classes hold data and its constraints only.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


def empty_list() -> list[Any]:
    return []


def empty_dict() -> dict[str, Any]:
    return {}


class PlaybookStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class PlaybookRole(models.TextChoices):
    PROGRAM_TEAM = "program_team", "Program team"
    GUILD_LEAD = "guild_lead", "Guild lead"
    CHAMPION = "champion", "Champion"
    BUDDY = "buddy", "Buddy"


class Playbook(models.Model):
    """One version of a playbook: trigger → action → value moment → invitation to pass it on.

    `rituals` is a list of `{"name": ..., "cadence": ...}` (for example a quarterly demo);
    `assumptions` a list of `{"statement": ..., "how_we_test": ...}`; `metric_keys` names
    METRICS.md keys (`programs.playbooks.metric_keys`); `materials` are library templates.
    """

    family = models.UUIDField(
        default=uuid.uuid4, editable=False, help_text="Shared by every version of this playbook."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    previous_version = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
        editable=False,
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, help_text="Shared by every version.")
    goal = models.TextField(help_text="The value this loop creates, in one or two sentences.")
    status = models.CharField(
        max_length=16, choices=PlaybookStatus.choices, default=PlaybookStatus.DRAFT
    )
    roles = models.JSONField(default=empty_list, blank=True)
    rituals = models.JSONField(default=empty_list, blank=True)
    materials = models.ManyToManyField(
        "library.Template", blank=True, related_name="playbooks", help_text="Templates used."
    )
    metric_keys = models.JSONField(default=empty_list, blank=True)
    assumptions = models.JSONField(default=empty_list, blank=True)
    change_note = models.CharField(
        max_length=300, blank=True, help_text="What changed from the previous version, and why."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="playbook_family_version"),
            models.UniqueConstraint(fields=["slug", "version"], name="playbook_slug_version"),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(status=PlaybookStatus.ACTIVE),
                name="playbook_one_active_version",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_read_only(self) -> bool:
        """Retired versions are history: they are read, never changed."""
        return self.status == PlaybookStatus.RETIRED


class StepType(models.TextChoices):
    TRIGGER = "trigger", "Trigger"
    ACTION = "action", "Action"
    VALUE_MOMENT = "value_moment", "Value moment"
    PASS_IT_ON = "pass_it_on", "Invitation to pass it on"


class PlaybookStep(models.Model):
    """One step of the loop. With a `trigger_key` and an `action_key` it is automated.

    `lineage` is kept when a new version copies the step unchanged in what it automates, so
    champions reached by an earlier version of the step are not reached again.
    """

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=16, choices=StepType.choices)
    text = models.TextField(help_text="What happens, precisely enough to act on it alone.")
    trigger_key = models.CharField(max_length=40, blank=True)
    action_key = models.CharField(max_length=40, blank=True)
    params = models.JSONField(
        default=empty_dict,
        blank=True,
        help_text="Action settings: subject, body, title, due_in_days, delay_minutes, …",
    )
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["playbook", "order"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "order"], name="playbook_step_order"),
            models.CheckConstraint(
                condition=Q(trigger_key="", action_key="")
                | (~Q(trigger_key="") & ~Q(action_key="")),
                name="playbook_step_trigger_with_action",
            ),
        ]
        indexes = [models.Index(fields=["lineage"])]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_type_display()}: {self.text[:60]}"

    @property
    def is_automated(self) -> bool:
        return bool(self.trigger_key and self.action_key)


class RunKind(models.TextChoices):
    MANUAL = "manual", "Run by the team"
    AUTOMATION = "automation", "Automation"


class PlaybookRun(models.Model):
    """One execution of a playbook version, for example “Q3 demo day”.

    Each active version also has one open automation run that its automated steps log into.
    """

    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="runs")
    kind = models.CharField(max_length=16, choices=RunKind.choices, default=RunKind.MANUAL)
    name = models.CharField(max_length=200)
    started_at = models.DateTimeField(default=now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What happened, against the goal.")
    events = models.ManyToManyField("events.Event", blank=True, related_name="playbook_runs")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["playbook"],
                condition=Q(kind=RunKind.AUTOMATION, finished_at__isnull=True),
                name="playbook_one_open_automation_run",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("started_at")),
                name="playbook_run_finishes_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


class PlaybookRunStep(models.Model):
    """One line of a run's checklist."""

    run = models.ForeignKey(PlaybookRun, on_delete=models.CASCADE, related_name="checklist")
    step = models.ForeignKey(PlaybookStep, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["run", "step__order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "step"], name="playbook_run_step_once"),
        ]

    def __str__(self) -> str:
        return f"{'✓' if self.done_at else '○'} {self.step}"


class ExecutionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class StepExecution(models.Model):
    """An automated step reached a champion: at most once per champion, step and run.

    The engine inserts the row (pending) before the action runs, so the row is the claim;
    a worker moves it to running, then to done, skipped or failed with the reason.
    """

    run = models.ForeignKey(PlaybookRun, on_delete=models.CASCADE, related_name="executions")
    step = models.ForeignKey(PlaybookStep, on_delete=models.CASCADE, related_name="executions")
    champion = models.ForeignKey(
        "champions.Champion", on_delete=models.CASCADE, related_name="playbook_executions"
    )
    status = models.CharField(
        max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    due_at = models.DateTimeField(default=now, help_text="When the action should run.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Leading with step and champion, it also serves the engine's “already reached” test.
            models.UniqueConstraint(
                fields=["step", "champion", "run"], name="step_execution_once_per_run"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.step} → champion {self.champion_id}: {self.status}"


class FollowUpTask(models.Model):
    """Something the program team should do for a champion, often created by a playbook."""

    title = models.CharField(max_length=300)
    champion = models.ForeignKey(
        "champions.Champion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followup_tasks",
    )
    due_at = models.DateTimeField()
    notes = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    step = models.ForeignKey(
        PlaybookStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(
        PlaybookRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["done_at", "due_at", "id"]
        indexes = [models.Index(fields=["done_at", "due_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
