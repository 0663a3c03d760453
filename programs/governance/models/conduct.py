"""The code of conduct, versioned, and who accepted which version."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now

from champions.models import Champion, User


class CodeOfConduct(models.Model):
    """One version of the code. A draft until published; the newest published one is current."""

    version = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200, default="Code of conduct")
    body = models.TextField(help_text="Markdown.")
    changes = models.TextField(
        blank=True, help_text="What changed since the previous version, in a few lines."
    )
    created_at = models.DateTimeField(default=now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = "code of conduct"
        verbose_name_plural = "codes of conduct"

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class CodeOfConductAcceptance(models.Model):
    code = models.ForeignKey(CodeOfConduct, on_delete=models.PROTECT, related_name="acceptances")
    champion = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="code_acceptances"
    )
    accepted_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "champion"], name="code_acceptance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.champion_id} accepted v{self.code_id} at {self.accepted_at:%Y-%m-%d}"
