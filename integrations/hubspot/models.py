"""What the HubSpot adapter keeps: webhook deliveries, the portal's setup, the fallback window."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now


def empty_list() -> list[float]:
    return []


class WebhookDelivery(models.Model):
    """One event of a signed webhook delivery, stored raw before anything else happens.

    HubSpot batches events into one POST and retries a delivery up to 10 times; `eventId` alone
    is not unique, so (subscriptionId, eventId, occurredAt) identifies an event (FACTS.md,
    "Webhooks"). A worker claims an event with a conditional UPDATE on `processed_at`.
    """

    subscription_id = models.BigIntegerField()
    event_id = models.BigIntegerField()
    occurred_at_ms = models.BigIntegerField(help_text="occurredAt, epoch milliseconds.")
    subscription_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "HubSpot webhook event"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription_id", "event_id", "occurred_at_ms"], name="webhook_event_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="webhook_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_type} {self.object_id} ({self.event_id})"


class PortalState(models.Model):
    """One row: what provisioning found or made in the portal."""

    reference_label_type_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The deal → contact label “Reference”, if the portal has one.",
    )
    provisioned_at = models.DateTimeField(null=True, blank=True)
    provision_report = models.JSONField(default=list, blank=True)
    last_import_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "HubSpot portal state"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="hubspot_portal_singleton")]

    def __str__(self) -> str:
        return "HubSpot portal state"


class RateLimitWindow(models.Model):
    """The shared rate-limit window when there is no Redis: call times in the last 10 s."""

    key = models.CharField(max_length=64, unique=True)
    stamps = models.JSONField(default=empty_list)
    paused_until = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return self.key
