"""Deals (a CRM mirror), reference requests from sales, offers to champions, attributions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from champions.models import (
    Account,
    Champion,
    Industry,
    ProductArea,
    Region,
    SizeBand,
    validate_timezone,
)
from programs.references.models.program import UseCase
from programs.references.models.stories import ReferenceStory


class Deal(models.Model):
    """A mirror of a CRM deal; filled by the CRM import, or by the admin and API until then."""

    crm_id = models.CharField("CRM id", max_length=64, blank=True)
    name = models.CharField(max_length=200)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        help_text="The deal's company, when it is a known account.",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    stage = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=now, help_text="When the deal was created.")
    close_date = models.DateTimeField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)
    owner_email = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["crm_id"], condition=~Q(crm_id=""), name="deal_crm_id_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(is_won=False) | Q(is_closed=True), name="deal_won_only_if_closed"
            ),
        ]
        indexes = [models.Index(fields=["created_at"]), models.Index(fields=["close_date"])]

    def __str__(self) -> str:
        return self.name


class ActivityType(models.TextChoices):
    CALL = "call", "Reference call"
    EMAIL = "email", "Email exchange"
    SITE_VISIT = "site_visit", "Site visit"
    REVIEW = "review", "Review"
    CASE_STUDY = "case_study", "Case study"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    OFFERED = "offered", "Offered to a champion"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined (to offer again)"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"


OPEN_REQUEST_STATUSES = (
    RequestStatus.REQUESTED,
    RequestStatus.OFFERED,
    RequestStatus.ACCEPTED,
    RequestStatus.DECLINED,
    RequestStatus.SCHEDULED,
)


class RequestOutcome(models.TextChoices):
    HELD = "held", "Held"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"


class DeclineReason(models.TextChoices):
    BUSY = "busy", "No time right now"
    NOT_A_FIT = "not_a_fit", "Not a good fit for this prospect"
    COMPANY_POLICY = "company_policy", "Company policy"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Reference-call consent withdrawn"
    OTHER = "other", "Other"


class ReferenceRequest(models.Model):
    """Sales asks for a reference for a deal; the program team offers it to a champion.

    `notes` are private to the program team and sales who asked; never shown to champions.
    """

    requested_by = models.ForeignKey(
        "champions.User", on_delete=models.PROTECT, related_name="reference_requests"
    )
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="reference_requests")
    prospect_company = models.CharField(max_length=200)
    prospect_industry = models.CharField(max_length=32, choices=Industry.choices)
    prospect_region = models.CharField(max_length=16, choices=Region.choices)
    prospect_size_band = models.CharField("prospect size", max_length=16, choices=SizeBand.choices)
    prospect_timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code.")
    use_case = models.ForeignKey(
        UseCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    product_areas = models.ManyToManyField(ProductArea, blank=True, related_name="+")
    activity_type = models.CharField(max_length=16, choices=ActivityType.choices)
    needed_by = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="Private: never shown to champions.")
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    champion = models.ForeignKey(
        Champion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reference_requests",
        help_text="The champion the request is offered to, or who gave it.",
    )
    story = models.ForeignKey(
        ReferenceStory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
        help_text="The story sent along with the reference, if any.",
    )
    requested_at = models.DateTimeField(default=now)
    offer_due_at = models.DateTimeField(help_text="The SLA: offered within 2 business days.")
    offered_at = models.DateTimeField(null=True, blank=True, help_text="The first offer.")
    accepted_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="Closed, any outcome.")
    outcome = models.CharField(max_length=16, choices=RequestOutcome.choices, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True, help_text="Completed as held.")
    feedback = models.TextField("sales feedback", blank=True)
    feedback_rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["offer_due_at", "id"]
        indexes = [
            models.Index(fields=["status", "offer_due_at"]),
            models.Index(fields=["champion", "status"]),
            models.Index(
                fields=["champion", "fulfilled_at"],
                condition=Q(fulfilled_at__isnull=False),
                name="request_fulfilled_by_champion",
            ),
            models.Index(fields=["deal", "fulfilled_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fulfilled_at__isnull=True) | Q(outcome=RequestOutcome.HELD),
                name="request_fulfilled_only_if_held",
            ),
            models.CheckConstraint(
                condition=Q(feedback_rating__isnull=True)
                | (Q(feedback_rating__gte=1) & Q(feedback_rating__lte=5)),
                name="request_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_type_display()} for {self.prospect_company}"


class OfferResponse(models.TextChoices):
    PENDING = "pending", "Waiting for the champion"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class ReferenceOffer(models.Model):
    """One offer of a request to one champion, and their answer. Declines never count against."""

    request = models.ForeignKey(ReferenceRequest, on_delete=models.CASCADE, related_name="offers")
    champion = models.ForeignKey(
        Champion, on_delete=models.CASCADE, related_name="reference_offers"
    )
    offered_by = models.ForeignKey(
        "champions.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    offered_at = models.DateTimeField(default=now)
    response = models.CharField(
        max_length=16, choices=OfferResponse.choices, default=OfferResponse.PENDING
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=24, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "champion"], name="offer_once_per_request"),
        ]
        indexes = [models.Index(fields=["champion", "response"])]

    def __str__(self) -> str:
        return f"Offer of request {self.request_id} to {self.champion_id}"


class Attribution(models.Model):
    """A fulfilled reference linked to its deal: the source of the revenue metrics."""

    request = models.OneToOneField(
        ReferenceRequest, on_delete=models.CASCADE, related_name="attribution"
    )
    champion = models.ForeignKey(Champion, on_delete=models.PROTECT, related_name="attributions")
    story = models.ForeignKey(
        ReferenceStory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="attributions")
    type = models.CharField(max_length=16, choices=ActivityType.choices)
    date = models.DateTimeField(help_text="When the reference was fulfilled.")

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["deal", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.get_type_display()} by {self.champion_id} for deal {self.deal_id}"
