"""The audit log of moderation, and content hidden by moderators."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Guild, User
from programs.governance.models.cases import ModerationCase
from programs.governance.models.reports import Report
from programs.governance.models.targets import CONTENT_KINDS, one_target_at_most


class ActionKind(models.TextChoices):
    REPORT_ACKNOWLEDGED = "report_acknowledged", "Acknowledged a report"
    REPORT_CLOSED = "report_closed", "Closed a report without a case"
    REPORT_ATTACHED = "report_attached", "Added a report to the case"
    CASE_OPENED = "case_opened", "Opened the case"
    STEP_RECORDED = "step_recorded", "Recorded a step of the guide"
    DECISION_RECORDED = "decision_recorded", "Recorded the decision"
    FOLLOW_UP_PLANNED = "follow_up_planned", "Planned the follow-up"
    CASE_CLOSED = "case_closed", "Closed the case"
    ESCALATED = "escalated", "Escalated"
    HANDED_OVER = "handed_over", "Handed over"
    CONTENT_HIDDEN = "content_hidden", "Hid content"
    CONTENT_RESTORED = "content_restored", "Restored content"
    MEDIATION_OFFERED = "mediation_offered", "Offered a mediation slot"
    APPEAL_LODGED = "appeal_lodged", "The member appealed"
    APPEAL_DECIDED = "appeal_decided", "Decided the appeal"
    LESSON_WRITTEN = "lesson_written", "Wrote an anonymized lesson"


class ModerationAction(models.Model):
    """One entry of the audit log. Append-only; written only by the governance services.

    With an `actor` it is a moderator action: it writes an `Activity` of kind `moderated` and
    counts in METRICS.md. Without one it records what the system or the member did (an
    automatic hand-over, an appeal lodged) and counts nowhere.
    """

    kind = models.CharField(max_length=32, choices=ActionKind.choices)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=now, db_index=True)
    case = models.ForeignKey(
        ModerationCase, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    guild = models.ForeignKey(
        Guild, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["report", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


HIDEABLE_KINDS = tuple(str(kind) for kind in CONTENT_KINDS)


class HiddenContent(models.Model):
    """A question, answer, template or event hidden by a moderator, until restored.

    The content apps keep their rows untouched; they leave hidden ones out of what champions
    see through `programs.governance.selectors.exclude_hidden`.
    """

    target_kind = models.CharField(
        max_length=16, choices=[(kind.value, kind.label) for kind in CONTENT_KINDS]
    )
    question = models.ForeignKey(
        "clinics.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    answer = models.ForeignKey(
        "clinics.Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    template = models.ForeignKey(
        "library.Template", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        ModerationCase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hidden_content",
    )
    reason = models.TextField()
    hidden_at = models.DateTimeField(default=now)
    hidden_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-hidden_at"]
        verbose_name_plural = "hidden content"
        constraints = [
            models.CheckConstraint(
                condition=one_target_at_most(HIDEABLE_KINDS)
                & ~Q(**{f"{kind}__isnull": True for kind in HIDEABLE_KINDS}),
                name="hidden_content_one_target",
            ),
            *(
                models.UniqueConstraint(
                    fields=[kind],
                    condition=Q(restored_at__isnull=True),
                    name=f"hidden_{kind}_once",
                )
                for kind in HIDEABLE_KINDS
            ),
        ]

    def __str__(self) -> str:
        state = "restored" if self.restored_at else "hidden"
        return f"{self.target_kind} {state} at {self.hidden_at:%Y-%m-%d}"
