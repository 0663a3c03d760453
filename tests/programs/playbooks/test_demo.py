"""The demo section: three living playbooks, versioned, run and automated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from champions.models import ActivityKind
from programs.playbooks.demo import seed_playbooks, wipe_playbooks
from programs.playbooks.models import (
    Playbook,
    PlaybookRun,
    PlaybookStatus,
    RunKind,
    StepExecution,
)
from tests.factories import ActivityFactory, ChampionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_the_demo_holds_three_active_playbooks_runs_and_an_automation_log(
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    newcomer = ChampionFactory(joined_at=now - timedelta(days=2))
    ActivityFactory(
        champion=newcomer, kind=ActivityKind.ACCEPTED_INVITATION, occurred_at=newcomer.joined_at
    )
    ChampionFactory()  # silent for 100 days

    with django_capture_on_commit_callbacks(execute=True):
        demo = seed_playbooks(now=now, team=StaffFactory())

    active = Playbook.objects.filter(status=PlaybookStatus.ACTIVE)
    assert set(active.values_list("name", flat=True)) == {
        "Quarterly demo",
        "Peer clinic",
        "Onboarding",
    }
    onboarding = demo.playbooks["onboarding"]
    assert onboarding.version == 2
    assert Playbook.objects.get(family=onboarding.family, version=1).status == "retired"
    finished = PlaybookRun.objects.filter(kind=RunKind.MANUAL, finished_at__isnull=False)
    assert finished.count() == 2 and all(run.outcome for run in finished)
    assert PlaybookRun.objects.filter(kind=RunKind.MANUAL, finished_at__isnull=True).count() == 1
    welcomed = StepExecution.objects.filter(champion=newcomer, status="done")
    assert set(welcomed.values_list("step__action_key", flat=True)) == {
        "send_email",
        "assign_buddy",
    }
    assert any(m.to == [newcomer.email] for m in mail.outbox)

    wipe_playbooks()
    assert not Playbook.objects.exists() and not StepExecution.objects.exists()
