"""The webhook endpoint: verify, store, answer 2xx at once; a task does the work.

HubSpot retries a delivery up to 10 times and expects a quick answer, so nothing here
touches the domain (RELIABILITY.md 14–16).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.hubspot.models import WebhookDelivery
from integrations.hubspot.webhooks import (
    MAX_BODY_BYTES,
    MalformedDelivery,
    parse_delivery,
    security_log,
    verify,
)

logger = logging.getLogger(__name__)


def _public_uris(request: HttpRequest) -> list[str]:
    """The URL HubSpot called: SITE_URL (the public address behind any proxy) first, then what
    Django rebuilds from the request (which honours the configured proxy headers)."""
    candidates = [settings.SITE_URL + request.get_full_path(), request.build_absolute_uri()]
    return list(dict.fromkeys(candidates))


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.HUBSPOT_APP_SECRET
    if not secret:
        return JsonResponse({"detail": "HubSpot webhooks are not configured here."}, status=503)
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "The delivery is too large."}, status=413)
    body = request.body.decode("utf-8", "replace")
    verdict = verify(
        method=request.method or "POST",
        uris=_public_uris(request),
        body=body,
        headers=request.headers,
        secret=secret,
        now_ms=int(timezone.now().timestamp() * 1000),
    )
    if not verdict.ok:
        security_log.warning(
            "webhook_signature_refused", outcome="denied", source="hubspot", reason=verdict.reason
        )
        return JsonResponse({"detail": "Invalid signature."}, status=401)
    try:
        events = parse_delivery(body)
    except MalformedDelivery as error:
        return JsonResponse({"detail": str(error)}, status=400)
    stored = store_events(events)
    return JsonResponse({"stored": stored, "duplicates": len(events) - stored})


def store_events(events: list[dict[str, object]]) -> int:
    """Keep each event once, keyed (subscriptionId, eventId, occurredAt); returns how many
    were new. Processing is queued after the commit."""
    if not events:
        return 0
    rows = {
        (int(e["subscriptionId"]), int(e["eventId"]), int(e["occurredAt"])): e  # type: ignore[call-overload]
        for e in events
    }
    with transaction.atomic():
        known = set(
            WebhookDelivery.objects.filter(event_id__in={k[1] for k in rows}).values_list(
                "subscription_id", "event_id", "occurred_at_ms"
            )
        )
        fresh = [
            WebhookDelivery(
                subscription_id=key[0],
                event_id=key[1],
                occurred_at_ms=key[2],
                subscription_type=str(event.get("subscriptionType", ""))[:100],
                object_id=str(event.get("objectId", ""))[:64],
                payload=event,
            )
            for key, event in rows.items()
            if key not in known
        ]
        # A concurrent retry of the same delivery may insert first: the constraint decides.
        WebhookDelivery.objects.bulk_create(fresh, ignore_conflicts=True)
        if fresh:
            transaction.on_commit(_queue_processing)
    return len(fresh)


def _queue_processing() -> None:
    from integrations.hubspot.tasks import process_webhook_events

    try:
        process_webhook_events.apply_async(retry=False)
    except Exception:
        logger.warning("Webhook processing not queued; the beat schedule runs it", exc_info=True)
