"""The outbox: one row per local object whose CRM copy may be out of date.

A service that changes CRM-visible data calls `crm_mark_dirty` in its own transaction, so the
change and its entry commit or roll back together (RELIABILITY.md 17). The sync claims due
entries, sends what changed and records the outcome here; nothing is ever deleted, so a dead
entry stays visible in the admin until it is re-driven.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now


class ObjectType(models.TextChoices):
    CONTACT = "contact", "Contact (champion)"
    COMPANY = "company", "Company (account)"
    DEAL = "deal", "Deal"
    REFERENCE_LINK = "reference_link", "Reference link (deal ↔ contact)"
    ERASURE = "erasure", "Erasure (GDPR delete of a contact)"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped (nothing to send)"
    DEAD = "dead", "Dead (needs a re-drive)"


class OutboxEntry(models.Model):
    """The CRM state of one local object (a champion, account, deal, attribution or erasure).

    `change_token` changes with every `crm_mark_dirty`; a sync that claimed the entry marks it
    sent only if the token is still the one it read, so a change made while its batch was in
    flight is sent again. `last_hash` is the hash of the payload the CRM last accepted: the
    same payload is never sent twice.
    """

    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_id = models.PositiveBigIntegerField()
    status = models.CharField(
        max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    change_token = models.CharField(max_length=32)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed sends since the last success."
    )
    next_attempt_at = models.DateTimeField(default=now)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is sending it; others leave it alone until."
    )
    crm_id = models.CharField("CRM id", max_length=64, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    data = models.JSONField(
        default=dict,
        blank=True,
        help_text="Erasures only: how to find the contact; emptied once done.",
    )
    marked_at = models.DateTimeField(default=now, help_text="The latest local change.")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="The latest success.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = "CRM outbox entry"
        verbose_name_plural = "CRM outbox"
        ordering = ["-marked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"], name="outbox_one_per_object"
            ),
        ]
        indexes = [
            models.Index(
                fields=["object_type", "next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_due",
            ),
            models.Index(fields=["status", "marked_at"], name="outbox_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_object_type_display()} {self.object_id}: {self.status}"


class SyncState(models.Model):
    """One row: what the last sync passes did, for the admin integration page."""

    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(
        null=True, blank=True, help_text="The latest pass that sent something without an error."
    )
    last_counts = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "CRM sync state"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="crm_sync_state_singleton")]

    def __str__(self) -> str:
        return "CRM sync state"
