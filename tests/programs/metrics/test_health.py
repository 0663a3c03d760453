"""Health and governance: each expected value worked out by hand from METRICS.md."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from champions.models import ActivityKind, Champion
from programs.governance.models import Report, ReportCategory, ReportSource
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


def report(
    made: datetime,
    *,
    first_action: datetime | None = None,
    closed: datetime | None = None,
    sla_hours: int = 48,
    masked: bool = False,
    reporter: Champion | None = None,
    **fields: Any,
) -> Report:
    created: Report = Report.objects.create(
        reporter=reporter,
        source=ReportSource.PORTAL,
        category=ReportCategory.SPAM,
        description="Spam in the clinic.",
        made_at=made,
        sla_hours=sla_hours,
        due_at=made + timedelta(hours=sla_hours),
        first_action_at=first_action,
        closed_at=closed,
        reporter_masked_at=at(5, 1) if masked else None,
        **fields,
    )
    return created


def test_report_response_hours() -> None:
    report(march(2), first_action=march(2, 6))  # 6 h
    report(march(3), first_action=march(4))  # 24 h
    report(march(31, 22), first_action=at(4, 1, 1))  # answered after `to`
    report(march(5))  # never answered
    report(at(2, 27), first_action=march(1))  # made before the window
    report(march(6), first_action=march(6, 1), masked=True)  # an erased reporter's
    report(march(7), first_action=datetime(2026, 3, 7, 3, 30, tzinfo=PLUS_TWO))  # 1.5 h
    report(march(8), first_action=march(8, 3))  # 3 h
    # 1.5, 3, 6, 24 -> (3 + 6) / 2 = 4.5 hours.
    assert value("report_response_hours") == pytest.approx(4.5)


def test_open_reports_over_sla() -> None:
    report(at(3, 29, 23, 59, 59))  # 48 h and 1 s old at `to`: over
    report(march(30))  # exactly 48 h old: not more than the SLA
    report(march(1), closed=march(2))  # closed
    report(march(1), closed=TO)  # closed at `to`: still open at `to`, over
    report(march(10), sla_hours=500)  # due 03-30 20:00: over
    report(march(20), sla_hours=500)  # due 04-10: not yet
    report(march(1), masked=True)  # an erased reporter's: removed
    report(TO)  # made at `to`
    assert value("open_reports_over_sla") == 3


def test_governance_figures_empty() -> None:
    assert value("report_response_hours") is None
    assert value("open_reports_over_sla") == 0


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
