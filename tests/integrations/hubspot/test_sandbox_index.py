"""The sandbox's unique-value index answers like the scan it replaced.

Upserts look records up by email or by our own unique company property; with 50,000 contacts a
scan per input made the benchmark measure the fake instead of the sync.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.hubspot.sandbox.errors import ApiError
from integrations.hubspot.sandbox.store import Store

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _contact(store: Store, email: str) -> str:
    values = store.check_values("contacts", {"email": email}, None)
    return store.create("contacts", values, NOW).id


def test_find_by_email_follows_changes_archive_and_purge() -> None:
    store = Store()
    first = _contact(store, "Ada@Example.com")
    assert store.find("contacts", "ada@example.com", "email").id == first  # type: ignore[union-attr]
    record = store.objects["contacts"][first]
    store.update(record, store.check_values("contacts", {"email": "ada@new.example"}, record), NOW)
    assert store.find("contacts", "ada@example.com", "email") is None
    assert store.find("contacts", "ada@new.example", "email") is record
    # The old address is free again; the new one is taken.
    second = _contact(store, "ada@example.com")
    with pytest.raises(ApiError) as taken:
        _contact(store, "ADA@new.example")
    assert taken.value.status == 409
    assert taken.value.message == f"Contact already exists. Existing ID: {first}"
    store.archive(record, NOW)
    assert store.find("contacts", "ada@new.example", "email") is None
    assert store.find("contacts", "ada@new.example", "email", archived=True) is record
    _contact(store, "ada@new.example")  # an archived record no longer holds its email
    store.purge(store.objects["contacts"][second])
    assert store.find("contacts", "ada@example.com", "email") is None


def test_index_covers_a_unique_property_created_after_records_exist() -> None:
    store = Store()
    values = store.check_values("companies", {"name": "Acme"}, None)
    acme = store.create("companies", values, NOW)
    from integrations.hubspot.sandbox.properties import PropertyDef

    store.properties["companies"]["our_id"] = PropertyDef(
        name="our_id",
        label="Our id",
        type="string",
        field_type="text",
        group_name="companyinformation",
        has_unique_value=True,
        hubspot_defined=False,
    )
    store.invalidate_indexes()
    store.update(acme, store.check_values("companies", {"our_id": "7"}, acme), NOW)
    assert store.find("companies", "7", "our_id") is acme
    store.reset()
    assert store.objects["companies"] == {}
