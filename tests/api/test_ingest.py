"""POST /api/v1/activities/bulk/: per-item verdicts, idempotency, activity_record's rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from champions.models import Activity, ActivityLevel, ActivitySource, Champion, ChampionState, User
from tests.api.conftest import error_fields
from tests.factories import ChampionFactory, GuildFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities/bulk/"


def item(n: int, champion: Champion, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": f"evt-{n}",
        "champion_id": champion.pk,
        "kind": "answered_question",
        "occurred_at": "2026-01-05T10:00:00Z",
        **extra,
    }


def test_a_thousand_items_are_accepted_in_a_fixed_number_of_queries(
    clients: dict[str, APIClient],
) -> None:
    champions = ChampionFactory.create_batch(5)
    guild = GuildFactory()
    items = [item(n, champions[n % 5], guild_id=guild.pk) for n in range(1000)]
    items[1]["champion_id"] = None
    items[1]["champion_email"] = champions[1].email.upper()
    with CaptureQueriesContext(connection) as queries:
        response = clients["service"].post(URL, {"items": items}, format="json")
    assert response.status_code == 200, response.content[:500]
    # Token, its last use, champions, guilds, known keys; then the INSERT (one on PostgreSQL,
    # batches of SQLite's variable limit there).
    reads = [q["sql"] for q in queries.captured_queries if "INSERT" not in q["sql"]]
    assert len([sql for sql in reads if "SAVEPOINT" not in sql]) <= 5, reads
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1000, 0, 0)
    assert Activity.objects.filter(source=ActivitySource.API).count() == 1000
    row = Activity.objects.get(metadata__external_id="evt-1")
    assert row.champion == champions[1]
    assert row.level == ActivityLevel.CONTRIBUTOR
    assert row.guild == guild


def test_1001_items_are_refused_naming_the_field(clients: dict[str, APIClient]) -> None:
    champion = ChampionFactory()
    items = [item(n, champion) for n in range(1001)]
    response = clients["service"].post(URL, {"items": items}, format="json")
    assert response.status_code == 400
    assert "items" in error_fields(response)
    assert "1000" in error_fields(response)["items"][0]
    assert not Activity.objects.exists()


def test_duplicates_are_reported_and_written_once(
    clients: dict[str, APIClient], users: dict[str, User]
) -> None:
    champion = ChampionFactory()
    items = [item(1, champion), item(2, champion), item(1, champion)]
    first = clients["service"].post(URL, {"items": items}, format="json").json()
    assert [r["status"] for r in first["results"]] == ["accepted", "accepted", "duplicate"]
    again = clients["service"].post(URL, {"items": items[:2]}, format="json").json()
    assert again["duplicates"] == 2
    assert Activity.objects.count() == 2
    key = Activity.objects.get(metadata__external_id="evt-1").idempotency_key
    assert key == f"api:{users['service'].pk}:evt-1"


def test_a_bad_item_is_named_by_index_and_field_without_blocking_the_good(
    clients: dict[str, APIClient],
) -> None:
    champion = ChampionFactory()
    items = [
        item(0, champion),
        item(1, champion, kind="levitated"),
        item(2, champion, occurred_at="yesterday"),
        item(3, champion, champion_id=999_999),
        "not an object",
        item(5, champion, level=4, source="admin"),
        item(6, champion, champion_email="a@b.example"),
        item(7, champion, guild_id=424242),
        item(8, champion, occurred_at="2026-01-05T10:00:00"),
        {**item(9, champion), "external_id": ""},
        item(10, champion, champion_id="12"),
        item(11, champion, occurred_at=(timezone.now() + timedelta(days=2)).isoformat()),
        item(12, champion),
    ]
    response = clients["service"].post(URL, {"items": items}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    expected_fields = {
        1: "kind",
        2: "occurred_at",
        3: "champion_id",
        5: "level",
        6: "champion_id",
        7: "guild_id",
        8: "occurred_at",
        9: "external_id",
        10: "champion_id",
        11: "occurred_at",
    }
    for index, field in expected_fields.items():
        assert results[index]["status"] == "rejected", results[index]
        assert field in results[index]["errors"], results[index]
    assert results[4]["status"] == "rejected"
    assert results[0]["status"] == results[12]["status"] == "accepted"
    assert Activity.objects.count() == 2
    assert not Activity.objects.filter(level=4).exists()


def test_dormant_champions_who_contributed_become_active(clients: dict[str, APIClient]) -> None:
    went_dormant = timezone.now() - timedelta(days=10)
    dormant = ChampionFactory(state=ChampionState.DORMANT, state_changed_at=went_dormant)
    only_looked = ChampionFactory(state=ChampionState.DORMANT, state_changed_at=went_dormant)
    before_dormancy = ChampionFactory(state=ChampionState.DORMANT, state_changed_at=went_dormant)
    at = timezone.now() - timedelta(days=1)
    items = [
        item(1, dormant, occurred_at=at.isoformat()),
        item(2, dormant, occurred_at=(at + timedelta(hours=1)).isoformat()),
        item(3, only_looked, kind="login", occurred_at=at.isoformat()),
        item(4, before_dormancy, occurred_at=(went_dormant - timedelta(days=1)).isoformat()),
    ]
    assert clients["service"].post(URL, {"items": items}, format="json").json()["accepted"] == 4
    dormant.refresh_from_db()
    only_looked.refresh_from_db()
    before_dormancy.refresh_from_db()
    assert dormant.state == ChampionState.ACTIVE
    assert dormant.state_changed_at == at.replace(microsecond=dormant.state_changed_at.microsecond)
    assert only_looked.state == ChampionState.DORMANT
    assert before_dormancy.state == ChampionState.DORMANT


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "items"),
        ({"items": []}, "items"),
        ({"items": "all of them"}, "items"),
        ({"items": {"0": {}}}, "items"),
        ([], "non_field_errors"),
    ],
)
def test_a_bad_envelope_is_a_400_naming_the_field(
    clients: dict[str, APIClient], body: Any, field: str
) -> None:
    response = clients["service"].post(URL, body, format="json")
    assert response.status_code == 400
    fields = error_fields(response)
    assert field in fields or response.json()["error"]["message"], fields
