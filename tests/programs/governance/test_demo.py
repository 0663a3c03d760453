"""The governance demo: reports and cases in every state, built through the services."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from champions.models import Activity, ActivityKind
from champions.roles import Role, ensure_role_groups
from programs.governance import selectors
from programs.governance.demo import seed_governance, wipe_governance
from programs.governance.models import (
    AppealOutcome,
    CaseStatus,
    CodeOfConduct,
    EscalationLevel,
    HealthCheckRound,
    ModerationAction,
    ReportStatus,
)
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db: None) -> Any:
    ensure_role_groups()
    lead = StaffFactory(is_superuser=True)
    moderators = [StaffFactory(), StaffFactory()]
    for user in moderators:
        user.groups.add(Group.objects.get(name=Role.MODERATOR))
    guilds = [GuildFactory(), GuildFactory(), GuildFactory()]
    champions = []
    for guild in guilds:
        for _ in range(14):
            champion = ChampionFactory()
            MembershipFactory(guild=guild, champion=champion)
            champions.append(champion)
    login = champions[0]
    demo = seed_governance(
        champions=champions,
        guilds=guilds,
        moderators=moderators,
        lead=lead,
        reporter_login=login,
        rng=random.Random(1),
    )
    return demo, login


def test_reports_and_cases_in_every_state(seeded: Any) -> None:
    demo, login = seeded
    reports, cases = demo.reports, demo.cases
    assert reports["received"].status == ReportStatus.RECEIVED
    assert reports["received_over_sla"] in selectors.reports_over_sla(at=timezone.now())
    assert reports["acknowledged"].reporter == login
    assert {c.status for c in (c.__class__.objects.get(pk=c.pk) for c in cases.values())} == {
        CaseStatus.OPEN,
        CaseStatus.DECIDED,
        CaseStatus.APPEALED,
        CaseStatus.CLOSED,
    }
    rungs = {c.consequence.kind for c in cases.values() if hasattr(c, "consequence")}
    assert rungs == {"note", "warning", "restriction", "removal"}
    assert cases["escalated_harassment"].escalation_level == EscalationLevel.PROGRAM_LEAD
    assert cases["appealed_restriction"].appeal.outcome == AppealOutcome.PENDING
    assert cases["appeal_overturned"].appeal.outcome == AppealOutcome.OVERTURNED
    assert demo.lessons and demo.lessons[0].audience == "community"


def test_code_versions_health_checks_and_audited_actions(seeded: Any) -> None:
    _, login = seeded
    assert selectors.code_current().version == "2"
    assert selectors.can_post(login)
    assert CodeOfConduct.objects.count() == 2
    assert HealthCheckRound.objects.count() == 4
    assert any(item.flagged for item in selectors.health_results())
    moderator_actions = ModerationAction.objects.filter(actor__isnull=False).count()
    assert Activity.objects.filter(kind=ActivityKind.MODERATED).count() == moderator_actions
    assert ModerationAction.objects.filter(kind="handed_over", actor__isnull=True).exists()


def test_wipe_removes_it_all(seeded: Any) -> None:
    wipe_governance()
    assert not ModerationAction.objects.exists() and not CodeOfConduct.objects.exists()
