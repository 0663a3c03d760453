"""The playbooks admin: every save goes through the services, retired versions are
read-only, and the lists cost the same queries however many rows they show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from champions.models import ActivityKind
from programs.playbooks import automation, services
from programs.playbooks.models import (
    FollowUpTask,
    Playbook,
    PlaybookRun,
    PlaybookStatus,
    RunKind,
    StepExecution,
)
from tests.factories import ActivityFactory, ChampionFactory
from tests.programs.playbooks.conftest import WELCOME, email_step, make_playbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(admin_client_logged_in, settings):
    settings.ADMIN_REQUIRE_MFA = False  # staff MFA is tested with the champions admin
    return admin_client_logged_in


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:playbooks_{name}", args=args)


def form_data(response) -> dict[str, Any]:
    """What the browser would send back for the change form as shown."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if name == "materials":
                value = ",".join(str(pk) for pk in value)
            data[form.add_prefix(name)] = value
    return data


def changelist_queries(client, name: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(f"{name}_changelist"))
    assert response.status_code == 200
    return len(captured)


def some_rows(n: int) -> None:
    for i in range(n):
        playbook = make_playbook([email_step("champion_joined")], name=f"Loop {i}-{n}")
        services.run_start(playbook=playbook, name=f"Run {i}")
        services.followup_task_create(
            title=f"Call {i}", due_at=timezone.now(), champion=ChampionFactory()
        )
        ActivityFactory(kind=ActivityKind.ACCEPTED_INVITATION)
    automation.evaluate_active_playbooks(dispatch=lambda ids, cd: None)


@pytest.mark.parametrize("name", ["playbook", "playbookrun", "stepexecution", "followuptask"])
def test_changelists_take_the_same_queries_for_few_and_many_rows(admin, name):
    some_rows(2)
    few = changelist_queries(admin, name)
    some_rows(8)
    assert changelist_queries(admin, name) == few


def test_adding_a_playbook_in_the_admin_creates_a_draft_with_its_steps(admin):
    response = admin.get(url("playbook_add"))
    data = form_data(response)
    data.update(
        {
            "name": "Peer clinic",
            "goal": "Every question gets a peer answer within 24 hours.",
            "metric_keys": ["time_to_first_answer_hours"],
            "rituals": '[{"name": "Clinic", "cadence": "weekly"}]',
            "steps-TOTAL_FORMS": "1",
            "steps-0-order": "1",
            "steps-0-type": "action",
            "steps-0-text": "Invite askers still waiting to the next clinic.",
            "steps-0-trigger_key": "question_unanswered_24h",
            "steps-0-action_key": "invite_to_clinic",
            "steps-0-params": "{}",
        }
    )
    response = admin.post(url("playbook_add"), data)
    assert response.status_code == 302, response.context["errors"]
    playbook = Playbook.objects.get(slug="peer-clinic")
    assert playbook.status == PlaybookStatus.DRAFT
    assert playbook.steps.get().action_key == "invite_to_clinic"


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"steps-1-trigger_key": "moon_is_full"}, "Select a valid choice. moon_is_full"),
        ({"steps-1-params": '{"subject": "Hi"}'}, "This action needs a “body”"),
        ({"steps-1-action_key": ""}, "set both, or neither"),
    ],
)
def test_a_step_the_engine_could_not_run_is_refused_next_to_it(admin, changes, shown):
    playbook = make_playbook(activate=False)
    data = form_data(admin.get(url("playbook_change", playbook.pk)))
    response = admin.post(url("playbook_change", playbook.pk), {**data, **changes})
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert playbook.steps.get(order=2).params == WELCOME.params


def test_saving_an_active_playbook_in_the_admin_writes_the_next_version(admin):
    v1 = make_playbook()
    data = form_data(admin.get(url("playbook_change", v1.pk)))
    data.update({"goal": "Half the time to first value.", "change_note": "Sharper goal"})
    response = admin.post(url("playbook_change", v1.pk), {**data, "_continue": "1"})
    v2 = Playbook.objects.get(family=v1.family, version=2)
    assert response.status_code == 302
    assert response["Location"] == url("playbook_change", v2.pk)
    assert (v2.goal, v2.change_note, v2.steps.count()) == (data["goal"], "Sharper goal", 2)
    v1.refresh_from_db()
    assert v1.status == PlaybookStatus.RETIRED and v1.goal != v2.goal


def test_a_retired_version_opens_read_only_with_its_history(admin):
    v1 = make_playbook()
    v2 = services.playbook_update(playbook=v1, name="Onboarding 2")
    response = admin.get(url("playbook_change", v1.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in page
    assert url("playbook_change", v2.pk) in page and "v2" in page
    assert admin.post(url("playbook_change", v1.pk), {"name": "x"}).status_code == 403


def test_actions_activate_and_retire(admin):
    draft = make_playbook(activate=False)
    admin.post(url("playbook_changelist"), {"action": "activate", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == PlaybookStatus.ACTIVE
    admin.post(url("playbook_changelist"), {"action": "retire", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == PlaybookStatus.RETIRED


def test_starting_and_finishing_a_run_from_the_admin(admin):
    playbook = make_playbook()
    ask = admin.post(
        url("playbook_changelist"), {"action": "start_run", "_selected_action": [playbook.pk]}
    )
    assert ask.status_code == 200 and b'name="name"' in ask.content
    admin.post(
        url("playbook_changelist"),
        {
            "action": "start_run",
            "_selected_action": [playbook.pk],
            "confirm": "yes",
            "name": "Q3 demo day",
        },
    )
    run = PlaybookRun.objects.get(kind=RunKind.MANUAL)
    assert run.name == "Q3 demo day" and run.checklist.count() == 2

    data = form_data(admin.get(url("playbookrun_change", run.pk)))
    data["checklist-0-done"] = "on"
    admin.post(url("playbookrun_change", run.pk), data)
    assert run.checklist.filter(done_at__isnull=False).count() == 1

    admin.post(
        url("playbookrun_changelist"),
        {"action": "finish", "_selected_action": [run.pk], "confirm": "yes", "outcome": "Done"},
    )
    run.refresh_from_db()
    assert run.finished_at is not None and run.outcome == "Done"


def test_the_automation_log_and_follow_up_tasks(admin):
    make_playbook([email_step("champion_joined")])
    ActivityFactory(kind=ActivityKind.ACCEPTED_INVITATION, occurred_at=timezone.now())
    automation.evaluate_active_playbooks(dispatch=lambda ids, cd: None)
    execution = StepExecution.objects.get()
    page = admin.get(url("stepexecution_changelist")).content.decode()
    assert str(execution.champion) in page
    assert admin.get(url("stepexecution_change", execution.pk)).status_code == 200

    task = services.followup_task_create(
        title="Call Ada", due_at=timezone.now() - timedelta(days=1)
    )
    overdue = admin.get(url("followuptask_changelist"), {"state": "overdue"}).content.decode()
    assert "Call Ada" in overdue
    admin.post(
        url("followuptask_changelist"), {"action": "mark_done", "_selected_action": [task.pk]}
    )
    assert FollowUpTask.objects.get().done_at is not None
