"""Growth and activation: each expected value worked out by hand from METRICS.md.

Window: March 2026, [2026-03-01, 2026-04-01) UTC, 31 days.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from champions.models import ActivityKind
from programs.events.models import EventKind
from tests.factories import StaffFactory, UserFactory
from tests.programs.metrics.build import (
    PLUS_TWO,
    TO,
    act,
    answer,
    at,
    champion,
    event,
    helpful,
    invitation,
    march,
    question,
    template,
    value,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomers() -> None:
    """Champions who joined around March, with and without a first value moment."""
    peer = champion()  # an experienced champion who answers and shares templates
    demo = event(EventKind.QUARTERLY_DEMO, march(10))
    clinic = event(EventKind.PEER_CLINIC, march(19))
    live_build = event(EventKind.LIVE_BUILD, march(6))
    peer_template = template(peer, at(2, 1))

    # A: joined 2026-03-02 02:00 +02:00 (= 00:00 UTC), attended a demo on 03-10: 8 days.
    a = champion(joined=datetime(2026, 3, 2, 2, 0, tzinfo=PLUS_TWO))
    act(a, ActivityKind.ATTENDED_EVENT, march(10), subject=demo)
    # B: joined 03-05; a live build is not a value moment; the peer answer is posted after
    # `to`, and an earlier one is marked helpful only after `to`: no moment before `to`.
    b = champion(joined=march(5))
    act(b, ActivityKind.ATTENDED_EVENT, march(6), subject=live_build)
    b_question = question(b, march(5, 1))
    answer(b_question, peer, at(4, 4))
    late_mark = answer(b_question, peer, march(10))
    helpful(late_mark, UserFactory(), at(4, 2))
    # C: joined 03-20; attended a clinic on 03-19, before joining: ignored. No moment.
    c = champion(joined=march(20))
    act(c, ActivityKind.ATTENDED_EVENT, march(19), subject=clinic)
    # D: joined just before the window, activated: not in the denominator.
    d = champion(joined=at(2, 28, 23, 59, 59))
    act(d, ActivityKind.ATTENDED_EVENT, march(10), subject=demo)
    # E: joined exactly at `from` (included), reused a peer's template exactly 30 days later
    # (within 30 days means elapsed time <= 30 days): 30 days.
    e = champion(joined=march(1))
    act(e, ActivityKind.REUSED_TEMPLATE, march(31), subject=peer_template)
    # F: joined exactly at `to`: outside the window.
    f = champion(joined=TO)
    act(f, ActivityKind.ATTENDED_EVENT, at(4, 1, 1), subject=demo)
    # G (staff) and H (erased) joined in the window with a moment: invisible.
    for invisible in (
        champion(joined=march(3), staff=True),
        champion(joined=march(3), erased=True),
    ):
        act(invisible, ActivityKind.ATTENDED_EVENT, march(10), subject=demo)
    # I: joined 03-04; only a self-answer, accepted by themselves: no moment.
    i = champion(joined=march(4))
    i_question = question(i, march(4, 1))
    answer(i_question, i, march(4, 2), accepted=march(4, 3))
    # J: joined 03-08; reused their own template: no moment.
    j = champion(joined=march(8))
    own = template(j, march(8, 1))
    act(j, ActivityKind.REUSED_TEMPLATE, march(8, 2), subject=own)
    # K: joined 03-09; a staff answer, accepted: no moment.
    k = champion(joined=march(9))
    answer(
        question(k, march(9, 1)), None, march(9, 2), staff_user=StaffFactory(), accepted=march(9, 3)
    )
    # L: joined 03-01 12:00; a peer's answer posted 03-31 18:00, accepted 20:00: 30.25 days
    # (too late to activate, but it counts for time to first value).
    ell = champion(joined=march(1, 12))
    answer(question(ell, march(31, 10)), peer, march(31, 18), accepted=march(31, 20))
    # M: joined 03-03 06:00; a peer's answer posted 03-04 18:00, marked helpful by a third
    # person on 03-05: 1.5 days.
    m = champion(joined=march(3, 6))
    m_answer = answer(question(m, march(3, 7)), peer, march(4, 18))
    helpful(m_answer, UserFactory(), march(5))


def test_activation_rate(newcomers: None) -> None:
    # Joined in the window and visible: A, B, C, E, I, J, K, L, M = 9.
    # Activated within 30 days and before `to`: A (8 d), E (30 d), M (1.5 d) = 3.
    assert value("activation_rate") == pytest.approx(3 / 9)


def test_time_to_first_value_days(newcomers: None) -> None:
    # Reached before `to`: M 1.5, A 8, E 30, L 30.25 days -> even count: (8 + 30) / 2 = 19.
    assert value("time_to_first_value_days") == pytest.approx(19.0)


def test_activation_without_newcomers_is_null() -> None:
    assert value("activation_rate") is None
    assert value("time_to_first_value_days") is None


@pytest.fixture
def invitations() -> None:
    x, y, w = champion(), champion(), champion()
    staff_champion, erased = champion(staff=True), champion(erased=True)
    invitees = [champion(joined=None) for _ in range(8)]
    first, second, third, fourth, fifth, sixth, seventh, eighth = invitees
    # 1: sent 02-20, accepted 03-05 12:00 (13.5 days).
    invitation(first, by=x, sent=at(2, 20), accepted=march(5, 12))
    # 2: sent in the window, accepted exactly at `to`: not accepted in the window.
    invitation(second, by=x, sent=march(10), accepted=TO)
    # 3: sent 02-28 18:00, accepted exactly at `from` (0.25 days).
    invitation(third, by=y, sent=at(2, 28, 18), accepted=march(1))
    # 4-6: not peer invitations (staff champion, staff user, erased champion).
    invitation(fourth, by=staff_champion, sent=march(2), accepted=march(6))
    invitation(fifth, by_user=StaffFactory(), sent=march(2), accepted=march(7))
    invitation(sixth, by=erased, sent=march(2), accepted=march(8))
    # 7: sent, never accepted; 8: sent, then revoked: both sent in the window.
    invitation(seventh, by=x, sent=march(20))
    invitation(eighth, by=y, sent=march(25), revoked=march(26))
    # Active (a contribution in the window): X, Y and the two accepted invitees; W only
    # logged in.
    act(x, ActivityKind.INVITED_PEER, march(10))
    act(y, ActivityKind.INVITED_PEER, march(1))
    act(first, ActivityKind.ACCEPTED_INVITATION, march(5, 12))
    act(third, ActivityKind.ACCEPTED_INVITATION, march(1))
    act(w, ActivityKind.LOGIN, march(3))


def test_referral_velocity(invitations: None) -> None:
    # Peer invitations accepted in the window: 1 and 3 = 2; active champions: 4;
    # window days / 30 = 31 / 30.  2 / 4 / (31 / 30) = 15 / 31.
    assert value("referral_velocity") == pytest.approx(15 / 31)


def test_peer_invitations_per_person(invitations: None) -> None:
    # Peer invitations sent in the window by X or Y, whatever became of them:
    # 2 (03-10), 7 (03-20), 8 (03-25) = 3 (3 was sent 02-28); over 4 active champions.
    assert value("peer_invitations_per_person") == pytest.approx(3 / 4)


def test_invitation_acceptance_days(invitations: None) -> None:
    # Accepted in the window: 13.5 and 0.25 days -> (13.5 + 0.25) / 2 = 6.875.
    assert value("invitation_acceptance_days") == pytest.approx(6.875)


def test_invitation_metrics_without_active_champions_are_null() -> None:
    invitee = champion(joined=None)
    invitation(invitee, by=champion(), sent=march(2), accepted=march(3))
    assert value("referral_velocity") is None  # nobody active: zero denominator
    assert value("peer_invitations_per_person") is None
    assert value("invitation_acceptance_days") == pytest.approx(1.0)


def test_referral_chain_depth() -> None:
    outside = champion(joined=at(2, 1))
    r1 = champion(joined=march(2))
    r2 = champion(joined=march(3), invited_by=r1)
    r3 = champion(joined=march(4), invited_by=r1)
    r4 = champion(joined=march(5), invited_by=r2)
    champion(joined=march(7), invited_by=r4)  # R6
    champion(joined=march(12), invited_by=r2)  # R14
    r5 = champion(joined=march(6), invited_by=outside)  # its inviter joined before: a root
    r7 = champion(joined=march(8), invited_by=r5)
    champion(joined=march(9))  # alone: a path of one person does not count
    r10 = champion(joined=march(10), invited_by=r3, erased=True)  # removed
    champion(joined=march(11), invited_by=r10)  # so this one is a root, alone
    champion(joined=TO, invited_by=r7)  # joined at `to`: outside
    # Paths: R1-R2-R4-R6 (4), R1-R2-R14 (3), R1-R3 (2), R5-R7 (2).
    # Sorted 2, 2, 3, 4: median (2 + 3) / 2 = 2.5.
    assert value("referral_chain_depth") == {"max": 4, "median": 2.5, "count": 4}


def test_referral_chain_depth_empty() -> None:
    champion(joined=march(2))
    assert value("referral_chain_depth") == {"max": None, "median": None, "count": 0}
