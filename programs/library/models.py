"""The shared template library: documented patterns that others reuse and improve.

State changes happen in `programs.library.services`; these classes hold data and constraints.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Champion, Guild, ProductArea, User


class TemplateKind(models.TextChoices):
    FILE = "file", "File"
    LINK = "link", "Link"
    MARKDOWN = "markdown", "Markdown"


class TemplateCategory(models.TextChoices):
    REPORT = "report", "Report"
    DASHBOARD = "dashboard", "Dashboard"
    WORKFLOW = "workflow", "Workflow"
    CHECKLIST = "checklist", "Checklist"
    INTEGRATION = "integration", "Integration"
    GUIDE = "guide", "Guide"
    OTHER = "other", "Other"


class Template(models.Model):
    """A template: a file, a link or a Markdown body; a draft until published.

    A fork points to its `parent`. Editing makes a new `TemplateVersion`; the fields here are
    the current version.
    """

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(
        max_length=32, choices=TemplateCategory.choices, default=TemplateCategory.OTHER
    )
    product_area = models.ForeignKey(
        ProductArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="templates"
    )
    guild = models.ForeignKey(
        Guild, null=True, blank=True, on_delete=models.SET_NULL, related_name="templates"
    )
    kind = models.CharField(max_length=16, choices=TemplateKind.choices)
    file = models.FileField(upload_to="templates/%Y/%m/", blank=True, max_length=300)
    link = models.URLField(blank=True, max_length=500)
    body = models.TextField(blank=True, help_text="Markdown.")
    author = models.ForeignKey(
        Champion, null=True, blank=True, on_delete=models.SET_NULL, related_name="templates"
    )
    author_user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="templates",
        help_text="Who wrote it; staff templates have no champion author.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forks",
        help_text="The template this one was forked from.",
    )
    version = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField(null=True, blank=True)
    featured = models.BooleanField(default=False)
    download_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["published_at"]),
            models.Index(fields=["featured", "published_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="template_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class TemplateVersion(models.Model):
    """A snapshot of a template's content, kept when it is created and on every edit."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    file = models.FileField(upload_to="templates/%Y/%m/", blank=True, max_length=300)
    link = models.URLField(blank=True, max_length=500)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template.title} v{self.number}"


class TemplateRating(models.Model):
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="ratings")
    champion = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="template_ratings"
    )
    rating = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "champion"], name="template_rating_unique"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="template_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.template_id}"
