"""Two guilds, each with its own moderator (and the first with a second one, the deputy), a
program lead, a reporter and a reported member in the first guild, and a question to report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from champions.models import Champion, Guild, User
from champions.roles import Role, ensure_role_groups
from programs.clinics.models import Question
from programs.governance import services
from programs.governance.models import CodeOfConduct, GuildModerator
from tests.factories import (
    AccountFactory,
    ChampionFactory,
    GuildFactory,
    MembershipFactory,
    StaffFactory,
)
from tests.programs.factories import QuestionFactory


@dataclass
class Program:
    lead: User
    guild_a: Guild
    guild_b: Guild
    mod_a: User
    deputy_a: User
    mod_b: User
    reporter: Champion
    member: Champion
    bystander: Champion
    question: Question


def _staff(email: str, name: str, role: str) -> User:
    user = StaffFactory(email=email, full_name=name)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def program(db: None) -> Program:
    ensure_role_groups()
    lead = _staff("lead@example.com", "Lena Lead", Role.PROGRAM_MANAGER)
    guild_a = GuildFactory(name="Finance ops", slug="finance-ops")
    guild_b = GuildFactory(name="Retail analytics", slug="retail-analytics")
    mod_a = _staff("mod.a@example.com", "Mona Moderator", Role.MODERATOR)
    deputy_a = _staff("deputy.a@example.com", "Dario Deputy", Role.MODERATOR)
    mod_b = _staff("mod.b@example.com", "Bruno Bee", Role.MODERATOR)
    for guild, user in ((guild_a, mod_a), (guild_a, deputy_a), (guild_b, mod_b)):
        GuildModerator.objects.create(guild=guild, user=user)
    reporter = ChampionFactory(
        full_name="Ada Lovelace",
        email="ada@acme.example",
        account=AccountFactory(name="Acme GmbH", domain="acme.example"),
    )
    member = ChampionFactory(
        full_name="Max Mustermann",
        email="max@globex.example",
        account=AccountFactory(name="Globex AG", domain="globex.example"),
    )
    bystander = ChampionFactory(full_name="Beatrice Bystander", email="bea@initech.example")
    for champion in (reporter, member, bystander):
        MembershipFactory(guild=guild_a, champion=champion)
    question = QuestionFactory(guild=guild_a, asker=member, title="Why is everyone so slow?")
    return Program(
        lead, guild_a, guild_b, mod_a, deputy_a, mod_b, reporter, member, bystander, question
    )


@pytest.fixture
def report(program: Program) -> Any:
    return services.report_make(
        reporter=program.reporter,
        target=program.question,
        category="spam",
        description="Ada here: the question links to a paid course, again.",
    )


def walk_to_decision(case: Any, by: User) -> None:
    """Record the guide's first three steps."""
    services.case_record_step(case=case, kind="mirror", text="Spam links in a question.", by=by)
    services.case_record_step(case=case, kind="interests", text="Guild wants focus.", by=by)
    services.case_record_step(case=case, kind="options", text="Note, warning, hide.", by=by)


def decide(case: Any, by: User, consequence: str | None = "note", **extra: Any) -> Any:
    walk_to_decision(case, by)
    return services.case_decide(
        case=case,
        by=by,
        decision="Links to a paid course break the code.",
        member_message="Please keep paid offers out of the clinics.",
        consequence=consequence,
        reason="Promotion in a question." if consequence else "",
        **extra,
    )


@pytest.fixture
def code_v1(program: Program) -> CodeOfConduct:
    code = services.code_of_conduct_draft(version="1", body="Be kind.", by=program.lead)
    return services.code_of_conduct_publish(
        code=code, by=program.lead, at=timezone.now() - timedelta(days=30)
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """`with committed(): ...` runs what the block queued for after commit (the emails)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
