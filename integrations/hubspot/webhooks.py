"""Signed webhooks: check the signature, store each event once, answer at once, process later.

Signature v3 (https://developers.hubspot.com/docs/guides/apps/authentication/validating-requests):
``base64(HMAC_SHA256(app secret, method + uri + body + timestamp))`` with the timestamp (ms) in
``X-HubSpot-Request-Timestamp``; a timestamp more than 5 minutes away is refused. The library's
``Signature.is_valid`` *raises* on a stale or missing v3 timestamp and accepts future ones
(FACTS.md), so the time is checked here, both ways, and only the digest comes from the
library. Older apps sign v2 (``sha256_hex(secret + method + uri + body)``, no timestamp): still
accepted. v1 (the body alone) is not.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from hubspot.utils.signature import Signature

from integrations.crm.ports import CrmEvent
from integrations.hubspot.fields import CLOSED_LOST, CLOSED_WON

security_log = structlog.get_logger("security.hubspot")

MAX_AGE_MS = 5 * 60 * 1000
MAX_BODY_BYTES = 1024 * 1024
OBJECT_TYPES = {"0-1": "contact", "0-2": "company", "0-3": "deal"}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def verify(
    *,
    method: str,
    uris: list[str],
    body: str,
    headers: Mapping[str, str],
    secret: str,
    now_ms: int,
) -> Verdict:
    """Whether HubSpot signed this request. `uris`: the public URL(s) HubSpot may have called."""
    v3 = headers.get("X-HubSpot-Signature-v3")
    if v3:
        stamp = headers.get("X-HubSpot-Request-Timestamp", "")
        if not stamp.isdigit():
            return Verdict(False, "v3 signature without a timestamp")
        if abs(now_ms - int(stamp)) > MAX_AGE_MS:
            return Verdict(False, "stale timestamp (more than 5 minutes away)")
        for uri in uris:
            expected = Signature.get_signature(
                secret, body, "v3", http_uri=uri, http_method=method, timestamp=stamp
            )
            if hmac.compare_digest(expected, v3):
                return Verdict(True)
        return Verdict(False, "wrong v3 signature")
    v2 = headers.get("X-HubSpot-Signature")
    if v2 and headers.get("X-HubSpot-Signature-Version", "").lower() == "v2":
        for uri in uris:
            if Signature.is_valid(v2, secret, body, uri, method, signature_version="v2"):
                return Verdict(True)
        return Verdict(False, "wrong v2 signature")
    if v2:
        return Verdict(False, "unsupported signature version")
    return Verdict(False, "missing signature")


class MalformedDelivery(ValueError):
    """The body is signed but is not a list of HubSpot events; the message names the problem."""


REQUIRED_INTS = ("subscriptionId", "eventId", "occurredAt")


def parse_delivery(body: str) -> list[dict[str, Any]]:
    """The events of a delivery: a JSON array of objects with integer ids and times."""
    try:
        events = json.loads(body)
    except ValueError as error:
        raise MalformedDelivery(f"The body is not JSON: {error}.") from None
    if not isinstance(events, list):
        raise MalformedDelivery("The body must be a JSON array of events.")
    for position, event in enumerate(events):
        if not isinstance(event, dict):
            raise MalformedDelivery(f"Event {position} is not an object.")
        for name in REQUIRED_INTS:
            value = event.get(name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise MalformedDelivery(f"Event {position}: “{name}” must be an integer.")
        if not isinstance(event.get("subscriptionType", ""), str):
            raise MalformedDelivery(f"Event {position}: “subscriptionType” must be a string.")
    return events


def to_event(payload: Mapping[str, Any]) -> CrmEvent | None:
    """The change an event describes, in the port's terms; None for events we do not use.
    Event shapes: https://developers.hubspot.com/docs/guides/api/app-management/webhooks"""
    kind = str(payload.get("subscriptionType", ""))
    subject, _, action = kind.partition(".")
    if subject == "object":
        subject = OBJECT_TYPES.get(str(payload.get("objectTypeId", "")), "")
    object_id = str(payload.get("objectId", ""))
    occurred = datetime.fromtimestamp(int(payload.get("occurredAt", 0)) / 1000, tz=UTC)
    prop = payload.get("propertyName")
    value = str(payload.get("propertyValue") or "")
    if subject == "contact" and action == "propertyChange" and prop == "email":
        return CrmEvent("email_changed", object_id, occurred, value=value.strip().lower())
    if subject == "contact" and action in ("deletion", "privacyDeletion"):
        return CrmEvent("contact_deleted", object_id, occurred)
    if subject == "company" and action == "merge":
        primary = str(payload.get("newObjectId") or payload.get("primaryObjectId") or object_id)
        merged = {str(i) for i in payload.get("mergedObjectIds") or []}
        merged |= {str(payload.get("primaryObjectId") or "")}
        return CrmEvent(
            "companies_merged",
            primary,
            occurred,
            merged_ids=tuple(sorted(i for i in merged if i and i != primary)),
        )
    if subject == "deal" and action == "propertyChange" and prop == "dealstage":
        return CrmEvent(
            "deal_stage_changed",
            object_id,
            occurred,
            value=value,
            is_closed=value in (CLOSED_WON, CLOSED_LOST),
            is_won=value == CLOSED_WON,
        )
    return None
