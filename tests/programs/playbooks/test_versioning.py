"""A playbook is a living, versioned document: drafts change in place, an active playbook
changes by writing its next version, and old versions stay readable and unchanged."""

from __future__ import annotations

import pytest

from champions.errors import DomainError
from programs.playbooks import services
from programs.playbooks.models import Playbook, PlaybookRun, PlaybookStatus, RunKind, StepType
from programs.playbooks.selectors import playbook_current_version, playbook_versions
from tests.factories import StaffFactory
from tests.programs.factories import TemplateFactory
from tests.programs.playbooks.conftest import make_playbook

pytestmark = pytest.mark.django_db


def test_a_new_playbook_is_a_draft_version_1_with_its_steps_in_order():
    playbook = make_playbook(activate=False)
    assert (playbook.status, playbook.version, playbook.slug) == ("draft", 1, "onboarding")
    assert [s.type for s in playbook.steps.all()] == [StepType.TRIGGER, StepType.ACTION]
    assert playbook.rituals == [{"name": "Welcome call", "cadence": "weekly"}]
    assert playbook.assumptions[0]["how_we_test"] == "A/B"


def test_editing_a_draft_changes_it_in_place():
    playbook = make_playbook(activate=False)
    edited = services.playbook_update(playbook=playbook, goal="Faster first value.")
    assert edited.pk == playbook.pk
    assert edited.version == 1
    assert Playbook.objects.get(pk=playbook.pk).goal == "Faster first value."


def test_activating_opens_one_automation_run():
    playbook = make_playbook()
    assert playbook.status == PlaybookStatus.ACTIVE
    assert playbook.activated_at is not None
    runs = PlaybookRun.objects.filter(playbook=playbook, kind=RunKind.AUTOMATION)
    assert runs.count() == 1 and runs.get().is_open


def test_editing_an_active_playbook_writes_version_2_and_keeps_version_1_unchanged():
    staff = StaffFactory()
    v1 = make_playbook()
    v1_steps = list(v1.steps.values_list("order", "text"))

    v2 = services.playbook_update(
        playbook=v1, goal="Half the time to first value.", by=staff, change_note="Sharper goal."
    )

    v1.refresh_from_db()
    assert (v2.version, v2.family, v2.previous_version_id) == (2, v1.family, v1.pk)
    assert v2.status == PlaybookStatus.ACTIVE and v2.created_by == staff
    assert v2.change_note == "Sharper goal."
    assert v1.status == PlaybookStatus.RETIRED and v1.retired_at is not None
    assert v1.goal == "Every newcomer reaches a first value moment within 30 days."
    assert list(v1.steps.values_list("order", "text")) == v1_steps
    assert list(v2.steps.values_list("order", "text")) == v1_steps
    old_run = PlaybookRun.objects.get(playbook=v1, kind=RunKind.AUTOMATION)
    assert old_run.finished_at is not None and "version 2" in old_run.outcome
    assert PlaybookRun.objects.get(playbook=v2, kind=RunKind.AUTOMATION).is_open
    assert [p.version for p in playbook_versions(family=v1.family)] == [2, 1]
    assert playbook_current_version(family=v1.family) == v2


def test_adding_a_step_to_an_active_playbook_returns_the_step_of_the_new_version():
    v1 = make_playbook()
    step = services.playbook_step_add(
        playbook=v1, type=StepType.PASS_IT_ON, text="Invite one peer.", position=2
    )
    assert step.playbook.version == 2
    assert [s.text for s in step.playbook.steps.all()][1] == "Invite one peer."
    assert v1.steps.count() == 2


def test_saving_without_a_change_writes_no_new_version():
    v1 = make_playbook()
    same = services.playbook_update(playbook=v1, goal=v1.goal, steps=None)
    assert same.pk == v1.pk
    assert Playbook.objects.filter(family=v1.family).count() == 1


def test_a_retired_version_is_read_only_and_says_which_version_to_edit():
    v1 = make_playbook()
    services.playbook_update(playbook=v1, name="Onboarding loop")
    v1.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.playbook_update(playbook=v1, name="Again")
    assert error.value.field == "status"
    assert "edit version 2" in error.value.message
    with pytest.raises(DomainError):
        services.playbook_step_update(step=v1.steps.first(), text="Changed")
    with pytest.raises(DomainError) as error:
        services.playbook_activate(playbook=v1)
    assert "version 2" in error.value.message


def test_a_retired_playbook_comes_back_as_its_next_version():
    v1 = make_playbook()
    services.playbook_retire(playbook=v1, reason="Paused over summer.")
    v1.refresh_from_db()
    assert v1.status == PlaybookStatus.RETIRED
    assert PlaybookRun.objects.get(playbook=v1).outcome == "Paused over summer."

    v2 = services.playbook_activate(playbook=v1)
    assert (v2.version, v2.status) == (2, PlaybookStatus.ACTIVE)
    assert v2.steps.count() == v1.steps.count()


def test_materials_are_library_templates_and_follow_the_versions():
    template = TemplateFactory()
    v1 = make_playbook()
    v2 = services.playbook_update(playbook=v1, materials=[template])
    v3 = services.playbook_update(playbook=v2, name="Onboarding, 3rd edition")
    assert list(v3.materials.all()) == [template]
    assert list(v1.materials.all()) == []
    with pytest.raises(DomainError) as error:
        services.playbook_update(playbook=v3, materials=[template.pk + 1000])
    assert error.value.field == "materials"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metric_keys", ["vanity_followers"]),
        ("roles", ["ceo"]),
        ("rituals", [{"name": "Demo"}]),
        ("assumptions", [{"how_we_test": "survey"}]),
        ("name", "  "),
        ("goal", ""),
    ],
)
def test_bad_playbook_content_is_refused_naming_the_field(field, value):
    playbook = make_playbook(activate=False)
    with pytest.raises(DomainError) as error:
        services.playbook_update(playbook=playbook, **{field: value})
    assert error.value.field == field


def test_metric_keys_are_those_of_metrics_md():
    playbook = make_playbook(activate=False)
    updated = services.playbook_update(
        playbook=playbook, metric_keys=["time_to_first_answer_hours", "engagement_score"]
    )
    assert updated.metric_keys == ["time_to_first_answer_hours", "engagement_score"]


def test_a_slug_belongs_to_one_playbook_and_is_fixed_once_active():
    make_playbook(name="Onboarding")
    with pytest.raises(DomainError) as error:
        services.playbook_create(name="Onboarding", goal="Another one.")
    assert error.value.field == "slug"
    active = Playbook.objects.get(slug="onboarding")
    with pytest.raises(DomainError) as error:
        services.playbook_update(playbook=active, slug="welcome")
    assert error.value.field == "slug"


def test_activating_needs_a_step():
    playbook = services.playbook_create(name="Empty", goal="Nothing yet.")
    with pytest.raises(DomainError) as error:
        services.playbook_activate(playbook=playbook)
    assert error.value.field == "steps"
