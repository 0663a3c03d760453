"""Steps: an automated step binds a known trigger to a known action, or it is refused."""

from __future__ import annotations

import pytest

from champions.errors import DomainError
from programs.playbooks import services
from programs.playbooks.models import Playbook, StepType
from tests.programs.playbooks.conftest import make_playbook

pytestmark = pytest.mark.django_db


def add(playbook: Playbook, **fields):
    defaults = {"type": StepType.ACTION, "text": "Do it."}
    return services.playbook_step_add(playbook=playbook, **{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "field", "named"),
    [
        (
            {"trigger_key": "moon_is_full", "action_key": "send_email"},
            "trigger_key",
            "moon_is_full",
        ),
        ({"trigger_key": "champion_joined", "action_key": "send_fax"}, "action_key", "send_fax"),
        ({"trigger_key": "champion_joined"}, "action_key", ""),
        ({"action_key": "send_email"}, "trigger_key", ""),
        ({"type": "ritual"}, "type", "ritual"),
        ({"text": "  "}, "text", ""),
    ],
)
def test_a_step_the_engine_could_not_run_is_refused_naming_the_field(fields, field, named):
    playbook = make_playbook()
    with pytest.raises(DomainError) as error:
        add(playbook, **fields)
    assert error.value.field == field
    assert named in error.value.message
    assert Playbook.objects.filter(family=playbook.family).count() == 1, "no version written"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"subject": "Hi"}, "body"),
        ({"subject": "Hi", "body": "{% if %}", "delay_minutes": 5}, "body"),
        ({"subject": "Hi", "body": "Yo", "subjet": "typo"}, "subjet"),
        ({"subject": "Hi", "body": "Yo", "delay_minutes": -1}, "delay_minutes"),
        ({"subject": "Hi", "body": "Yo", "lookback_days": "7"}, "lookback_days"),
    ],
)
def test_email_params_are_checked_when_the_step_is_saved(params, named):
    playbook = make_playbook(activate=False)
    with pytest.raises(DomainError) as error:
        add(playbook, trigger_key="champion_joined", action_key="send_email", params=params)
    assert error.value.field == "params"
    assert named in error.value.message


def test_a_manual_step_has_no_params():
    with pytest.raises(DomainError) as error:
        add(make_playbook(activate=False), params={"subject": "Hi"})
    assert error.value.field == "params"


def test_a_valid_automated_step_is_kept_with_its_params():
    step = add(
        make_playbook(activate=False),
        trigger_key="no_contribution_30d",
        action_key="create_followup_task",
        params={"title": "Call {{ champion.full_name }}", "due_in_days": 2},
    )
    assert step.is_automated
    assert step.params["due_in_days"] == 2


def test_a_new_version_keeps_a_steps_lineage_unless_what_it_automates_changes():
    v1 = make_playbook()
    automated = v1.steps.get(order=2)
    reworded = services.playbook_step_update(step=automated, text="Welcome them warmly.")
    assert reworded.playbook.version == 2
    assert reworded.lineage == automated.lineage

    retriggered = services.playbook_step_update(step=reworded, trigger_key="first_value_reached")
    assert retriggered.lineage != automated.lineage


def test_removing_a_step_renumbers_the_rest():
    playbook = make_playbook(activate=False)
    add(playbook, text="Then this.")
    services.playbook_step_remove(step=playbook.steps.get(order=2))
    assert list(playbook.steps.values_list("order", "text")) == [
        (1, "A champion joins."),
        (2, "Then this."),
    ]
