"""Experiments: small, reversible, short tests judged by their primary metric and guardrails.

Evaluation compares the run `[starts_at, ends_at)` (so far) with the window of the same
length just before it (the baseline), for the audience and, if there is one, the control
guilds; the effect is the audience's change minus the control's. Each guardrail whose
effect goes the wrong way by more than it allows is a breach. A decision is recorded with
its reasoning; adopting is refused while a guardrail is breached or before the run ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Guild, User
from programs.metrics import registry
from programs.metrics.models import (
    MAX_EXPERIMENT_DAYS,
    Decision,
    Experiment,
    Guardrail,
    GuardrailDirection,
)
from programs.metrics.scope import MetricScope

# Floating-point noise never makes a breach: an effect must exceed the allowance by more.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class GuardrailInput:
    metric_key: str
    direction: str
    allowed_change: float = 0.0
    note: str = ""


def _scalar_metric(key: str, *, field: str) -> registry.Metric:
    metric = registry.metric(key)
    if not metric.scalar:
        raise DomainError(
            f"{metric.label} ({key}) is not a single number and cannot be an experiment's "
            "measure; choose a share, duration, rate, count or amount.",
            field=field,
        )
    return metric


def experiment_check(
    *,
    title: str,
    hypothesis: str,
    change: str,
    primary_metric: str,
    starts_at: datetime,
    ends_at: datetime,
    audience_guild_ids: Sequence[int],
    control_guild_ids: Sequence[int],
    cohort: tuple[datetime, datetime] | None,
    reversible: bool,
    rollback_plan: str,
    guardrails: Sequence[GuardrailInput],
) -> None:
    """Every rule of a well-formed experiment; raises the first one broken."""
    for field, text in (("title", title), ("hypothesis", hypothesis), ("change", change)):
        if not text.strip():
            raise DomainError(f"An experiment needs its {field}.", field=field)
    _scalar_metric(primary_metric, field="primary_metric")
    if ends_at <= starts_at:
        raise DomainError("The experiment must end after it starts.", field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_EXPERIMENT_DAYS):
        raise DomainError(
            f"Keep experiments short: at most {MAX_EXPERIMENT_DAYS // 7} weeks "
            f"({MAX_EXPERIMENT_DAYS} days).",
            field="ends_at",
        )
    if not audience_guild_ids and cohort is None:
        raise DomainError("Name the audience: guilds, a join cohort, or both.", field="audience")
    if set(audience_guild_ids) & set(control_guild_ids):
        raise DomainError("A guild cannot be in the audience and the control.", field="control")
    if cohort is not None and cohort[0] >= cohort[1]:
        raise DomainError("The cohort's first join date must lie before its last.", field="cohort")
    if reversible and not rollback_plan.strip():
        raise DomainError(
            "Say how the change is undone (the rollback plan).", field="rollback_plan"
        )
    seen = {primary_metric}
    for guardrail in guardrails:
        guardrail_check(guardrail, seen)


def guardrail_check(guardrail: GuardrailInput, seen: set[str]) -> None:
    """A guardrail names a scalar metric not yet used, a direction and an allowance >= 0."""
    _scalar_metric(guardrail.metric_key, field="guardrails")
    if guardrail.metric_key in seen:
        raise DomainError(
            f"{guardrail.metric_key} is already the primary metric or another guardrail.",
            field="guardrails",
        )
    seen.add(guardrail.metric_key)
    if guardrail.direction not in GuardrailDirection.values:
        raise DomainError("A guardrail may not fall, or may not rise.", field="guardrails")
    if guardrail.allowed_change < 0:
        raise DomainError("A guardrail's allowed change is zero or more.", field="guardrails")


@transaction.atomic
def experiment_create(
    *,
    title: str,
    hypothesis: str,
    change: str,
    primary_metric: str,
    starts_at: datetime,
    ends_at: datetime,
    audience_guilds: Iterable[Guild] = (),
    control_guilds: Iterable[Guild] = (),
    cohort: tuple[datetime, datetime] | None = None,
    reversible: bool = True,
    rollback_plan: str = "",
    minimum_effect: float = 0.0,
    guardrails: Sequence[GuardrailInput] = (),
    created_by: User | None = None,
) -> Experiment:
    audience, control = list(audience_guilds), list(control_guilds)
    experiment_check(
        title=title,
        hypothesis=hypothesis,
        change=change,
        primary_metric=primary_metric,
        starts_at=starts_at,
        ends_at=ends_at,
        audience_guild_ids=[g.pk for g in audience],
        control_guild_ids=[g.pk for g in control],
        cohort=cohort,
        reversible=reversible,
        rollback_plan=rollback_plan,
        guardrails=guardrails,
    )
    experiment = Experiment.objects.create(
        title=title.strip(),
        hypothesis=hypothesis.strip(),
        change=change.strip(),
        primary_metric=primary_metric,
        minimum_effect=minimum_effect,
        cohort_joined_from=cohort[0] if cohort else None,
        cohort_joined_to=cohort[1] if cohort else None,
        starts_at=starts_at,
        ends_at=ends_at,
        reversible=reversible,
        rollback_plan=rollback_plan.strip(),
        created_by=created_by,
    )
    experiment.audience_guilds.set(audience)
    experiment.control_guilds.set(control)
    Guardrail.objects.bulk_create(
        Guardrail(experiment=experiment, **asdict(guardrail)) for guardrail in guardrails
    )
    return experiment


# --- evaluation ---------------------------------------------------------------------------


def _difference(after: Any, before: Any) -> float | None:
    return None if after is None or before is None else float(after) - float(before)


def _guardrail_verdict(guardrail: Guardrail, effect: float | None) -> dict[str, Any]:
    metric = registry.REGISTRY[guardrail.metric_key]
    allowed = guardrail.allowed_change
    if effect is None:
        breached, message = None, "not enough data to tell"
    elif guardrail.direction == GuardrailDirection.FALL:
        breached = effect < -allowed - TOLERANCE
        message = f"fell by {-effect:g} (allowed {allowed:g})" if effect < 0 else "did not fall"
    else:
        breached = effect > allowed + TOLERANCE
        message = f"rose by {effect:g} (allowed {allowed:g})" if effect > 0 else "did not rise"
    return {
        "key": guardrail.metric_key,
        "label": metric.label,
        "direction": guardrail.direction,
        "allowed_change": allowed,
        "effect": effect,
        "breached": breached,
        "message": message,
    }


def _success(metric: registry.Metric, effect: float | None, minimum: float) -> bool | None:
    if effect is None or metric.higher_is_better is None:
        return None
    better = effect if metric.higher_is_better else -effect
    return better > 0 and better >= minimum - TOLERANCE


def _scopes(experiment: Experiment, start: datetime, end: datetime) -> dict[str, MetricScope]:
    cohort = None
    if experiment.cohort_joined_from and experiment.cohort_joined_to:
        cohort = (experiment.cohort_joined_from, experiment.cohort_joined_to)
    audience = tuple(experiment.audience_guilds.order_by("pk").values_list("pk", flat=True))
    control = tuple(experiment.control_guilds.order_by("pk").values_list("pk", flat=True))
    length = end - start
    scopes = {
        "during": MetricScope(start, end, guild_ids=audience, cohort=cohort),
        "baseline": MetricScope(start - length, start, guild_ids=audience, cohort=cohort),
    }
    if control:
        scopes["control_during"] = MetricScope(start, end, guild_ids=control, cohort=cohort)
        scopes["control_baseline"] = MetricScope(
            start - length, start, guild_ids=control, cohort=cohort
        )
    return scopes


@transaction.atomic
def experiment_evaluate(*, experiment: Experiment, at: datetime | None = None) -> dict[str, Any]:
    """Compare the run so far with its baseline (and control); store and return the result."""
    at = at or timezone.now()
    if at <= experiment.starts_at:
        raise DomainError(
            f"“{experiment.title}” starts on {experiment.starts_at:%Y-%m-%d %H:%M} UTC; "
            "there is nothing to evaluate yet.",
            field="starts_at",
        )
    end = min(at, experiment.ends_at)
    guardrails = list(experiment.guardrails.all())
    keys = [experiment.primary_metric, *(g.metric_key for g in guardrails)]
    values = {
        name: registry.compute(scope, keys)
        for name, scope in _scopes(experiment, experiment.starts_at, end).items()
    }
    metrics: dict[str, Any] = {}
    for key in keys:
        change = _difference(values["during"][key], values["baseline"][key])
        row: dict[str, Any] = {
            "baseline": values["baseline"][key],
            "during": values["during"][key],
            "change": change,
            "effect": change,
        }
        if "control_during" in values:
            control_change = _difference(
                values["control_during"][key], values["control_baseline"][key]
            )
            row.update(
                control_baseline=values["control_baseline"][key],
                control_during=values["control_during"][key],
                control_change=control_change,
                effect=_difference(change, control_change),
            )
        metrics[key] = row
    primary = registry.REGISTRY[experiment.primary_metric]
    verdicts = [_guardrail_verdict(g, metrics[g.metric_key]["effect"]) for g in guardrails]
    evaluation = {
        "window": {"from": experiment.starts_at.isoformat(), "to": end.isoformat()},
        "baseline": {
            "from": (experiment.starts_at - (end - experiment.starts_at)).isoformat(),
            "to": experiment.starts_at.isoformat(),
        },
        "complete": end >= experiment.ends_at,
        "with_control": "control_during" in values,
        "metrics": metrics,
        "primary": {
            "key": primary.key,
            "effect": metrics[primary.key]["effect"],
            "success": _success(primary, metrics[primary.key]["effect"], experiment.minimum_effect),
        },
        "guardrails": verdicts,
        "breaches": sum(1 for verdict in verdicts if verdict["breached"]),
    }
    experiment.evaluation = evaluation
    experiment.evaluated_at = at
    experiment.save(update_fields=["evaluation", "evaluated_at"])
    return evaluation


@transaction.atomic
def experiment_decide(
    *, experiment: Experiment, decision: str, reasoning: str, by: User | None
) -> Experiment:
    """Adopt, iterate or reject, with the reasoning. Rejected experiments stay listed."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.decision:
        raise DomainError(
            f"“{experiment.title}” was already decided ({experiment.get_decision_display()}); "
            "start a new iteration as a new experiment.",
            field="decision",
        )
    if decision not in Decision.values:
        raise DomainError("Decide to adopt, iterate or reject.", field="decision")
    if not reasoning.strip():
        raise DomainError("Write down the reasoning behind the decision.", field="reasoning")
    evaluation = experiment.evaluation
    if evaluation is None:
        raise DomainError("Evaluate the experiment before deciding.", field="decision")
    if decision == Decision.ADOPT:
        _check_adoptable(experiment, evaluation)
    experiment.decision = decision
    experiment.decision_reasoning = reasoning.strip()
    experiment.decided_at = timezone.now()
    experiment.decided_by = by
    experiment.save(update_fields=["decision", "decision_reasoning", "decided_at", "decided_by"])
    return experiment


def _check_adoptable(experiment: Experiment, evaluation: dict[str, Any]) -> None:
    if not evaluation.get("complete"):
        raise DomainError(
            f"The run ends on {experiment.ends_at:%Y-%m-%d}; evaluate it after that to adopt "
            "(or iterate or reject now).",
            field="decision",
        )
    breached = [g["label"] for g in evaluation.get("guardrails", []) if g["breached"]]
    if breached:
        raise DomainError(
            f"Guardrails were breached ({', '.join(breached)}): iterate or reject instead.",
            field="decision",
        )
