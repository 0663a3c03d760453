"""What governance adds to the portal pages it hooks into (the home panel, the welcome step
and panel, the export section) is a small fixed number of queries, however much governance
data there is. Compared with the same page without governance's registrations, so the
assertion holds whatever other apps add."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import ChampionState
from champions.portal import onboarding
from champions.portal.panels import HOME, ONBOARDING
from champions.privacy import ERASURE_HOOKS, EXPORT_SECTIONS
from programs.governance import services
from tests.factories import ChampionFactory, MembershipFactory
from tests.programs.governance.conftest import Program, decide

pytestmark = pytest.mark.django_db

# page -> the most queries governance may add to it
ADDED = {"portal:home": 1, "portal:welcome": 2, "portal:export": 5}


@contextmanager
def without_governance() -> Iterator[None]:
    panels = (HOME.unregister("conduct"), ONBOARDING.unregister("code_of_conduct"))
    assert panels[0] is not None and panels[1] is not None
    requirement = onboarding.REQUIREMENTS.pop("code_of_conduct")
    section = EXPORT_SECTIONS.pop("governance")
    try:
        yield
    finally:
        HOME.register(panels[0])
        ONBOARDING.register(panels[1])
        onboarding.register_requirement(requirement)
        EXPORT_SECTIONS["governance"] = section


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _governance_data(program: Program, copies: int) -> None:
    champion = program.member
    for number in range(copies):
        reporter = ChampionFactory()
        MembershipFactory(guild=program.guild_a, champion=reporter)
        report = services.report_make(
            reporter=reporter,
            target=champion,
            category="spam",
            description=f"x{number}",
            guild=program.guild_a,
        )
        case = services.case_open(reports=[report], by=program.mod_a)
        decide(case, program.mod_a, consequence=None)
        services.report_make(
            reporter=champion,
            target=reporter,
            category="other",
            description=f"y{number}",
            guild=program.guild_a,
        )


@pytest.mark.parametrize("name", list(ADDED))
def test_governance_adds_a_fixed_number_of_queries(
    client: Client, program: Program, code_v1: Any, name: str
) -> None:
    program.member.state = ChampionState.ONBOARDING
    program.member.save()
    client.force_login(program.member.user)
    url = reverse(name)
    services.health_round_open()
    _governance_data(program, 1)
    with without_governance():
        baseline = _count(client, url)
    added = _count(client, url) - baseline
    assert added <= ADDED[name]
    _governance_data(program, 4)
    assert _count(client, url) - baseline == added


def test_hooks_are_registered() -> None:
    assert "conduct" in {panel.key for panel in HOME.panels()}
    assert "code_of_conduct" in {panel.key for panel in ONBOARDING.panels()}
    assert "code_of_conduct" in onboarding.REQUIREMENTS and "governance" in EXPORT_SECTIONS
    assert any(hook.__module__ == "programs.governance.privacy" for hook in ERASURE_HOOKS)
