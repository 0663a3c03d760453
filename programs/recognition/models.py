"""Recognition: visible thanks between champions and small first tasks for newcomers.

Levels and the contributor roll are computed from the activity log (`selectors`), not stored.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Champion, Guild


class Kudos(models.Model):
    from_champion = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="kudos_given"
    )
    to_champion = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="kudos_received"
    )
    message = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "kudos"
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_champion=models.F("to_champion")), name="kudos_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Kudos to {self.to_champion.full_name} from {self.from_champion.full_name}"


class Effort(models.TextChoices):
    SMALL = "small", "Small (under an hour)"
    MEDIUM = "medium", "Medium (an afternoon)"


class GoodFirstContribution(models.Model):
    """A small, clear task for a newcomer, like a “good first issue” in open source."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guild = models.ForeignKey(
        Guild,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_first_contributions",
    )
    effort = models.CharField(max_length=16, choices=Effort.choices, default=Effort.SMALL)
    created_at = models.DateTimeField(default=now)
    claimed_by = models.ForeignKey(
        Champion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_first_contributions",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(claimed_at__isnull=False),
                name="good_first_contribution_done_after_claim",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.claimed_by_id is None and self.done_at is None
