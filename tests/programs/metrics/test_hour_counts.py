"""The hour counts roll-up: the heatmap and the moderation effort read from it equal the
same metrics read from the activity log alone, whatever happened to the log since the
roll-up ran (docs/decisions/0005-activity-hour-counts.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from champions.models import Activity, ActivityKind, Champion
from champions.privacy import champion_erase
from programs.metrics import services
from programs.metrics.models import ActivityHourCount, HourCountsState
from programs.metrics.tasks import roll_up_hour_counts
from tests.factories import StaffFactory
from tests.programs.metrics.build import FROM, TO, act, champion, guild, march, value

pytestmark = pytest.mark.django_db

KEYS = ("activity_heatmap", "moderation_effort_per_interaction")


def later() -> datetime:
    """A roll-up's clock past the settling time of everything written so far."""
    return timezone.now() + services.hour_counts.SETTLE + timedelta(minutes=1)


def values(start: datetime = FROM, end: datetime = TO) -> dict[str, Any]:
    return {key: value(key, start, end) for key in KEYS}


def from_log(start: datetime = FROM, end: datetime = TO) -> dict[str, Any]:
    """The same metrics with the roll-up forgotten: read from the log alone."""
    services.hour_counts_reset()
    return values(start, end)


def program() -> dict[str, Champion]:
    """Contributions of every sort around and inside March, by hour."""
    g = guild()
    people = {
        "member": champion(guilds=(g,)),
        "other": champion(),
        "staff": champion(staff=True),
        "erased": champion(erased=True),
        "later_erased": champion(),
        "moderator": champion(),
    }
    for day in (1, 2, 15, 31):
        for hour in (0, 9, 23):
            act(people["member"], ActivityKind.ASKED_QUESTION, march(day, hour, 30), guild=g)
            act(people["other"], ActivityKind.ANSWERED_QUESTION, march(day, hour, 59))
            act(people["later_erased"], ActivityKind.RSVP, march(day, hour))
    act(people["other"], ActivityKind.LOGIN, march(2, 9))  # presence: not counted
    act(people["staff"], ActivityKind.ASKED_QUESTION, march(3, 10))  # invisible
    act(people["staff"], ActivityKind.MODERATED, march(3, 10))  # a staff action counts
    act(people["erased"], ActivityKind.MODERATED, march(3, 11))  # erased: removed
    act(people["erased"], ActivityKind.SHARED_TEMPLATE, march(3, 11))
    act(None, ActivityKind.MODERATED, march(4, 12), actor=StaffFactory())  # no champion
    act(None, ActivityKind.ASKED_QUESTION, march(4, 12), actor=StaffFactory())  # nobody's
    act(people["moderator"], ActivityKind.MODERATED, march(4, 12, 45))
    act(people["moderator"], ActivityKind.MODERATED, FROM - timedelta(microseconds=1))
    act(people["moderator"], ActivityKind.MODERATED, TO)  # at `to`: outside
    return people


def test_the_roll_up_gives_the_values_of_the_log() -> None:
    program()
    expected = values()  # nothing rolled up yet: the log alone
    # Sundays 1 and 15 March, 00:00–00:59: an RSVP, a question and an answer on each.
    assert expected["activity_heatmap"]["Sun 00"] == 6
    # Moderator actions: the staff champion's, the one without a champion, the moderator's;
    # interactions: 12 questions, 12 answers, 12 RSVPs of visible champions.
    assert expected["moderation_effort_per_interaction"] == pytest.approx(3 / 36)
    services.hour_counts_roll_up(now=later())
    assert values() == expected
    # And it is the roll-up that was read for the whole hours: a count changed there shows.
    ActivityHourCount.objects.filter(hour=march(1), kind=ActivityKind.RSVP).update(count=5)
    assert value("activity_heatmap")["Sun 00"] == 6 + 4


def test_a_window_ending_mid_day_and_starting_mid_hour() -> None:
    program()
    start, end = march(1, 9, 45), march(15, 9, 40)
    services.hour_counts_roll_up(now=later())
    rolled_up = values(start, end)
    assert rolled_up == from_log(start, end)
    # Sunday 09: on March 1 the answer at 09:59 (09:00 and 09:30 are before the window), on
    # March 15 the RSVP at 09:00 and the question at 09:30 (the answer at 09:59 is after it).
    assert rolled_up["activity_heatmap"]["Sun 09"] == 3


def test_a_window_shorter_than_an_hour() -> None:
    program()
    services.hour_counts_roll_up(now=later())
    start, end = march(2, 9, 10), march(2, 9, 50)
    assert (
        values(start, end)
        == from_log(start, end)
        == {
            "activity_heatmap": {"Mon 09": 1},
            "moderation_effort_per_interaction": 0.0,
        }
    )


def test_activities_ingested_after_the_roll_up_ran_are_read_from_the_log() -> None:
    people = program()
    services.hour_counts_roll_up(now=later())
    # Written after the roll-up, dated in hours it has counted: the log gives them.
    act(people["other"], ActivityKind.SHARED_TEMPLATE, march(2, 9, 5))
    act(None, ActivityKind.MODERATED, march(2, 9, 6), actor=StaffFactory())
    rolled_up = values()
    assert rolled_up["activity_heatmap"]["Mon 09"] == 3 + 2
    assert rolled_up == from_log()


def test_a_second_roll_up_adds_what_came_since_and_not_the_unsettled() -> None:
    people = program()
    services.hour_counts_roll_up(now=later())
    counted = sum(ActivityHourCount.objects.values_list("count", flat=True))
    act(people["other"], ActivityKind.SHARED_TEMPLATE, march(2, 9, 5))
    # Just recorded: a transaction with a lower id may still be open, so it waits.
    services.hour_counts_roll_up(now=timezone.now())
    assert sum(ActivityHourCount.objects.values_list("count", flat=True)) == counted
    services.hour_counts_roll_up(now=later())
    assert sum(ActivityHourCount.objects.values_list("count", flat=True)) == counted + 1
    services.hour_counts_roll_up(now=later())  # nothing new: nothing added twice
    assert sum(ActivityHourCount.objects.values_list("count", flat=True)) == counted + 1
    rolled_up = values()
    assert rolled_up == from_log()


def test_an_erasure_after_the_roll_up_removes_the_champions_activities() -> None:
    people = program()
    services.hour_counts_roll_up(now=later())
    before = values()
    champion_erase(champion=people["later_erased"], actor=None)
    assert Activity.objects.filter(champion=people["later_erased"]).count() == 12  # kept
    after = values()
    assert after["activity_heatmap"]["Sun 00"] == before["activity_heatmap"]["Sun 00"] - 2
    assert after == from_log()


def test_a_champion_turned_staff_after_the_roll_up_is_invisible() -> None:
    people = program()
    services.hour_counts_roll_up(now=later())
    user = people["member"].user
    assert user is not None
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    rolled_up = values()
    assert rolled_up["activity_heatmap"]["Sun 00"] == 6 - 2  # the member's two questions
    assert rolled_up == from_log()


def test_a_filtered_scope_reads_the_log() -> None:
    people = program()
    g = people["member"].memberships.get().guild_id
    expected = value("activity_heatmap", guild_ids=(g,))
    services.hour_counts_roll_up(now=later())
    assert value("activity_heatmap", guild_ids=(g,)) == expected


def test_the_task_rolls_up_and_the_command_rebuilds() -> None:
    program()
    expected = values()
    roll_up_hour_counts()  # everything was just written: nothing settled yet
    assert values() == expected
    out = StringIO()
    call_command("metrics_hour_counts", "--rebuild", stdout=out)
    assert "Counted" in out.getvalue()
    state = HourCountsState.objects.get()
    assert state.until <= timezone.now()
    assert values() == expected
