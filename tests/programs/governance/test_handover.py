"""Out of office: open cases pass to the deputy, by the beat task and at assignment time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.governance import services, tasks
from programs.governance.models import ModerationCase, Report
from tests.programs.governance.conftest import Program

pytestmark = pytest.mark.django_db


def test_the_beat_task_hands_open_cases_of_an_absent_moderator_to_the_deputy(
    program: Program, report: Report
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    today = timezone.localdate()
    services.moderator_absence_add(
        user=program.mod_a, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=5)
    )
    case.refresh_from_db()
    assert case.moderator == program.mod_a  # not away yet

    assert services.cases_hand_over_absent(on=today + timedelta(days=1)) == 1
    case.refresh_from_db()
    assert (case.moderator, case.deputy) == (program.deputy_a, program.mod_a)
    assert services.cases_hand_over_absent(on=today + timedelta(days=1)) == 0


def test_an_absence_that_has_begun_hands_over_at_once(program: Program, report: Report) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    services.moderator_absence_add(
        user=program.mod_a, starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    case.refresh_from_db()
    assert case.moderator == program.deputy_a


def test_a_case_assigned_to_an_absent_moderator_goes_to_the_deputy(
    program: Program, report: Report
) -> None:
    services.moderator_absence_add(
        user=program.mod_a,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=7),
    )
    case = services.case_open(
        reports=[report], by=program.lead, moderator=program.mod_a, deputy=program.deputy_a
    )
    assert case.moderator == program.deputy_a


def test_the_absent_moderator_is_not_picked_for_new_cases(program: Program, report: Report) -> None:
    services.moderator_absence_add(
        user=program.mod_a, starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    case = services.case_open(reports=[report], by=program.lead)
    assert case.moderator == program.deputy_a and case.deputy == program.lead


def test_without_anyone_available_the_case_stays_and_the_task_carries_on(
    program: Program, report: Report
) -> None:
    case = services.case_open(reports=[report], by=program.mod_a)
    for user in (program.mod_a, program.deputy_a, program.lead):
        services.moderator_absence_add(
            user=user, starts_on=timezone.localdate(), ends_on=timezone.localdate()
        )
    # mod_a → deputy_a → the program lead, who has nobody left to hand over to
    assert ModerationCase.objects.get(pk=case.pk).moderator == program.lead
    assert tasks.hand_over_absent_moderators_cases.delay().get() == 0
