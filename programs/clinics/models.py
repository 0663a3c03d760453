"""Clinic Q&A: champions ask, peers and the program team answer.

State changes happen in `programs.clinics.services`; these classes hold data and constraints.
Bodies are Markdown, rendered only through `champions.markdown.render_markdown`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Champion, Guild, User, empty_list


class QuestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    SOLVED = "solved", "Solved"


class Question(models.Model):
    guild = models.ForeignKey(Guild, on_delete=models.PROTECT, related_name="questions")
    asker = models.ForeignKey(Champion, on_delete=models.PROTECT, related_name="questions")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    tags = models.JSONField(default=empty_list, blank=True)
    status = models.CharField(
        max_length=16, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    builds_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="built_upon_by",
        help_text="An earlier, solved question this one continues.",
    )
    posted_at = models.DateTimeField(default=now)
    solved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-posted_at"]
        indexes = [
            models.Index(fields=["guild", "posted_at"]),
            models.Index(fields=["status", "posted_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(builds_on=models.F("id")), name="question_not_built_on_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    """An answer by a champion, or by the program team (`is_staff_answer`, no champion)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        Champion, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    author_user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="answers")
    body = models.TextField(help_text="Markdown.")
    is_staff_answer = models.BooleanField(default=False)
    posted_at = models.DateTimeField(default=now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [models.Index(fields=["question", "posted_at"])]

    def __str__(self) -> str:
        return f"Answer to “{self.question.title}”"


class HelpfulMark(models.Model):
    """Someone other than its author found an answer helpful."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="helpful_marks")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="helpful_marks")
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "user"], name="helpful_mark_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} found answer {self.answer_id} helpful"
