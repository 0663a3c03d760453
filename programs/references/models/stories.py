"""Reference stories: structured proof, signed off by the champions they feature."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import Account, Champion, Industry, ProductArea, Region, SizeBand
from programs.references.models.program import UseCase


class StoryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting champion sign-off"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class StoryVisibility(models.TextChoices):
    INTERNAL = "internal", "Internal: program team only"
    SALES = "sales", "Shareable by sales"
    PUBLIC = "public", "Public"


class ReferenceStory(models.Model):
    """A customer's success story with proven metrics and quotes.

    `content_hash` is the SHA-256 of the exact text of the latest `StoryVersion`; a champion's
    sign-off is bound to that hash, so any edit of the text needs a new sign-off.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="stories")
    title = models.CharField(max_length=200)
    challenge = models.TextField(blank=True)
    solution = models.TextField(blank=True)
    results = models.TextField(blank=True)
    featured_champions = models.ManyToManyField(
        Champion, through="StoryFeature", related_name="featured_in_stories", blank=True
    )
    industry = models.CharField(max_length=32, choices=Industry.choices)
    use_case = models.ForeignKey(
        UseCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    product_areas = models.ManyToManyField(ProductArea, blank=True, related_name="stories")
    region = models.CharField(max_length=16, choices=Region.choices)
    size_band = models.CharField("company size", max_length=16, choices=SizeBand.choices)
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code.")
    logo_permission = models.BooleanField(
        default=False, help_text="The story shows the customer's logo (needs logo consent)."
    )
    video_url = models.URLField("video link", blank=True)
    document = models.FileField(upload_to="references/stories/", blank=True)
    visibility = models.CharField(
        max_length=16, choices=StoryVisibility.choices, default=StoryVisibility.SALES
    )
    status = models.CharField(
        max_length=24, choices=StoryStatus.choices, default=StoryStatus.DRAFT, editable=False
    )
    status_changed_at = models.DateTimeField(default=now, editable=False)
    version_number = models.PositiveIntegerField(default=0, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_due_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The story expires at its review date."
    )
    withdrawn_reason = models.CharField(max_length=300, blank=True, editable=False)
    needs_crm_update_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when what the CRM shows of this story changed; cleared by the sync.",
    )
    created_by = models.ForeignKey(
        "champions.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name_plural = "reference stories"
        indexes = [
            models.Index(fields=["status", "visibility", "review_due_at"]),
            models.Index(
                fields=["needs_crm_update_at"],
                condition=Q(needs_crm_update_at__isnull=False),
                name="story_crm_dirty",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StoryFeature(models.Model):
    """A champion featured in a story; each must sign off and hold the consents it uses."""

    story = models.ForeignKey(ReferenceStory, on_delete=models.CASCADE, related_name="features")
    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="story_features")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["story", "champion"], name="story_feature_unique"),
        ]
        indexes = [models.Index(fields=["champion", "story"])]

    def __str__(self) -> str:
        return f"{self.champion_id} in story {self.story_id}"


class ProvenMetric(models.Model):
    """A measured result, for example onboarding time 14 → 3 days per new team."""

    story = models.ForeignKey(ReferenceStory, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=120)
    before = models.DecimalField(max_digits=14, decimal_places=2)
    after = models.DecimalField(max_digits=14, decimal_places=2)
    unit = models.CharField(max_length=40, blank=True, help_text="For example days, %, EUR.")
    period = models.CharField(
        max_length=80, blank=True, help_text="For example per new team, per month."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.before} → {self.after} {self.unit}".strip()


class Quote(models.Model):
    """A champion's words in a story; publishing it needs their quote consent."""

    story = models.ForeignKey(ReferenceStory, on_delete=models.CASCADE, related_name="quotes")
    champion = models.ForeignKey(Champion, on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Quote by {self.champion_id} in story {self.story_id}"


class StoryVersion(models.Model):
    """A snapshot of the exact text of a story; kept for comparison and sign-off."""

    story = models.ForeignKey(ReferenceStory, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        "champions.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["story", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["story", "number"], name="story_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of story {self.story_id}"


class SignOffMethod(models.TextChoices):
    PORTAL = "portal", "Portal"
    EMAIL = "email", "Email reply (recorded by the program team)"
    SIGNED_FORM = "signed_form", "Signed form"


class StorySignOff(models.Model):
    """A champion's approval of one exact version of a story (bound to its content hash)."""

    story = models.ForeignKey(ReferenceStory, on_delete=models.CASCADE, related_name="sign_offs")
    version = models.ForeignKey(StoryVersion, on_delete=models.PROTECT, related_name="sign_offs")
    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="sign_offs")
    content_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=16, choices=SignOffMethod.choices)
    actor = models.ForeignKey(
        "champions.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "champion"], name="sign_off_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.champion_id} signed off version {self.version_id}"
