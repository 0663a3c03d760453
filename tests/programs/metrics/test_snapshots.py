"""Snapshots: the daily task and the backfill store what a live computation gives; an
erasure makes them stale and they are computed again without the erased champion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from champions.models import ActivityKind
from champions.privacy import champion_erase
from programs.metrics import registry, services
from programs.metrics.models import MetricSnapshot
from programs.metrics.scope import MetricScope
from programs.metrics.selectors import snapshot_series, snapshot_values
from programs.metrics.tasks import take_daily_snapshots
from tests.programs.metrics.build import act, answer, champion, guild, march, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> dict[str, Any]:
    g = guild()
    asker, peer = champion(guilds=(g,)), champion(guilds=(g,))
    answer(question(asker, march(2), guild_=g), peer, march(2, 6), accepted=march(3))
    act(asker, ActivityKind.ASKED_QUESTION, march(2), guild=g)
    act(peer, ActivityKind.ANSWERED_QUESTION, march(2, 6), guild=g)
    act(peer, ActivityKind.RSVP, march(20), guild=g)
    return {"guild": g, "asker": asker, "peer": peer}


def stored(start: datetime, end: datetime, guild_id: int | None = None) -> dict[str, Any]:
    values = snapshot_values(keys=registry.KEYS, windows=[(start, end)], guild_id=guild_id)
    return {key: value for (key, _, _), value in values.items()}


def test_the_windows_of_a_day() -> None:
    end = datetime(2026, 4, 1, tzinfo=UTC)
    assert services.snapshot_windows(date(2026, 3, 31)) == [
        (end - timedelta(days=30), end),
        (end - timedelta(days=90), end),
        (datetime(2026, 1, 1, tzinfo=UTC), end),  # a quarter ended that night
    ]
    assert len(services.snapshot_windows(date(2026, 3, 30))) == 2


def test_the_daily_task_stores_what_a_live_computation_gives(program: dict[str, Any]) -> None:
    take_daily_snapshots(day="2026-03-31")
    end = datetime(2026, 4, 1, tzinfo=UTC)
    for days in (30, 90):
        start = end - timedelta(days=days)
        assert stored(start, end) == registry.compute(MetricScope(start, end))
        g = program["guild"].pk
        assert stored(start, end, g) == registry.compute(MetricScope(start, end, guild_ids=(g,)))
    assert stored(datetime(2026, 1, 1, tzinfo=UTC), end)  # the quarter
    assert stored(end - timedelta(days=30), end)["time_to_first_answer_hours"] == pytest.approx(6.0)


def test_backfill_agrees_with_the_daily_task(program: dict[str, Any]) -> None:
    take_daily_snapshots(day="2026-03-20")
    daily = list(
        MetricSnapshot.objects.order_by("key", "start", "end", "guild_id").values_list(
            "key", "start", "end", "guild_id", "value"
        )
    )
    MetricSnapshot.objects.all().delete()
    out = StringIO()
    call_command("metrics_backfill", "--from", "2026-03-20", "--to", "2026-03-21", stdout=out)
    backfilled = list(
        MetricSnapshot.objects.order_by("key", "start", "end", "guild_id").values_list(
            "key", "start", "end", "guild_id", "value"
        )
    )
    assert backfilled == daily
    assert "Stored" in out.getvalue()


def test_backfill_without_guilds_and_its_refusals(program: dict[str, Any]) -> None:
    call_command(
        "metrics_backfill",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-03",
        "--no-guilds",
        stdout=StringIO(),
    )
    assert not MetricSnapshot.objects.filter(guild__isnull=False).exists()
    assert MetricSnapshot.objects.values("start", "end").distinct().count() == 4  # 2 days x 2
    with pytest.raises(CommandError, match="empty or inverted"):
        call_command("metrics_backfill", "--from", "2026-03-03", "--to", "2026-03-01")
    with pytest.raises(CommandError, match="future"):
        call_command("metrics_backfill", "--from", "2026-03-01", "--to", "2999-01-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("metrics_backfill", "--from", "soon", "--to", "2026-03-01")


def test_trend_points_are_the_stored_30_day_windows(program: dict[str, Any]) -> None:
    services.snapshots_backfill(start=date(2026, 3, 10), end=date(2026, 3, 13), per_guild=False)
    ends = [datetime(2026, 3, day, tzinfo=UTC) for day in (11, 12, 13, 14)]
    series = snapshot_series(
        keys=["time_to_first_answer_hours"], length_days=30, ends=ends, guild_id=None
    )
    assert [end for end, _ in series["time_to_first_answer_hours"]] == ends[:3]  # 14th: none


def test_an_erasure_makes_snapshots_stale_and_they_are_computed_again(
    program: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    take_daily_snapshots(day="2026-03-31")
    end = datetime(2026, 4, 1, tzinfo=UTC)
    start = end - timedelta(days=30)
    assert stored(start, end)["contribution_depth"]["total"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        champion_erase(champion=program["asker"], actor=None)
    assert not MetricSnapshot.objects.filter(stale=True).exists()  # the recent ones at once
    refreshed = stored(start, end)
    assert refreshed["contribution_depth"]["total"] == 1  # the asker's facts are gone
    assert refreshed["time_to_first_answer_hours"] is None
    assert refreshed == registry.compute(MetricScope(start, end))
