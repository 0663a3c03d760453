"""Experiments: well-formed or refused, evaluated against baseline and control, guardrail
breaches flagged, decisions recorded with reasoning (rejected ones stay)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from champions.errors import DomainError
from champions.models import Guild
from programs.metrics import services
from programs.metrics.models import Decision, Experiment
from programs.metrics.services import GuardrailInput
from tests.programs.metrics.build import answer, at, champion, guild, march, question

pytestmark = pytest.mark.django_db
START, END = march(1), march(15)  # 14 days; the baseline is [02-15, 03-01)


def helpfulness(g: Guild, *, baseline: tuple[int, int], during: tuple[int, int]) -> None:
    """In guild `g`, (helpful, total) answers by members before and during the run, and one
    question each time: answered after 10 h in the baseline, after 2 h during the run."""
    asker, peer = champion(guilds=(g,)), champion(guilds=(g,))
    for (helpful, total), day in ((baseline, at(2, 16)), (during, march(2))):
        for n in range(total):
            posted = day + timedelta(hours=10 if day < START else 2, minutes=n)
            accepted = posted + timedelta(hours=1) if n < helpful else None
            answer(question(asker, day, guild_=g), peer, posted, accepted=accepted)


def experiment(
    audience: list[Guild],
    control: tuple[Guild, ...] | list[Guild] = (),
    allowed: float = 0.05,
    **fields: Any,
) -> Experiment:
    values: dict[str, Any] = {
        "title": "Clinic rota with deputies",
        "hypothesis": "A rota answers questions faster because someone is always on duty.",
        "change": "Two deputies per guild answer new questions within the day.",
        "primary_metric": "time_to_first_answer_hours",
        "minimum_effect": 1.0,
        "starts_at": START,
        "ends_at": END,
        "audience_guilds": audience,
        "control_guilds": control,
        "rollback_plan": "Stop the rota; nothing else changed.",
        "guardrails": [GuardrailInput("helpful_answer_share", "fall", allowed)],
    }
    values.update(fields)
    return services.experiment_create(**values)


def test_a_guardrail_breach_is_flagged() -> None:
    audience = guild()
    helpfulness(audience, baseline=(2, 2), during=(1, 2))
    result = services.experiment_evaluate(experiment=experiment([audience]), at=march(20))
    # Time to first answer: 10 h -> 2 h, effect -8 h (lower is better): success.
    assert result["primary"] == {
        "key": "time_to_first_answer_hours",
        "effect": -8.0,
        "success": True,
    }
    # Helpful share 1.0 -> 0.5: fell by 0.5, more than the 0.05 allowed.
    (verdict,) = result["guardrails"]
    assert verdict["breached"] is True and verdict["effect"] == pytest.approx(-0.5)
    assert result["breaches"] == 1 and result["complete"] is True


def test_a_clean_run_flags_nothing() -> None:
    audience = guild()
    helpfulness(audience, baseline=(2, 2), during=(1, 2))
    result = services.experiment_evaluate(experiment=experiment([audience], allowed=0.6), at=END)
    assert result["guardrails"][0]["breached"] is False
    assert result["breaches"] == 0


def test_the_control_takes_out_what_happened_everywhere() -> None:
    audience, control = guild(), guild()
    helpfulness(audience, baseline=(2, 2), during=(1, 2))
    helpfulness(control, baseline=(2, 2), during=(1, 2))  # the same fall without the change
    result = services.experiment_evaluate(experiment=experiment([audience], [control]), at=END)
    row = result["metrics"]["helpful_answer_share"]
    assert row["change"] == pytest.approx(-0.5) and row["control_change"] == pytest.approx(-0.5)
    assert row["effect"] == pytest.approx(0.0)
    assert result["breaches"] == 0
    assert result["primary"]["success"] is False  # no better than the control either


def test_a_guardrail_without_data_is_not_a_breach() -> None:
    result = services.experiment_evaluate(experiment=experiment([guild()]), at=END)
    assert result["guardrails"][0]["breached"] is None
    assert result["guardrails"][0]["message"] == "not enough data to tell"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_at": START + timedelta(days=43)}, "at most 6 weeks"),
        ({"ends_at": START}, "end after it starts"),
        ({"primary_metric": "retention_by_cohort"}, "not a single number"),
        ({"primary_metric": "activation"}, "not a metric key"),
        ({"guardrails": [GuardrailInput("time_to_first_answer_hours", "rise", 1)]}, "already"),
        ({"guardrails": [GuardrailInput("helpful_answer_share", "fall", -1)]}, "zero or more"),
        ({"guardrails": [GuardrailInput("helpful_answer_share", "sideways")]}, "may not fall"),
        ({"audience_guilds": []}, "Name the audience"),
        ({"rollback_plan": ""}, "rollback plan"),
        ({"title": " "}, "needs its title"),
    ],
)
def test_ill_formed_experiments_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        experiment([guild()], **fields)


def test_audience_and_control_must_differ() -> None:
    g = guild()
    with pytest.raises(DomainError, match="audience and the control"):
        experiment([g], [g])


def test_a_cohort_audience_and_not_reversible() -> None:
    made = experiment([], cohort=(at(1, 1), at(3, 1)), reversible=False, rollback_plan="")
    assert made.cohort_joined_from == at(1, 1) and not made.reversible
    services.experiment_evaluate(experiment=made, at=END)


def test_decisions() -> None:
    audience = guild()
    helpfulness(audience, baseline=(2, 2), during=(1, 2))
    run = experiment([audience])
    with pytest.raises(DomainError, match="Evaluate the experiment before"):
        services.experiment_decide(experiment=run, decision=Decision.REJECT, reasoning="x", by=None)
    with pytest.raises(DomainError, match="nothing to evaluate yet"):
        services.experiment_evaluate(experiment=run, at=START)
    services.experiment_evaluate(experiment=run, at=march(10))
    with pytest.raises(DomainError, match="evaluate it after that"):
        services.experiment_decide(
            experiment=run, decision=Decision.ADOPT, reasoning="Faster.", by=None
        )
    services.experiment_evaluate(experiment=run, at=END)
    with pytest.raises(DomainError, match="Guardrails were breached"):
        services.experiment_decide(
            experiment=run, decision=Decision.ADOPT, reasoning="Faster.", by=None
        )
    with pytest.raises(DomainError, match="reasoning"):
        services.experiment_decide(experiment=run, decision=Decision.REJECT, reasoning=" ", by=None)
    decided = services.experiment_decide(
        experiment=run, decision=Decision.REJECT, reasoning="Faster, but half as helpful.", by=None
    )
    assert decided.decision == Decision.REJECT and decided.decided_at is not None
    with pytest.raises(DomainError, match="already decided"):
        services.experiment_decide(
            experiment=run, decision=Decision.ITERATE, reasoning="y", by=None
        )


def test_rejected_experiments_stay_visible_in_the_admin(admin_client_logged_in: Client) -> None:
    audience = guild()
    run = experiment([audience])
    services.experiment_evaluate(experiment=run, at=END)
    services.experiment_decide(
        experiment=run, decision=Decision.REJECT, reasoning="It crowded out helpfulness.", by=None
    )
    index = admin_client_logged_in.get("/admin/").content.decode()
    assert "Clinic rota with deputies" in index and "It crowded out helpfulness." in index
    change = admin_client_logged_in.get(f"/admin/metrics/experiment/{run.pk}/change/")
    assert change.status_code == 200 and "Reject" in change.content.decode()
    assert (
        admin_client_logged_in.get(f"/admin/metrics/experiment/{run.pk}/delete/").status_code == 403
    )


def test_evaluate_and_decide_from_the_admin(admin_client_logged_in: Client) -> None:
    audience = guild()
    helpfulness(audience, baseline=(2, 2), during=(1, 2))
    run = experiment([audience], starts_at=datetime(2026, 3, 1, tzinfo=UTC))
    response = admin_client_logged_in.post(
        f"/admin/metrics/experiment/{run.pk}/evaluate/", follow=True
    )
    assert "1 guardrail breach(es) flagged" in response.content.decode()
    assert "BREACHED" in response.content.decode()
    response = admin_client_logged_in.post(
        f"/admin/metrics/experiment/{run.pk}/decide/",
        {"decision": "adopt", "reasoning": "Faster."},
        follow=True,
    )
    assert "Guardrails were breached" in response.content.decode()
    response = admin_client_logged_in.post(
        f"/admin/metrics/experiment/{run.pk}/decide/",
        {"decision": "iterate", "reasoning": "Keep the rota, add a helpfulness check."},
        follow=True,
    )
    assert "Decision recorded." in response.content.decode()


def test_experiment_add_form_refuses_eight_weeks(admin_client_logged_in: Client) -> None:
    g = guild()
    response = admin_client_logged_in.post(
        "/admin/metrics/experiment/add/",
        {
            "title": "Long one",
            "hypothesis": "h",
            "change": "c",
            "primary_metric": "activation_rate",
            "minimum_effect": "0",
            "audience_guilds": [g.pk],
            "starts_at_0": "2026-03-01",
            "starts_at_1": "00:00:00",
            "ends_at_0": "2026-04-26",
            "ends_at_1": "00:00:00",
            "reversible": "on",
            "rollback_plan": "undo",
            "guardrails-TOTAL_FORMS": "0",
            "guardrails-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Keep experiments short" in response.content.decode()
