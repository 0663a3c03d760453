"""The HubSpot sandbox, driven by the official hubspot-api-client 12 over real loopback HTTP.

Every test talks to a server started on a free port; nothing is mocked. A call whose 2xx status
differs from the one the client expects would come back as None, so results are checked to be
the client's model classes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hubspot
import pytest
import urllib3
from hubspot.crm import associations as assoc_pkg
from hubspot.crm import companies, contacts, deals, properties
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiPost,
    PublicDefaultAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.associations.v4.schema import PublicAssociationDefinitionCreateRequest

from integrations.hubspot.sandbox import SandboxServer

TOKEN = "pat-test-token"
REPO_ROOT = Path(__file__).resolve().parents[3]
V4 = assoc_pkg.v4
PAGE = contacts.CollectionResponseSimplePublicObjectWithAssociationsForwardPaging
SEARCH_PAGE = contacts.CollectionResponseWithTotalSimplePublicObjectForwardPaging


# ---- fixtures and helpers ------------------------------------------------------------------
@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(port=0, token=TOKEN, rate_limit=1000) as running:
        yield running


@pytest.fixture
def client(server: SandboxServer) -> Any:
    return hubspot.Client.create(access_token=TOKEN, host=server.url)


def raw(
    server: SandboxServer, method: str, path: str, body: Any = None, token: str | None = TOKEN
) -> tuple[int, dict[str, str], Any]:
    """A plain HTTP call, for what the client hides (headers, query formats, control API)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            text = response.read()
            return response.status, dict(response.headers), json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        text = err.read()
        return err.code, dict(err.headers), json.loads(text) if text else None


def upsert_contacts(client: Any, rows: list[tuple[str, dict[str, str]]]) -> Any:
    inputs = [
        contacts.SimplePublicObjectBatchInputUpsert(id=email, id_property="email", properties=props)
        for email, props in rows
    ]
    return client.crm.contacts.batch_api.upsert(
        contacts.BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
    )


def create_contacts(client: Any, count: int, prefix: str = "c") -> list[str]:
    inputs = [
        contacts.SimplePublicObjectBatchInputForCreate(
            properties={"email": f"{prefix}{i}@example.com", "firstname": f"N{i}"}
        )
        for i in range(count)
    ]
    result = client.crm.contacts.batch_api.create(
        contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    assert isinstance(result, contacts.BatchResponseSimplePublicObject)
    return [r.id for r in result.results]


def create_company(client: Any, name: str) -> str:
    result = client.crm.companies.basic_api.create(
        companies.SimplePublicObjectInputForCreate(properties={"name": name})
    )
    assert isinstance(result, companies.SimplePublicObject)
    return str(result.id)


# ---- objects ------------------------------------------------------------------------------
def test_batch_upsert_contacts_by_email_creates_then_updates(
    client: Any, server: SandboxServer
) -> None:
    first = upsert_contacts(client, [("ada@example.com", {"firstname": "Ada"})])
    assert isinstance(first, contacts.BatchResponseSimplePublicUpsertObject)
    assert first.status == "COMPLETE"
    created = first.results[0]
    assert created.new is True
    assert created.properties["email"] == "ada@example.com"
    assert isinstance(created.created_at, datetime)

    # Email lookup is case-insensitive, as in HubSpot.
    second = upsert_contacts(client, [("ADA@example.com", {"firstname": "Ada L."})])
    assert second.results[0].new is False
    assert second.results[0].id == created.id
    stored = server.objects("contacts")
    assert len(stored) == 1
    assert stored[0]["properties"]["firstname"] == "Ada L."


def test_companies_upsert_by_custom_unique_property(client: Any) -> None:
    groups = client.crm.properties.groups_api
    group = groups.create(
        "companies", properties.PropertyGroupCreate(name="champions", label="Champions")
    )
    assert isinstance(group, properties.PropertyGroup)
    core = client.crm.properties.core_api
    spec = properties.PropertyCreate(
        name="champions_account_id",
        label="Champions account id",
        type="string",
        field_type="text",
        group_name="champions",
        has_unique_value=True,
    )
    prop = core.create("companies", spec)
    assert isinstance(prop, properties.ModelProperty)
    assert prop.has_unique_value is True
    assert prop.description == "" and prop.options == []
    with pytest.raises(properties.ApiException) as dup:
        core.create("companies", spec)
    assert dup.value.status == 409
    fetched = core.get_by_name("companies", "champions_account_id")
    assert isinstance(fetched, properties.ModelProperty)
    listed = core.get_all("companies")
    assert "champions_account_id" in [p.name for p in listed.results]

    def upsert(key: str, name: str, id_property: str = "champions_account_id") -> Any:
        return client.crm.companies.batch_api.upsert(
            companies.BatchInputSimplePublicObjectBatchInputUpsert(
                inputs=[
                    companies.SimplePublicObjectBatchInputUpsert(
                        id=key, id_property=id_property, properties={"name": name}
                    )
                ]
            )
        )

    made = upsert("acct-1", "Acme")
    assert made.results[0].new is True
    again = upsert("acct-1", "Acme Inc")
    assert again.results[0].new is False and again.results[0].id == made.results[0].id
    # Domain is not unique in HubSpot: upserting by it fails the whole call.
    with pytest.raises(companies.ApiException) as bad:
        upsert("acme.com", "Acme", id_property="domain")
    assert bad.value.status == 400


def test_batch_upsert_with_invalid_enum_is_207_and_writes_valid_input(
    client: Any, server: SandboxServer
) -> None:
    result = upsert_contacts(
        client,
        [
            ("bad@example.com", {"lifecyclestage": "Customer"}),  # the label, not the value
            ("good@example.com", {"lifecyclestage": "customer"}),
            ("odd@example.com", {"favourite_colour": "blue"}),
        ],
    )
    assert isinstance(result, contacts.BatchResponseSimplePublicUpsertObjectWithErrors)
    assert result.num_errors == 2
    by_id = {e.context["ids"][0]: e for e in result.errors}
    assert by_id["bad@example.com"].category == "VALIDATION_ERROR"
    assert by_id["bad@example.com"].errors[0].code == "INVALID_OPTION"
    assert by_id["odd@example.com"].errors[0].code == "PROPERTY_DOESNT_EXIST"
    assert [r.properties["email"] for r in result.results] == ["good@example.com"]
    assert [o["properties"]["email"] for o in server.objects("contacts")] == ["good@example.com"]


def test_single_create_validation_and_duplicate_email(client: Any) -> None:
    basic = client.crm.contacts.basic_api
    made = basic.create(
        contacts.SimplePublicObjectInputForCreate(properties={"email": "dup@example.com"})
    )
    assert isinstance(made, contacts.SimplePublicObject)
    with pytest.raises(contacts.ApiException) as dup:
        basic.create(
            contacts.SimplePublicObjectInputForCreate(properties={"email": "dup@example.com"})
        )
    assert dup.value.status == 409
    body = json.loads(dup.value.body)
    assert body["message"] == f"Contact already exists. Existing ID: {made.id}"
    assert body["category"] == "CONFLICT"
    uuid.UUID(body["correlationId"])

    with pytest.raises(contacts.ApiException) as unknown:
        basic.create(contacts.SimplePublicObjectInputForCreate(properties={"nope": "x"}))
    assert unknown.value.status == 400
    body = json.loads(unknown.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    assert body["message"].startswith("Property values were not valid: [")


def test_value_rules_for_numbers_dates_and_booleans(client: Any, server: SandboxServer) -> None:
    core = client.crm.properties.core_api
    core.create(
        "deals",
        properties.PropertyCreate(
            name="go_live",
            label="Go live",
            type="date",
            field_type="date",
            group_name="dealinformation",
        ),
    )
    core.create(
        "deals",
        properties.PropertyCreate(
            name="is_reference",
            label="Reference",
            type="bool",
            field_type="booleancheckbox",
            group_name="dealinformation",
            options=[
                properties.OptionInput(label="Yes", value="true", hidden=False),
                properties.OptionInput(label="No", value="false", hidden=False),
            ],
        ),
    )
    basic = client.crm.deals.basic_api

    def create(props: dict[str, Any]) -> Any:
        return basic.create(deals.SimplePublicObjectInputForCreate(properties=props))

    midnight = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp() * 1000)
    ok = create(
        {
            "dealname": "D",
            "amount": 1200,
            "go_live": str(midnight),
            "is_reference": True,
            "dealstage": "closedwon",
        }
    )
    assert ok.properties["amount"] == "1200"
    assert ok.properties["go_live"] == "2025-03-01"
    assert ok.properties["is_reference"] == "true"
    assert server.get_object("deals", ok.id)["properties"]["hs_is_closed_won"] == "true"
    for props, code in [
        ({"go_live": str(midnight + 3_600_000)}, "INVALID_DATE"),
        ({"go_live": "01/03/2025"}, "INVALID_DATE"),
        ({"amount": "12 EUR"}, "INVALID_INTEGER"),
        ({"amount": "1.4e-14"}, "INVALID_INTEGER"),
        ({"is_reference": "yes"}, "INVALID_BOOLEAN"),
    ]:
        with pytest.raises(deals.ApiException) as err:
            create(props)
        assert err.value.status == 400
        assert json.loads(err.value.body)["errors"][0]["code"] == code
    # A non-scalar value fails the whole request as invalid JSON.
    status, _, body = raw(
        server, "POST", "/crm/v3/objects/deals", {"properties": {"dealname": {"x": 1}}}
    )
    assert status == 400 and body["category"] == "VALIDATION_ERROR"


def test_batch_limits_and_create_is_all_or_nothing(client: Any, server: SandboxServer) -> None:
    batch = client.crm.contacts.batch_api
    too_many = [
        contacts.SimplePublicObjectBatchInputForCreate(properties={"email": f"x{i}@example.com"})
        for i in range(101)
    ]
    with pytest.raises(contacts.ApiException) as err:
        batch.create(contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=too_many))
    assert err.value.status == 400
    mixed = [
        contacts.SimplePublicObjectBatchInputForCreate(properties={"email": "a@example.com"}),
        contacts.SimplePublicObjectBatchInputForCreate(properties={"nope": "x"}),
    ]
    with pytest.raises(contacts.ApiException):
        batch.create(contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=mixed))
    assert server.objects("contacts") == []
    # With a unique objectWriteTraceId per input, HubSpot reports per input instead.
    for i, item in enumerate(mixed):
        item.object_write_trace_id = f"trace-{i}"
    result = batch.create(contacts.BatchInputSimplePublicObjectBatchInputForCreate(inputs=mixed))
    assert isinstance(result, contacts.BatchResponseSimplePublicObjectWithErrors)
    assert result.errors[0].context == {"objectWriteTraceId": ["trace-1"]}
    assert len(server.objects("contacts")) == 1


def test_list_paging_across_three_pages(client: Any, server: SandboxServer) -> None:
    ids = create_contacts(client, 7)
    basic = client.crm.contacts.basic_api
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = basic.get_page(limit=3, after=after, properties=["email", "firstname"])
        assert isinstance(page, PAGE)
        pages += 1
        seen += [r.id for r in page.results]
        assert set(page.results[0].properties) >= {"email", "firstname", "hs_object_id"}
        if page.paging is None:
            break
        after = page.paging.next.after
    assert pages == 3 and seen == ids
    # Comma-separated properties work too (HubSpot's docs show that form).
    status, headers, body = raw(
        server, "GET", "/crm/v3/objects/contacts?limit=2&properties=email,firstname"
    )
    assert status == 200 and body["results"][0]["properties"]["firstname"] == "N0"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"


def test_search_filters_on_hs_lastmodifieddate(client: Any) -> None:
    ids = create_contacts(client, 3)
    batch = client.crm.contacts.batch_api
    read = batch.read(
        contacts.BatchReadInputSimplePublicObjectId(
            inputs=[contacts.SimplePublicObjectId(id=ids[0])],
            properties=["hs_lastmodifieddate"],
            properties_with_history=[],
        )
    )
    assert isinstance(read, contacts.BatchResponseSimplePublicObject)
    cut = read.results[0].properties["hs_lastmodifieddate"]
    updated = batch.update(
        contacts.BatchInputSimplePublicObjectBatchInput(
            inputs=[
                contacts.SimplePublicObjectBatchInput(id=ids[1], properties={"jobtitle": "CTO"})
            ]
        )
    )
    assert isinstance(updated, contacts.BatchResponseSimplePublicObject)
    epoch = str(int(datetime.fromisoformat(cut).timestamp() * 1000))

    search = client.crm.contacts.search_api
    for value in (cut, epoch):  # ISO-8601 or epoch ms, both accepted
        found = search.do_search(
            contacts.PublicObjectSearchRequest(
                filter_groups=[
                    {
                        "filters": [
                            {
                                "propertyName": "hs_lastmodifieddate",
                                "operator": "GT",
                                "value": value,
                            }
                        ]
                    }
                ],
                properties=["jobtitle"],
                limit=10,
            )
        )
        assert isinstance(found, SEARCH_PAGE)
        assert found.total == 1 and found.results[0].id == ids[1]
        assert found.results[0].properties["jobtitle"] == "CTO"

    everyone = search.do_search(
        contacts.PublicObjectSearchRequest(
            filter_groups=[{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}],
            sorts=[{"propertyName": "firstname", "direction": "DESCENDING"}],
            limit=2,
        )
    )
    assert everyone.total == 3 and everyone.paging.next.after == "2"
    assert [r.properties["firstname"] for r in everyone.results] == ["N2", "N1"]
    with pytest.raises(contacts.ApiException) as err:
        search.do_search(contacts.PublicObjectSearchRequest(limit=201))
    assert err.value.status == 400


def test_gdpr_delete_removes_the_contact(client: Any, server: SandboxServer) -> None:
    upsert_contacts(client, [("gone@example.com", {"firstname": "Gone"})])
    basic = client.crm.contacts.basic_api
    assert (
        basic.purge(
            contacts.PublicGdprDeleteInput(object_id="gone@example.com", id_property="email")
        )
        is None
    )
    assert server.calls(path_prefix="/crm/v3/objects/contacts/gdpr-delete")[0]["status"] == 204
    assert server.objects("contacts") == [] and server.objects("contacts", archived=True) == []
    with pytest.raises(contacts.ApiException) as err:
        basic.get_by_id("gone@example.com", id_property="email")
    assert err.value.status == 404


def test_associations_default_labelled_and_labels(client: Any, server: SandboxServer) -> None:
    contact_id = create_contacts(client, 1)[0]
    company_id = create_company(client, "Acme")
    basic = client.crm.associations.v4.basic_api

    default = basic.create_default("contacts", contact_id, "companies", company_id)
    assert isinstance(default, V4.BatchResponsePublicDefaultAssociation)
    assert default.results[0].association_spec.association_type_id == 279

    definitions = client.crm.associations.v4.schema.definitions_api
    made = definitions.create(
        "contacts",
        "companies",
        PublicAssociationDefinitionCreateRequest(
            name="reference", label="Reference", inverse_label="Referenced by"
        ),
    )
    assert made is not None and made.results[0].label == "Reference"
    type_id = made.results[0].type_id
    listed = definitions.get_all("contacts", "companies")
    assert {(t.category, t.type_id) for t in listed.results} >= {
        ("HUBSPOT_DEFINED", 279),
        ("USER_DEFINED", type_id),
    }

    labelled = basic.create(
        "contacts",
        contact_id,
        "companies",
        company_id,
        [AssociationSpec(association_category="USER_DEFINED", association_type_id=type_id)],
    )
    assert isinstance(labelled, V4.LabelsBetweenObjectPair)
    assert labelled.labels == ["Reference"] and labelled.from_object_type_id == "0-1"

    read = client.crm.associations.v4.batch_api.get_page(
        "companies",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=company_id)]
        ),
    )
    assert isinstance(read, V4.BatchResponsePublicAssociationMultiWithLabel)
    kinds = {(t.type_id, t.label) for t in read.results[0].to[0].association_types}
    assert kinds == {(280, None), (type_id + 1, "Referenced by")}  # the inverse direction

    # v3 read with associations shows the link as well.
    got = client.crm.contacts.basic_api.get_by_id(contact_id, associations=["companies"])
    assert {r.id for r in got.associations["companies"].results} == {company_id}


def test_association_batches(client: Any) -> None:
    contact_ids = create_contacts(client, 2)
    deal = client.crm.deals.basic_api.create(
        deals.SimplePublicObjectInputForCreate(properties={"dealname": "Big"})
    )
    batch = client.crm.associations.v4.batch_api
    created = batch.create(
        "deals",
        "contacts",
        BatchInputPublicAssociationMultiPost(
            inputs=[
                PublicAssociationMultiPost(
                    _from={"id": deal.id},
                    to={"id": contact_ids[0]},
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=3
                        )
                    ],
                )
            ]
        ),
    )
    assert isinstance(created, V4.BatchResponseLabelsBetweenObjectPair)
    pairs = [PublicDefaultAssociationMultiPost(_from={"id": deal.id}, to={"id": contact_ids[1]})]
    defaulted = batch.create_default(
        "deals", "contacts", BatchInputPublicDefaultAssociationMultiPost(inputs=pairs)
    )
    assert isinstance(defaulted, V4.BatchResponsePublicDefaultAssociation)
    read = batch.get_page(
        "deals",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[
                PublicFetchAssociationsBatchRequest(id=deal.id),
                PublicFetchAssociationsBatchRequest(id="999999"),
            ]
        ),
    )
    assert isinstance(read, V4.BatchResponsePublicAssociationMultiWithLabelWithErrors)
    assert sorted(t.to_object_id for t in read.results[0].to) == sorted(contact_ids)
    assert read.errors[0].sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"


# ---- auth, limits, faults -----------------------------------------------------------------
def test_wrong_token_is_401(server: SandboxServer) -> None:
    bad = hubspot.Client.create(access_token="wrong", host=server.url)
    with pytest.raises(contacts.ApiException) as err:
        bad.crm.contacts.basic_api.get_page()
    assert err.value.status == 401
    body = json.loads(err.value.body)
    assert body["category"] == "INVALID_AUTHENTICATION" and body["status"] == "error"
    status, _, _ = raw(server, "GET", "/crm/v3/objects/contacts", token=None)
    assert status == 401
    assert [c["status"] for c in server.calls()] == [401, 401]


def test_rate_limit_429_with_headers() -> None:
    with SandboxServer(token=TOKEN, rate_limit=3) as server:
        client = hubspot.Client.create(access_token=TOKEN, host=server.url)
        for left in ("2", "1", "0"):
            status, headers, _ = raw(server, "GET", "/crm/v3/objects/contacts")
            assert status == 200 and headers["X-HubSpot-RateLimit-Remaining"] == left
        with pytest.raises(contacts.ApiException) as err:
            client.crm.contacts.basic_api.get_page()
        assert err.value.status == 429
        headers = err.value.headers
        assert headers["X-HubSpot-RateLimit-Max"] == "3"
        assert headers["X-HubSpot-RateLimit-Remaining"] == "0"
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert int(headers["X-HubSpot-RateLimit-Daily-Remaining"]) < int(
            headers["X-HubSpot-RateLimit-Daily"]
        )
        body = json.loads(err.value.body)
        assert body["errorType"] == "RATE_LIMIT"
        assert body["policyName"] == "TEN_SECONDLY_ROLLING"
        assert body["message"] == "You have reached your ten_secondly_rolling limit."
        uuid.UUID(body["correlationId"])
        # Control endpoints are neither limited nor counted.
        assert raw(server, "GET", "/_sandbox/state", token=None)[0] == 200
        assert server.state["rateLimit"]["remaining"] == 0
        # The limit can change at run time.
        server.set_faults(rate_limit=10)
        assert client.crm.contacts.basic_api.get_page() is not None


def test_scripted_503_then_success(client: Any, server: SandboxServer) -> None:
    server.script(503)
    basic = client.crm.contacts.basic_api
    with pytest.raises(contacts.ApiException) as err:
        basic.get_page()
    assert err.value.status == 503
    assert json.loads(err.value.body)["status"] == "error"
    assert basic.get_page() is not None

    # The same over HTTP: the next two searches get 429, then the normal answer.
    status, _, _ = raw(
        server,
        "POST",
        "/_sandbox/faults",
        {"script": [{"status": 429, "times": 2, "path_prefix": "/crm/v3/objects/contacts/search"}]},
    )
    assert status == 200
    request = contacts.PublicObjectSearchRequest(limit=1)
    for _ in range(2):
        with pytest.raises(contacts.ApiException) as limited:
            client.crm.contacts.search_api.do_search(request)
        assert limited.value.status == 429
        assert limited.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert client.crm.contacts.search_api.do_search(request).total == 0


def test_fail_rate_is_deterministic_for_a_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with SandboxServer(token=TOKEN, fail_rate=0.5, seed=seed) as server:
            return [raw(server, "GET", "/crm/v3/objects/deals")[0] for _ in range(12)]

    first = statuses(7)
    assert first == statuses(7)
    assert set(first) - {200} <= {500, 502, 503} and 200 in first and len(set(first)) > 1


def test_latency_and_timeouts(client: Any, server: SandboxServer) -> None:
    server.set_faults(latency_ms=150)
    started = time.monotonic()
    assert client.crm.contacts.basic_api.get_page() is not None
    assert time.monotonic() - started >= 0.15
    server.set_faults(latency_ms=0)

    server.script(hang_seconds=3)  # answers normally, but only after 3 s
    batch_read = contacts.BatchReadInputSimplePublicObjectId(
        inputs=[contacts.SimplePublicObjectId(id="1")], properties=[], properties_with_history=[]
    )
    started = time.monotonic()
    with pytest.raises((urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.MaxRetryError)):
        client.crm.contacts.batch_api.read(batch_read, _request_timeout=(1, 0.5))
    assert time.monotonic() - started < 2

    server.set_faults(timeout_rate=1.0, hang_seconds=3)
    with pytest.raises((urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.MaxRetryError)):
        client.crm.contacts.batch_api.read(batch_read, _request_timeout=(1, 0.5))
    server.set_faults(timeout_rate=0.0)
    assert client.crm.contacts.basic_api.get_page(_request_timeout=(1, 2)) is not None


# ---- observability and lifecycle ----------------------------------------------------------
def test_request_log_and_control_endpoints(client: Any, server: SandboxServer) -> None:
    upsert_contacts(client, [("log@example.com", {"firstname": "Log"})])
    client.crm.contacts.basic_api.get_by_id("log@example.com", id_property="email")
    client.crm.contacts.search_api.do_search(contacts.PublicObjectSearchRequest(limit=1))

    writes = server.write_calls()
    assert [(c["method"], c["path"]) for c in writes] == [
        ("POST", "/crm/v3/objects/contacts/batch/upsert")
    ]
    assert writes[0]["body"]["inputs"][0]["idProperty"] == "email"
    assert writes[0]["status"] == 200
    gets = server.calls(method="GET")
    # Path ids arrive percent-encoded and are logged as sent.
    assert gets[0]["path"] == "/crm/v3/objects/contacts/log%40example.com"
    assert gets[0]["query"] == {"idProperty": ["email"]}

    status, _, state = raw(server, "GET", "/_sandbox/state", token=None)
    assert status == 200
    assert [o["properties"]["email"] for o in state["objects"]["contacts"]] == ["log@example.com"]
    assert state["requestCount"] == 3
    status, _, log = raw(server, "GET", "/_sandbox/requests?method=POST", token=None)
    assert len(log["results"]) == 2
    status, _, faults = raw(server, "POST", "/_sandbox/faults", {"latency_ms": 5}, token=None)
    assert status == 200 and faults["latency_ms"] == 5
    assert raw(server, "POST", "/_sandbox/faults", {"bogus": 1}, token=None)[0] == 400
    # A bad value changes nothing, not even the valid keys sent with it.
    bad = {"latency_ms": 9, "fail_rate": 2.0}
    assert raw(server, "POST", "/_sandbox/faults", bad, token=None)[0] == 400
    assert server.describe_faults()["latency_ms"] == 5
    assert raw(server, "POST", "/_sandbox/reset", {}, token=None)[0] == 200
    assert server.objects("contacts") == [] and server.calls() == []
    assert server.describe_faults()["latency_ms"] == 0


def test_concurrent_writes_are_consistent(server: SandboxServer) -> None:
    def work(worker: int) -> list[str]:
        client = hubspot.Client.create(access_token=TOKEN, host=server.url)
        return create_contacts(client, 10, prefix=f"w{worker}-")

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for batch in pool.map(work, range(8)) for i in batch]
    assert len(ids) == len(set(ids)) == 80
    assert len(server.objects("contacts")) == 80
    assert len(server.write_calls()) == 8


def test_every_endpoint_family_returns_the_expected_model(
    client: Any, server: SandboxServer
) -> None:
    """Guards the exact success statuses: a different 2xx would deserialize to None."""
    crm = client.crm
    ids = create_contacts(client, 2)
    checks: list[tuple[Any, type]] = [
        (
            crm.contacts.basic_api.create(
                contacts.SimplePublicObjectInputForCreate(properties={"email": "one@example.com"})
            ),
            contacts.SimplePublicObject,
        ),
        (crm.contacts.basic_api.get_by_id(ids[0]), contacts.SimplePublicObjectWithAssociations),
        (
            crm.contacts.basic_api.update(
                ids[0], contacts.SimplePublicObjectInput(properties={"lastname": "L"})
            ),
            contacts.SimplePublicObject,
        ),
        (
            crm.contacts.batch_api.update(
                contacts.BatchInputSimplePublicObjectBatchInput(
                    inputs=[
                        contacts.SimplePublicObjectBatchInput(
                            id=ids[1], properties={"lastname": "M"}
                        )
                    ]
                )
            ),
            contacts.BatchResponseSimplePublicObject,
        ),
        (
            crm.contacts.batch_api.read(
                contacts.BatchReadInputSimplePublicObjectId(
                    inputs=[contacts.SimplePublicObjectId(id=i) for i in ids],
                    properties=["lastname"],
                    properties_with_history=[],
                )
            ),
            contacts.BatchResponseSimplePublicObject,
        ),
        (crm.contacts.basic_api.get_page(), PAGE),
        (crm.contacts.search_api.do_search(contacts.PublicObjectSearchRequest()), SEARCH_PAGE),
        (
            crm.properties.groups_api.get_all("deals"),
            properties.CollectionResponsePropertyGroupNoPaging,
        ),
        (crm.properties.core_api.get_by_name("contacts", "email"), properties.ModelProperty),
    ]
    for result, model in checks:
        assert isinstance(result, model), (result, model)
    assert (
        crm.contacts.batch_api.archive(
            contacts.BatchInputSimplePublicObjectId(
                inputs=[contacts.SimplePublicObjectId(id=ids[1])]
            )
        )
        is None
    )
    assert crm.contacts.basic_api.archive(ids[0]) is None
    assert [c["status"] for c in server.calls(method="DELETE")] == [204]
    assert server.calls(path_prefix="/crm/v3/objects/contacts/batch/archive")[0]["status"] == 204
    assert len(server.objects("contacts", archived=True)) == 2


def test_module_entry_point_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "integrations.hubspot.sandbox", "--port", "0", "--token", "t"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split(" on ")[1].split(" ")[0]
        with urllib.request.urlopen(f"{url}/_sandbox/state", timeout=5) as response:  # noqa: S310
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
