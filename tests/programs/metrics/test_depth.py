"""Depth and retention: each expected value worked out by hand from METRICS.md."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from champions.models import ActivityKind
from programs.events.models import EventKind
from tests.factories import StaffFactory
from tests.programs.metrics.build import (
    TO,
    act,
    answer,
    at,
    champion,
    event,
    guild,
    helpful,
    march,
    member,
    question,
    template,
    value,
)

pytestmark = pytest.mark.django_db


def test_contribution_depth() -> None:
    a, b, c, d, g, h = (champion() for _ in range(6))
    act(a, ActivityKind.LOGIN, march(2))
    act(a, ActivityKind.PAGE_VIEW, march(3))  # a: observer
    act(b, ActivityKind.LOGIN, march(2))
    act(b, ActivityKind.RSVP, march(4))  # b: participant
    act(c, ActivityKind.ASKED_QUESTION, march(5))
    act(c, ActivityKind.ANSWERED_QUESTION, march(6))  # c: contributor
    act(d, ActivityKind.LOGIN, march(2))
    act(d, ActivityKind.MODERATED, march(7))  # d: leader
    act(champion(staff=True), ActivityKind.HOSTED_CLINIC, march(8))  # staff: invisible
    act(champion(erased=True), ActivityKind.ANSWERED_QUESTION, march(8))  # erased: removed
    act(g, ActivityKind.LOGIN, march(1))  # at `from`: counts
    act(g, ActivityKind.ANSWERED_QUESTION, TO)  # at `to`: does not -> g: observer
    act(h, ActivityKind.LED_GUILD, at(2, 27))  # before the window only
    act(None, ActivityKind.MODERATED, march(9), actor=StaffFactory())  # no champion
    # Observer a, g = 2; participant b = 1; contributor c = 1; leader d = 1; total 5.
    # Mean on 1-4: (1 + 1 + 2 + 3 + 4) / 5 = 2.2.
    assert value("contribution_depth") == {
        "counts": {"observer": 2, "participant": 1, "contributor": 1, "leader": 1},
        "shares": {"observer": 0.4, "participant": 0.2, "contributor": 0.2, "leader": 0.2},
        "total": 5,
        "mean": pytest.approx(2.2),
    }


def test_contribution_depth_empty() -> None:
    assert value("contribution_depth") == {
        "counts": {"observer": 0, "participant": 0, "contributor": 0, "leader": 0},
        "shares": {"observer": None, "participant": None, "contributor": None, "leader": None},
        "total": 0,
        "mean": None,
    }


def test_retention_by_cohort() -> None:
    start, end = at(1, 15), at(3, 10, 12)  # columns: months starting before 03-10 12:00
    champion(joined=at(1, 10))  # before the window
    c1 = champion(joined=at(1, 20))
    # 2026-02-01 00:00 +01:00 is 2026-01-31 23:00 UTC: the January cohort.
    c2 = champion(joined=datetime(2026, 2, 1, tzinfo=timezone(timedelta(hours=1))))
    c3 = champion(joined=at(2, 1))
    c4 = champion(joined=at(2, 14))
    c5 = champion(joined=at(3, 10, 11))
    champion(joined=end)  # at `to`: outside
    staff = champion(joined=at(1, 25), staff=True)
    act(staff, ActivityKind.ACCEPTED_INVITATION, at(1, 25))
    act(c1, ActivityKind.ACCEPTED_INVITATION, at(1, 20))
    act(c1, ActivityKind.ANSWERED_QUESTION, at(2, 3))
    act(c1, ActivityKind.ASKED_QUESTION, at(3, 10, 13))  # after `to`
    act(c2, ActivityKind.ACCEPTED_INVITATION, at(1, 31, 23))
    act(c2, ActivityKind.LOGIN, at(2, 10))  # presence: not active
    act(c2, ActivityKind.RSVP, at(3, 2))
    act(c3, ActivityKind.ACCEPTED_INVITATION, at(2, 1))
    act(c3, ActivityKind.ANSWERED_QUESTION, at(3, 9))
    act(c4, ActivityKind.ACCEPTED_INVITATION, at(2, 14))
    act(c5, ActivityKind.ACCEPTED_INVITATION, at(3, 10, 11))
    # January (c1, c2): Jan 2/2, Feb c1 = 1/2, Mar c2 = 1/2.
    # February (c3, c4): Feb 2/2, Mar c3 = 1/2.  March (c5): Mar 1/1.
    assert value("retention_by_cohort", start, end) == {
        "2026-01": {"size": 2, "shares": [1.0, 0.5, 0.5]},
        "2026-02": {"size": 2, "shares": [1.0, 0.5]},
        "2026-03": {"size": 1, "shares": [1.0]},
    }


def test_retention_without_joins_is_empty() -> None:
    assert value("retention_by_cohort") == {}


def test_collaboration_density() -> None:
    p1, p2, p3, p4, p5, p6, p7 = (champion() for _ in range(7))
    erased = champion(erased=True)
    # p1 and p2 answered each other's question: one pair {1, 2}.
    for author, asker, day in ((p1, p2, 5), (p2, p1, 6)):
        answer(question(asker, march(day)), author, march(day, 1))
        act(author, ActivityKind.ANSWERED_QUESTION, march(day, 1))
    # p3 became p4's buddy: {3, 4}.
    act(p3, ActivityKind.MENTORED_AS_BUDDY, march(7), subject=p4)
    # p5 hosted a clinic p1 and p3 attended: {1, 5}, {3, 5}; attendees are not paired.
    clinic = event(EventKind.PEER_CLINIC, march(8))
    act(p5, ActivityKind.HOSTED_CLINIC, march(8), subject=clinic)
    for attendee in (p1, p3):
        act(attendee, ActivityKind.ATTENDED_EVENT, march(8), subject=clinic)
    # p4 answered their own question: active, but no pair.
    answer(question(p4, march(9)), p4, march(9, 1))
    act(p4, ActivityKind.ANSWERED_QUESTION, march(9, 1))
    # p6 answered p7, who is not active in the window: no pair.
    answer(question(p7, at(2, 20)), p6, march(10))
    act(p6, ActivityKind.ANSWERED_QUESTION, march(10))
    act(p7, ActivityKind.ASKED_QUESTION, at(2, 20))
    # A staff answer, an answer to an erased champion, an answer at `to`: no pairs.
    answer(question(p2, march(11)), None, march(11, 1), staff_user=StaffFactory())
    answer(question(erased, march(12)), p1, march(12, 1))
    answer(question(p5, march(13)), p4, TO)
    # Active: p1..p6 = 6, possible pairs 6 * 5 / 2 = 15; pairs found: 4.
    assert value("collaboration_density") == pytest.approx(4 / 15)


def test_collaboration_density_needs_two_active_champions() -> None:
    act(champion(), ActivityKind.ASKED_QUESTION, march(2))
    assert value("collaboration_density") is None


def test_learning_transfer_rate() -> None:
    g1, g2 = guild(), guild()
    a1, a2 = champion(guilds=(g1,)), champion(guilds=(g1,))
    b1 = champion(guilds=(g2,))
    b2 = champion(guilds=(g2,))
    member(b2, g1, since=march(20))  # joined G1 after reusing its template
    staff = champion(staff=True)

    def reuse(person: object, item: object, when: datetime) -> None:
        act(person, ActivityKind.REUSED_TEMPLATE, when, subject=item)  # type: ignore[arg-type]

    t1 = template(a1, march(2), guild_=g1)
    reuse(b1, t1, march(10))  # outside G1: transferred
    t2 = template(a1, march(3), guild_=g1)
    reuse(a2, t2, march(11))  # a member: no
    reuse(b2, t2, march(12))  # not yet a member then: transferred
    t3 = template(a1, march(4), guild_=g1)
    reuse(b1, t3, TO)  # at `to`: no
    reuse(staff, t3, march(15))  # staff: no -> T3 not transferred
    t4 = template(a1, march(5))  # no guild: nobody is its member
    reuse(a2, t4, march(20))  # transferred
    t5 = template(a1, at(2, 28), guild_=g1)  # published before the window
    reuse(b1, t5, march(5))
    template(None, march(6), staff_user=StaffFactory())  # by staff: not counted

    q1 = question(a2, march(2), guild_=g1)
    answer(q1, a1, march(3), accepted=march(4))  # An1
    question(b1, march(20), guild_=g2, builds_on=q1)  # built on by a non-member: transferred
    q3 = question(a1, march(4), guild_=g1)
    answer(q3, a2, march(5), accepted=march(6))  # An2
    question(a1, march(21), guild_=g1, builds_on=q3)  # a member: no
    answer(question(a2, march(6), guild_=g1), a1, march(7), accepted=at(4, 2))  # after `to`
    self_q = question(a2, march(7), guild_=g1)
    answer(self_q, a2, march(7, 1), accepted=march(7, 2))  # a self-answer: not an item
    helped = answer(question(a2, march(8), guild_=g1), a1, march(8, 1))
    helpful(helped, b1.user, march(9))  # helpful, not accepted: not an item
    # Items: T1, T2, T3, T4, An1, An2 = 6; transferred: T1, T2, T4, An1 = 4.
    assert value("learning_transfer_rate") == pytest.approx(4 / 6)


def test_learning_transfer_without_items_is_null() -> None:
    assert value("learning_transfer_rate") is None
