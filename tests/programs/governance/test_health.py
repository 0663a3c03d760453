"""Health checks: quarterly rounds, one answer per guild, scores with trend, drops flagged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, Guild
from programs.governance import selectors, services
from programs.governance.models import HealthCheckRound
from tests.factories import ChampionFactory, MembershipFactory
from tests.programs.governance.conftest import Program

pytestmark = pytest.mark.django_db


def _answer(health_round: HealthCheckRound, champion: Champion, guild: Guild, score: int) -> None:
    services.health_respond(
        health_round=health_round,
        champion=champion,
        guild=guild,
        scores={"psychological_safety": score, "belonging": score, "usefulness": score},
        at=health_round.opens_at + timedelta(hours=1),
    )


def _round(days_ago: int) -> HealthCheckRound:
    opens = timezone.now() - timedelta(days=days_ago)
    return services.health_round_open(opens_at=opens, closes_at=opens + timedelta(days=14))


def test_a_round_opens_each_quarter(program: Program) -> None:
    first = services.health_round_open_if_due()
    assert first is not None and first.title.startswith("Health check ")
    assert services.health_round_open_if_due() is None  # open, and not due
    later = first.opens_at + timedelta(days=95)
    assert services.health_round_open_if_due(at=later) is not None


def test_one_answer_per_guild_in_an_open_round_from_members_only(program: Program) -> None:
    health_round = _round(1)
    _answer(health_round, program.member, program.guild_a, 4)
    with pytest.raises(DomainError, match="already"):
        _answer(health_round, program.member, program.guild_a, 4)
    with pytest.raises(DomainError, match="your own guilds"):
        _answer(health_round, program.member, program.guild_b, 4)
    with pytest.raises(DomainError) as refused:
        services.health_respond(
            health_round=health_round,
            champion=program.reporter,
            guild=program.guild_a,
            scores={"psychological_safety": 6, "belonging": 1, "usefulness": 1},
        )
    assert refused.value.field == "psychological_safety"
    closed = _round(40)
    with pytest.raises(DomainError, match="not open"):
        services.health_respond(
            health_round=closed,
            champion=program.member,
            guild=program.guild_a,
            scores={"psychological_safety": 3, "belonging": 3, "usefulness": 3},
        )


def test_scores_per_guild_with_trend_and_a_flag_when_they_drop(
    program: Program, committed: Any
) -> None:
    people = [program.reporter, program.member, program.bystander]
    earlier, latest = _round(100), _round(20)
    for champion in people:
        _answer(earlier, champion, program.guild_a, 4)
        _answer(latest, champion, program.guild_a, 3)
    stable = [ChampionFactory() for _ in range(3)]
    for champion in stable:
        MembershipFactory(guild=program.guild_b, champion=champion)
        _answer(earlier, champion, program.guild_b, 4)
        _answer(latest, champion, program.guild_b, 4)

    results = {item.guild: item for item in selectors.health_results()}
    a = results[program.guild_a]
    assert [r.score for r in a.rounds] == [4.0, 3.0] and a.change == -1.0 and a.flagged
    assert not results[program.guild_b].flagged

    with committed():
        assert services.health_rounds_report_closed() == 2
    [email] = mail.outbox
    assert email.to == [program.lead.email] and "Finance ops" in email.body
    assert "Retail analytics" not in email.body


def test_too_few_answers_show_no_score(program: Program) -> None:
    health_round = _round(1)
    _answer(health_round, program.member, program.guild_a, 1)
    [item] = selectors.health_results()
    assert item.rounds[0].responses == 1 and item.rounds[0].score is None
    assert not item.flagged
