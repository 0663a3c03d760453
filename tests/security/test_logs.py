"""RELIABILITY.md item 27: failed logins, denied access and signature failures are logged with
the user, the address and the request id, and no line of a whole run holds a password, a token,
a secret, an email in clear or a quote's text.

The run goes through what a day brings: a failed and a successful login, a join link, API use
with a personal token (and a peek at someone else's request), a forged and a genuine HubSpot
webhook, and a published story with a quote read by sales. Its log lines are captured as
production writes them (JSON) and grepped.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from config.logs import formatter
from programs.references import services as reference_services
from tests.api.conftest import bearer, in_group, make_token
from tests.factories import ChampionFactory, UserFactory
from tests.integrations.hubspot.test_webhooks import SECRET, event, now_ms, v3
from tests.programs.references.factories import grant, make_story, publish

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"  # tests.factories.UserFactory
QUOTE = "Month-end closes in two days instead of nine."
JOIN_TOKEN = "Zq8xJoinTokenNeverLogged"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log line of the test, rendered as production renders it."""
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(formatter(json=True))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def events(lines: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines.getvalue().splitlines() if line.strip()]


def one(logged: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [line for line in logged if line["event"] == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def test_item_27_security_events_carry_who_and_where_and_no_line_leaks_a_secret(
    captured: io.StringIO, settings: Any
) -> None:
    settings.HUBSPOT_APP_SECRET = SECRET
    settings.SITE_URL = "http://testserver"
    ada = ChampionFactory(email="ada.lovelace@acme.example", full_name="Ada Lovelace")
    EmailAddress.objects.create(user=ada.user, email=ada.email, verified=True, primary=True)
    grant(ada)
    story = make_story([ada])
    reference_services.story_set_quotes(
        story=story, quotes=[reference_services.QuoteInput(ada, QUOTE)], actor=None
    )
    publish(story)
    seller = in_group(UserFactory(email="sam.seller@example.com"), "Sales")
    token = make_token(seller)

    browser = Client(REMOTE_ADDR="203.0.113.5")
    browser.post("/accounts/login/", {"login": ada.email, "password": "Wrong-guess-1"})
    browser.post("/accounts/login/", {"login": ada.email, "password": PASSWORD})
    browser.get(f"/portal/join/{JOIN_TOKEN}/?next=/portal/")
    api = bearer(token)
    assert api.get(f"/api/v1/stories/{story.pk}/").status_code == 200
    assert QUOTE in api.get(f"/api/v1/stories/{story.pk}/").content.decode()
    assert api.get("/api/v1/reference-requests/999999/").status_code == 404
    body = json.dumps([event()])
    stamp = now_ms()
    webhook = Client(REMOTE_ADDR="198.51.100.23")
    forged = webhook.post(
        "/integrations/hubspot/webhooks",
        data=body,
        content_type="application/json",
        headers={"X-HubSpot-Signature-v3": "forged==", "X-HubSpot-Request-Timestamp": str(stamp)},
    )
    genuine = webhook.post(
        "/integrations/hubspot/webhooks",
        data=body,
        content_type="application/json",
        headers={
            "X-HubSpot-Signature-v3": v3(body, stamp),
            "X-HubSpot-Request-Timestamp": str(stamp),
        },
    )
    assert (forged.status_code, genuine.status_code) == (401, 200)
    quoted_by_support = forged["X-Request-ID"]

    logged = events(captured)
    failed = one(logged, "login_failed")
    assert failed["ip"] == "203.0.113.5" and failed["request_id"] and failed["outcome"] == "denied"
    assert len(failed["account"]) == 12  # the email as a pseudonym
    succeeded = one(logged, "login_succeeded")
    assert succeeded["user_id"] == ada.user.pk and succeeded["ip"] == "203.0.113.5"
    denied = one(logged, "access_denied")
    assert (denied["user_id"], denied["status"]) == (seller.pk, 404)
    assert denied["request_id"] != failed["request_id"]
    refused = one(logged, "webhook_signature_refused")
    assert refused["ip"] == "198.51.100.23"
    assert refused["request_id"] == quoted_by_support  # the response names its log lines
    finished = [line for line in logged if line["event"] == "request_finished"]
    assert {line["outcome"] for line in finished} >= {"ok", "denied"}
    assert all(line["level"] for line in logged)

    text = captured.getvalue()
    for secret in (
        PASSWORD,
        "Wrong-guess-1",
        token,
        token[4:],
        SECRET,
        "forged==",
        JOIN_TOKEN,
        ada.email,
        "ada.lovelace",
        seller.email,
        QUOTE,
        "two days instead",
        settings.SECRET_KEY,
        browser.cookies[settings.SESSION_COOKIE_NAME].value,
    ):
        assert secret not in text, f"{secret!r} is in the logs"


def test_development_lines_are_readable_and_scrubbed_the_same_way() -> None:
    record = logging.LogRecord(
        "security.auth",
        logging.WARNING,
        __file__,
        1,
        "failed login for %s",
        ("ada@acme.example",),
        None,
    )

    line = formatter(json=False).format(record)

    assert line.endswith("failed login for ***@acme.example [security.auth]")
    assert not line.startswith("{")
