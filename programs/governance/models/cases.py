"""Moderation cases: the guide's steps, the consequence ladder, appeals and mediation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Champion, Guild, User
from programs.governance.models.reports import ReportCategory


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open: following the guide"
    DECIDED = "decided", "Decided"
    APPEALED = "appealed", "Appeal pending"
    CLOSED = "closed", "Closed"


class EscalationLevel(models.TextChoices):
    MODERATOR = "moderator", "Moderator"
    PROGRAM_LEAD = "program_lead", "Program lead"
    OUTSIDE = "outside", "Outside contact"


ESCALATION_ORDER = (
    EscalationLevel.MODERATOR,
    EscalationLevel.PROGRAM_LEAD,
    EscalationLevel.OUTSIDE,
)


class ModerationCase(models.Model):
    """One or more reports handled together by a moderator (and a deputy)."""

    guild = models.ForeignKey(
        Guild, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_cases"
    )
    member = models.ForeignKey(
        Champion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_cases",
        help_text="The reported member, if the concern is about a person or their content.",
    )
    category = models.CharField(max_length=32, choices=ReportCategory.choices)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    moderator = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_moderated"
    )
    deputy = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_deputised"
    )
    escalation_level = models.CharField(
        max_length=16, choices=EscalationLevel.choices, default=EscalationLevel.MODERATOR
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=now, db_index=True)
    opened_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_message = models.TextField(
        blank=True, help_text="The decision as the member is told it (never names the reporter)."
    )
    appeal_until = models.DateTimeField(null=True, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deputy__isnull=True) | ~Q(deputy=models.F("moderator")),
                name="case_deputy_not_moderator",
            ),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}: {self.get_category_display()}"


class StepKind(models.TextChoices):
    MIRROR = "mirror", "Mirror the concern"
    INTERESTS = "interests", "Clarify interests"
    OPTIONS = "options", "Collect options"
    DECISION = "decision", "Decision"
    FOLLOW_UP = "follow_up", "Follow-up"


STEP_ORDER = (
    StepKind.MIRROR,
    StepKind.INTERESTS,
    StepKind.OPTIONS,
    StepKind.DECISION,
    StepKind.FOLLOW_UP,
)


class CaseStep(models.Model):
    """One step of the moderation guide, recorded once per case and in the guide's order."""

    case = models.ForeignKey(ModerationCase, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    text = models.TextField()
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="case_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (case {self.case_id})"


class ConsequenceKind(models.TextChoices):
    NOTE = "note", "Note"
    WARNING = "warning", "Warning"
    RESTRICTION = "restriction", "Temporary restriction from posting"
    REMOVAL = "removal", "Removal"


LADDER = (
    ConsequenceKind.NOTE,
    ConsequenceKind.WARNING,
    ConsequenceKind.RESTRICTION,
    ConsequenceKind.REMOVAL,
)
RESTRICTING = (ConsequenceKind.RESTRICTION, ConsequenceKind.REMOVAL)


class Consequence(models.Model):
    """The rung of the ladder a decision applied to the member, with its reason.

    A restriction stops posting from `starts_at` to `ends_at`; a removal has no end. A lifted
    consequence (appeal overturned) no longer counts, neither as a restriction nor on the ladder.
    """

    case = models.OneToOneField(
        ModerationCase, on_delete=models.CASCADE, related_name="consequence"
    )
    member = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="consequences")
    kind = models.CharField(max_length=16, choices=ConsequenceKind.choices)
    restriction_days = models.PositiveIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    skip_reason = models.TextField(
        blank=True, help_text="Why this rung and not the next one on the member's ladder."
    )
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["member", "kind", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=ConsequenceKind.RESTRICTION)
                | (Q(restriction_days__gte=1) & Q(ends_at__isnull=False)),
                name="restriction_has_days_and_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.member_id} (case {self.case_id})"


class AppealOutcome(models.TextChoices):
    PENDING = "pending", "Pending"
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"


class Appeal(models.Model):
    """The member's one appeal against a decision, reviewed by someone other than the decider."""

    case = models.OneToOneField(ModerationCase, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="appeals")
    text = models.TextField()
    lodged_at = models.DateTimeField(default=now)
    reviewer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals_to_review"
    )
    outcome = models.CharField(
        max_length=16, choices=AppealOutcome.choices, default=AppealOutcome.PENDING
    )
    outcome_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-lodged_at"]

    def __str__(self) -> str:
        return f"Appeal on case {self.case_id} ({self.outcome})"


class MediationSlot(models.Model):
    """A time a moderator offers one party of a case for a mediation conversation."""

    case = models.ForeignKey(
        ModerationCase, on_delete=models.CASCADE, related_name="mediation_slots"
    )
    offered_to = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="mediation_slots"
    )
    offered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField(default=now)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=300, help_text="A meeting link or a room.")
    booked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="mediation_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Mediation {self.starts_at:%Y-%m-%d %H:%M} (case {self.case_id})"
