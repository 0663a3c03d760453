"""Reports of a concern, made by a champion in the portal or entered by staff from an email."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now

from champions.models import Champion, Guild, User
from programs.governance.models.targets import TargetKind, one_target_at_most

REPORT_TARGET_KINDS = tuple(TargetKind.values)


class ReportCategory(models.TextChoices):
    HARASSMENT = "harassment", "Harassment"
    SPAM = "spam", "Spam"
    CONFIDENTIALITY = "confidentiality", "Confidentiality breach"
    UNPAID_EXPLOITATION = "unpaid_exploitation", "Unpaid exploitation"
    PLAGIARISM = "plagiarism", "Plagiarism or missing sources"
    OTHER = "other", "Other"


class ReportSource(models.TextChoices):
    PORTAL = "portal", "Portal"
    STAFF = "staff", "Entered by staff (email, call)"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "A moderator is looking at it"
    IN_CASE = "in_case", "Under review"
    CLOSED = "closed", "Closed"


class Report(models.Model):
    """A concern about a question, answer, template, event or member.

    The reporter is shown only to the moderators of the case (`selectors.reports_visible_to`).
    `due_at` is `made_at` + `sla_hours` (the SLA when it was made); `first_action_at` is the
    first moderator action on it or its case (METRICS.md `report_response_hours`).
    """

    reporter = models.ForeignKey(
        Champion, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports_made"
    )
    entered_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who entered a report received by email or phone.",
    )
    source = models.CharField(max_length=16, choices=ReportSource.choices)
    target_kind = models.CharField(max_length=16, choices=TargetKind.choices, blank=True)
    question = models.ForeignKey(
        "clinics.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.ForeignKey(
        "clinics.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(
        "library.Template", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        Champion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_member = models.ForeignKey(
        Champion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_about",
        help_text="Whom the report is about: the member, or the author of the content.",
    )
    guild = models.ForeignKey(
        Guild, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    category = models.CharField(max_length=32, choices=ReportCategory.choices)
    description = models.TextField()
    made_at = models.DateTimeField(default=now, db_index=True)
    sla_hours = models.PositiveIntegerField()
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_action_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True, help_text="What the reporter is told on closing.")
    case = models.ForeignKey(
        "governance.ModerationCase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    sla_alerted_at = models.DateTimeField(null=True, blank=True)
    reporter_masked_at = models.DateTimeField(
        null=True, blank=True, help_text="The reporter erased their account; identity removed."
    )

    class Meta:
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["closed_at", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=one_target_at_most(REPORT_TARGET_KINDS), name="report_one_target"
            ),
            models.CheckConstraint(condition=models.Q(sla_hours__gte=1), name="report_sla_set"),
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk}: {self.get_category_display()}"
