"""Health and governance: each expected value worked out by hand from METRICS.md."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from champions.models import ActivityKind
from tests.factories import StaffFactory
from tests.programs.metrics.build import (
    MINUS_ONE,
    PLUS_TWO,
    TO,
    act,
    at,
    champion,
    guild,
    march,
    value,
)

pytestmark = pytest.mark.django_db


def test_moderation_effort_per_interaction() -> None:
    g = guild()
    moderator, asker, other = champion(), champion(guilds=(g,)), champion()
    act(moderator, ActivityKind.MODERATED, march(3), guild=g)  # 1
    act(None, ActivityKind.MODERATED, march(4), actor=StaffFactory())  # 2: staff count too
    act(champion(erased=True), ActivityKind.MODERATED, march(4))  # erased: removed
    act(moderator, ActivityKind.MODERATED, TO)  # at `to`
    act(asker, ActivityKind.ASKED_QUESTION, march(2), guild=g)  # 1
    act(other, ActivityKind.ANSWERED_QUESTION, march(2))  # 2
    act(asker, ActivityKind.ANSWERED_QUESTION, march(3), guild=g)  # 3: a self-answer counts
    act(asker, ActivityKind.RSVP, march(5), guild=g)  # 4
    act(other, ActivityKind.SHARED_TEMPLATE, march(6))  # 5
    act(champion(staff=True), ActivityKind.ASKED_QUESTION, march(6))  # staff: invisible
    act(champion(erased=True), ActivityKind.ASKED_QUESTION, march(6))  # erased: removed
    act(other, ActivityKind.LOGIN, march(6))  # not an interaction
    act(other, ActivityKind.REUSED_TEMPLATE, march(6))  # not an interaction
    # 2 moderator actions / 5 interactions.
    assert value("moderation_effort_per_interaction") == pytest.approx(0.4)
    # The guild: the one action on its content / the member's 3 interactions.
    assert value("moderation_effort_per_interaction", guild_ids=(g.pk,)) == pytest.approx(1 / 3)


def test_moderation_effort_without_interactions_is_null() -> None:
    act(None, ActivityKind.MODERATED, march(4), actor=StaffFactory())
    assert value("moderation_effort_per_interaction") is None


def test_silent_guilds() -> None:
    g1, g2, g3, g4, g6, g7 = (guild() for _ in range(6))
    guild(created_at=TO)  # did not exist at `to`
    person = champion()
    act(person, ActivityKind.ANSWERED_QUESTION, march(20), guild=g1)  # heard
    act(person, ActivityKind.LOGIN, march(20), guild=g2)  # presence
    act(person, ActivityKind.LED_GUILD, march(10), guild=g2)  # not on its content
    act(champion(staff=True), ActivityKind.ASKED_QUESTION, march(15), guild=g3)
    act(person, ActivityKind.ASKED_QUESTION, at(3, 1, 23, 59), guild=g3)  # before 03-02
    act(person, ActivityKind.ASKED_QUESTION, TO, guild=g3)  # at `to`
    act(person, ActivityKind.RSVP, march(2), guild=g4)  # exactly 30 days before `to`: heard
    act(None, ActivityKind.MODERATED, march(12), guild=g6, actor=StaffFactory())  # staff
    act(champion(erased=True), ActivityKind.ANSWERED_QUESTION, march(12), guild=g7)
    assert value("silent_guilds") == sorted([g2.pk, g3.pk, g6.pk, g7.pk])
    assert value("silent_guilds", guild_ids=(g1.pk,)) == []


def test_activity_heatmap() -> None:
    person = champion()
    act(person, ActivityKind.ANSWERED_QUESTION, march(2, 9, 15))  # Monday 09
    act(person, ActivityKind.RSVP, march(9, 9, 59))  # Monday 09
    act(person, ActivityKind.ASKED_QUESTION, datetime(2026, 3, 2, 10, tzinfo=PLUS_TWO))  # Mon 08
    act(person, ActivityKind.SHARED_TEMPLATE, march(1))  # Sunday 00, at `from`
    # Sunday 23:30 at UTC-1 is Monday 00:30 UTC.
    act(person, ActivityKind.INVITED_PEER, datetime(2026, 3, 1, 23, 30, tzinfo=MINUS_ONE))
    act(person, ActivityKind.LOGIN, march(3, 12))  # presence
    act(champion(staff=True), ActivityKind.ANSWERED_QUESTION, march(4, 14))
    act(None, ActivityKind.MODERATED, march(4, 14), actor=StaffFactory())  # counts: Wed 14
    act(champion(erased=True), ActivityKind.ANSWERED_QUESTION, march(4, 15))
    act(person, ActivityKind.ANSWERED_QUESTION, TO)
    heatmap = value("activity_heatmap")
    assert heatmap == {"Mon 00": 1, "Mon 08": 1, "Mon 09": 2, "Wed 14": 1, "Sun 00": 1}
    assert list(heatmap) == ["Mon 00", "Mon 08", "Mon 09", "Wed 14", "Sun 00"]  # Monday first


def test_activity_heatmap_empty() -> None:
    assert value("activity_heatmap") == {}


def test_activity_heatmap_hour_edges_and_moderation_share_one_pass() -> None:
    """The last microsecond of an hour stays in it; the next hour starts on the hour. The
    moderation effort is read off the same hourly counts as the heatmap."""
    person = champion()
    act(person, ActivityKind.ASKED_QUESTION, datetime(2026, 3, 2, 9, 59, 59, 999_999, UTC))
    act(person, ActivityKind.ANSWERED_QUESTION, march(2, 10))  # Monday 10:00:00 exactly
    act(person, ActivityKind.RSVP, datetime(2026, 3, 8, 23, 59, 59, 999_999, UTC))  # Sun 23
    act(None, ActivityKind.MODERATED, march(2, 10), actor=StaffFactory())
    assert value("activity_heatmap") == {"Mon 09": 1, "Mon 10": 2, "Sun 23": 1}
    # one moderator action over three interactions (question, answer, RSVP)
    assert value("moderation_effort_per_interaction") == pytest.approx(1 / 3)
