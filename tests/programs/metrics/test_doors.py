"""The command and the API: the same JSON, clear refusals, every registry key in both."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from champions.models import ActivityKind
from programs.metrics import registry
from programs.playbooks.metric_keys import METRIC_KEYS, PER_ACCOUNT
from tests.factories import StaffFactory
from tests.programs.metrics.build import act, answer, champion, guild, march, question

pytestmark = pytest.mark.django_db
WINDOW = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
SHARED_METRICS = Path(__file__).resolve().parents[4] / "shared" / "METRICS.md"


@pytest.fixture
def api() -> APIClient:
    cache.clear()  # throttle counters
    client = APIClient()
    client.force_authenticate(StaffFactory())
    return client


@pytest.fixture
def program() -> int:
    g = guild()
    asker, peer = champion(guilds=(g,)), champion()
    answer(question(asker, march(2), guild_=g), peer, march(2, 5), accepted=march(3))
    act(asker, ActivityKind.ASKED_QUESTION, march(2), guild=g)
    act(peer, ActivityKind.ANSWERED_QUESTION, march(2, 5), guild=g)
    return int(g.pk)


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


def test_the_registry_has_exactly_the_keys_of_metrics_md() -> None:
    program_keys = [key for key in METRIC_KEYS if key not in PER_ACCOUNT]
    assert list(registry.KEYS) == program_keys
    if SHARED_METRICS.exists():  # the shared contract, when the checkout sits beside it
        text = SHARED_METRICS.read_text()
        for key in registry.KEYS:
            assert f"`{key}`" in text, key


def test_command_json_and_api_agree(api: APIClient, program: int) -> None:
    for filters in ({}, {"guild": program}):
        response = api.get("/api/v1/metrics/", {**WINDOW, **filters})
        assert response.status_code == 200
        args = ["--from", WINDOW["from"], "--to", WINDOW["to"], "--json"]
        if filters:
            args += ["--guild", str(program)]
        printed = json.loads(run_command(*args))
        assert printed == response.json()
        assert list(printed["metrics"]) == list(registry.KEYS)
    assert printed["metrics"]["time_to_first_answer_hours"] == pytest.approx(5.0)
    assert printed["metrics"]["helpful_answer_share"] is None  # the peer is not a member


def test_command_table_names_every_metric(program: int) -> None:
    table = run_command("--from", "2026-03-01", "--to", "2026-04-01")
    for metric in registry.METRICS:
        assert f"({metric.key})" in table
    assert "Time to first answer" in table and "5.0 h" in table


def test_command_key_selects_metrics(program: int) -> None:
    printed = json.loads(
        run_command(
            "--from", "2026-03-01", "--to", "2026-04-01", "--json", "--key", "helpful_answer_share"
        )
    )
    assert printed["metrics"] == {"helpful_answer_share": 1.0}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-04-01", "--to", "2026-03-01"], "empty or inverted"),
        (["--from", "2026-03-01", "--to", "2026-03-01"], "empty or inverted"),
        (["--guild", "999999"], "no guild with id 999999"),
        (["--account", "999999"], "no account with id 999999"),
        (["--industry", "mining"], "not an industry"),
        (["--key", "activation"], "not a metric key"),
        (["--from", "last week"], "not a date"),
        (["--from", "1900-01-01", "--to", "1900-02-01"], "must lie between"),
    ],
)
def test_command_refuses_bad_input_with_a_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run_command(*args)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "from"),
        ({"guild": 999999}, "guild"),
        ({"industry": "mining"}, "industry"),
        ({"key": "activation_rate"}, "key"),  # the API always answers every key
        ({"from": "1900-01-01", "to": "1900-02-01"}, "from"),
    ],
)
def test_api_refuses_bad_input_with_400(api: APIClient, query: dict[str, Any], field: str) -> None:
    response = api.get("/api/v1/metrics/", query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
