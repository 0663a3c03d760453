"""Webhooks: v3 signatures (good, wrong, stale, missing, replayed), v2 fallback, processing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from champions.models import Champion
from integrations.crm.models import ObjectType, OutboxEntry
from integrations.hubspot.models import WebhookDelivery
from integrations.hubspot.tasks import process_webhook_events
from integrations.hubspot.webhooks import verify
from programs.references.models import Deal
from tests.factories import AccountFactory, ChampionFactory

pytestmark = pytest.mark.django_db

SECRET = "app-secret"
URL = "http://testserver/integrations/hubspot/webhooks"


def v3(body: str, timestamp: int, secret: str = SECRET, uri: str = URL) -> str:
    digest = hmac.new(secret.encode(), f"POST{uri}{body}{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def now_ms() -> int:
    return int(time.time() * 1000)


def event(event_id: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 77,
        "portalId": 123,
        "appId": 9,
        "occurredAt": 1_700_000_000_000 + event_id,
        "attemptNumber": 0,
        **fields,
    }


def deliver(
    client: Client,
    events: Any,
    *,
    stamp: int | None = None,
    signature: str | None = None,
    raw: str | None = None,
) -> Any:
    body = raw if raw is not None else json.dumps(events)
    stamp = now_ms() if stamp is None else stamp
    return client.post(
        reverse("hubspot:webhook"),
        data=body,
        content_type="application/json",
        headers={
            "X-HubSpot-Signature-v3": signature or v3(body, stamp),
            "X-HubSpot-Request-Timestamp": str(stamp),
        },
    )


@pytest.fixture
def signed(settings: Any) -> Client:
    settings.HUBSPOT_APP_SECRET = SECRET
    settings.SITE_URL = "http://testserver"
    return Client()


def test_facts_test_vector() -> None:
    body = "{'example_field':'example_value'}"
    headers = {
        "X-HubSpot-Signature-v3": "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=",
        "X-HubSpot-Request-Timestamp": "1693657560000",
    }
    args = {
        "method": "POST",
        "uris": ["https://www.example.com/webhook_uri"],
        "body": body,
        "headers": headers,
        "secret": "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
    }
    assert verify(**args, now_ms=1693657560000 + 60_000).ok
    # The same request five minutes and a second later is stale: refused, not raised.
    assert verify(**args, now_ms=1693657560000 + 301_000).reason.startswith("stale")
    assert not verify(**{**args, "body": body + " "}, now_ms=1693657560000).ok


def test_a_good_signature_stores_the_events_and_answers_at_once(
    signed: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        response = deliver(signed, [event(1, subscriptionType="contact.creation", objectId=5)])
    assert response.status_code == 200 and response.json() == {"stored": 1, "duplicates": 0}
    assert WebhookDelivery.objects.get().processed_at is None  # processed later, in a task
    assert len(queued) == 1


@pytest.mark.parametrize("case", ["wrong", "stale", "future", "missing", "other secret", "v1"])
def test_a_bad_signature_gets_401_stores_and_queues_nothing(
    signed: Client,
    case: str,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = json.dumps([event()])
    stamp = now_ms()
    headers = {"X-HubSpot-Signature-v3": v3(body, stamp), "X-HubSpot-Request-Timestamp": str(stamp)}
    if case == "wrong":
        headers["X-HubSpot-Signature-v3"] = v3(body + "x", stamp)
    elif case == "stale":
        old = stamp - 5 * 60 * 1000 - 1000
        headers = {"X-HubSpot-Signature-v3": v3(body, old), "X-HubSpot-Request-Timestamp": str(old)}
    elif case == "future":
        ahead = stamp + 6 * 60 * 1000
        headers = {
            "X-HubSpot-Signature-v3": v3(body, ahead),
            "X-HubSpot-Request-Timestamp": str(ahead),
        }
    elif case == "missing":
        headers = {}
    elif case == "other secret":
        headers["X-HubSpot-Signature-v3"] = v3(body, stamp, secret="not-ours")
    elif case == "v1":
        headers = {
            "X-HubSpot-Signature": hashlib.sha256((SECRET + body).encode()).hexdigest(),
            "X-HubSpot-Signature-Version": "v1",
        }
    with django_capture_on_commit_callbacks() as queued:
        response = signed.post(
            reverse("hubspot:webhook"), data=body, content_type="application/json", headers=headers
        )
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0 and queued == []
    assert "webhook_signature_refused" in caplog.text


def test_v2_signatures_of_older_apps_are_accepted(signed: Client) -> None:
    body = json.dumps([event()])
    signature = hashlib.sha256(f"{SECRET}POST{URL}{body}".encode()).hexdigest()
    response = signed.post(
        reverse("hubspot:webhook"),
        data=body,
        content_type="application/json",
        headers={"X-HubSpot-Signature": signature, "X-HubSpot-Signature-Version": "v2"},
    )
    assert response.status_code == 200


def test_a_replayed_delivery_is_stored_and_processed_once(signed: Client) -> None:
    champion = ChampionFactory(crm_id="501", email="old@acme.example")
    events = [
        event(
            1,
            subscriptionType="contact.propertyChange",
            objectId=501,
            propertyName="email",
            propertyValue="New@Acme.example",
        )
    ]
    assert deliver(signed, events).json() == {"stored": 1, "duplicates": 0}
    assert deliver(signed, events).json() == {"stored": 0, "duplicates": 1}
    # The same eventId at another time is another event (eventId alone is not unique).
    assert deliver(signed, [{**events[0], "occurredAt": 1_800_000_000_000}]).json()["stored"] == 1
    assert process_webhook_events() == 2
    assert process_webhook_events() == 0
    champion.refresh_from_db()
    assert champion.email == "new@acme.example"


def test_malformed_deliveries_get_400_naming_the_problem(signed: Client) -> None:
    assert deliver(signed, None, raw="not json").status_code == 400
    response = deliver(signed, [{"eventId": "x", "subscriptionId": 1, "occurredAt": 1}])
    assert response.status_code == 400 and "eventId" in response.json()["detail"]
    assert deliver(signed, {"eventId": 1}).status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_not_configured_is_503(settings: Any, client: Client) -> None:
    settings.HUBSPOT_APP_SECRET = ""
    assert (
        client.post(
            reverse("hubspot:webhook"), data="[]", content_type="application/json"
        ).status_code
        == 503
    )


def test_processing_applies_merges_stage_changes_and_deletions(signed: Client) -> None:
    kept, merged = AccountFactory(crm_id="900"), AccountFactory(crm_id="901")
    deal = Deal.objects.create(name="Big", crm_id="700")
    champion = ChampionFactory(crm_id="502")
    deliver(
        signed,
        [
            event(
                1,
                subscriptionType="company.merge",
                objectId=900,
                primaryObjectId=900,
                mergedObjectIds=[901],
                newObjectId=900,
            ),
            event(
                2,
                subscriptionType="deal.propertyChange",
                objectId=700,
                propertyName="dealstage",
                propertyValue="closedwon",
            ),
            event(3, subscriptionType="contact.deletion", objectId=502),
            event(
                4,
                subscriptionType="contact.propertyChange",
                objectId=502,
                propertyName="firstname",
                propertyValue="Ignored",
            ),
        ],
    )
    assert process_webhook_events() == 4
    kept.refresh_from_db(), merged.refresh_from_db(), deal.refresh_from_db()
    assert (kept.crm_id, merged.crm_id) == ("900", "")
    assert deal.stage == "closedwon" and deal.is_closed and deal.is_won and deal.close_date
    assert Champion.objects.get(pk=champion.pk).crm_id == ""
    assert OutboxEntry.objects.filter(object_type=ObjectType.DEAL, object_id=deal.pk).exists()
    outcomes = dict(WebhookDelivery.objects.values_list("event_id", "outcome"))
    assert outcomes[4].startswith("ignored")
