"""Celery tasks of the HubSpot adapter: processing stored webhook events."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from integrations.crm.inbound import apply_event
from integrations.hubspot.models import WebhookDelivery
from integrations.hubspot.webhooks import to_event

logger = logging.getLogger(__name__)

BATCH = 500


@shared_task(ignore_result=True)
def process_webhook_events() -> int:
    """Apply stored events oldest first. Each is claimed, applied and marked in one
    transaction (`select_for_update(skip_locked)`), so two workers never apply the same event
    and a worker that dies mid-way leaves it for the next run. Returns how many were done."""
    done = 0
    pending = (
        WebhookDelivery.objects.filter(processed_at__isnull=True)
        .order_by("occurred_at_ms", "id")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in list(pending):
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, processed_at__isnull=True)
                .first()
            )
            if delivery is None:
                continue
            event = to_event(delivery.payload)
            try:
                with transaction.atomic():
                    outcome = apply_event(event) if event else "ignored: not a change we use"
            except Exception as error:
                logger.exception("HubSpot webhook event %s failed", delivery.pk)
                outcome = f"failed: {error.__class__.__name__}: {error}"
            delivery.processed_at = timezone.now()
            delivery.outcome = outcome[:300]
            delivery.save(update_fields=["processed_at", "outcome"])
            done += 1
    return done
