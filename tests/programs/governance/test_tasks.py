"""The beat entries of governance name real tasks; the tasks call the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from programs.governance import services, tasks
from programs.governance.models import HealthCheckRound
from tests.programs.governance.conftest import Program

pytestmark = pytest.mark.django_db


def test_beat_entries_point_at_registered_tasks() -> None:
    names = {
        entry["task"]
        for key, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if key.startswith("governance-")
    }
    assert names == {
        "programs.governance.tasks.hand_over_absent_moderators_cases",
        "programs.governance.tasks.alert_reports_over_sla",
        "programs.governance.tasks.run_health_check_rounds",
    }
    assert names <= set(current_app.tasks)


def test_the_tasks_run(program: Program, committed: Any) -> None:
    services.report_enter(
        entered_by=program.lead,
        category="spam",
        description="x",
        guild=program.guild_a,
        at=timezone.now() - timedelta(days=3),
    )
    with committed():
        assert tasks.alert_reports_over_sla.delay().get() == 1
    assert tasks.run_health_check_rounds.delay().get() == 1
    assert HealthCheckRound.objects.count() == 1
    assert tasks.hand_over_absent_moderators_cases.delay().get() == 0
