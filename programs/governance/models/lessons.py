"""Lessons from closed cases, written without personal data."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now

from champions.models import User
from programs.governance.models.cases import ModerationCase


class LessonAudience(models.TextChoices):
    MODERATORS = "moderators", "Moderators"
    COMMUNITY = "community", "Moderators and the community"


class AnonymizedLesson(models.Model):
    """What a closed case taught, checked for names and contact details before it is saved."""

    case = models.ForeignKey(
        ModerationCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    audience = models.CharField(
        max_length=16, choices=LessonAudience.choices, default=LessonAudience.MODERATORS
    )
    written_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(default=now)
    shared_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was shared with the community."
    )

    class Meta:
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return self.title
