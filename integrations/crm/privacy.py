"""The CRM's part in a champion's privacy rights (RELIABILITY.md 25, 26), registered with
`champions.privacy` from `CrmConfig.ready()`.

- Erasure: the CRM contact is removed (GDPR delete) through the outbox, so a CRM outage delays
  it but never loses it; the hook runs before the champion is masked and keeps what it needs.
- Download: what the CRM holds about the person — per champion record, the CRM id, when it was
  last sent, and the exact properties the sync sends.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from django.utils import timezone

from champions.models import Champion, User
from integrations.crm.gateway import crm_gateway
from integrations.crm.mapping import load_records
from integrations.crm.models import ObjectType, OutboxEntry
from integrations.crm.ports import ContactRecord
from integrations.crm.services import crm_erase_contact


def erase_contact_hook(champion: Champion, actor: User | None) -> None:
    crm_erase_contact(champion.pk)


def export_crm_data(champions: list[Champion]) -> list[dict[str, Any]]:
    ids = [c.pk for c in champions]
    entries = {
        e.object_id: e
        for e in OutboxEntry.objects.filter(object_type=ObjectType.CONTACT, object_id__in=ids)
    }
    records = load_records(ObjectType.CONTACT, ids, at=timezone.now())
    gateway = crm_gateway()
    out = []
    for champion in champions:
        entry, record = entries.get(champion.pk), records[champion.pk]
        sent: dict[str, Any] | None = None
        if isinstance(record, ContactRecord):
            sent = dict(gateway.payload(record)) if gateway is not None else _plain(record)
        out.append(
            {
                "champion_id": champion.pk,
                "crm": gateway.name if gateway is not None else None,
                "crm_id": champion.crm_id or (entry.crm_id if entry else ""),
                "status": entry.status if entry else "never sent",
                "last_sent_at": entry.sent_at.isoformat() if entry and entry.sent_at else None,
                "properties": sent,
            }
        )
    return out


def _plain(record: ContactRecord) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in dataclasses.asdict(record).items()
    }
