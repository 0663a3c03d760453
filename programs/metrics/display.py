"""How a metric value reads for a person: in the command's table, on tiles, in CSV."""

from __future__ import annotations

from typing import Any

from programs.metrics.registry import Metric, Unit

EMPTY = "—"


def format_value(metric: Metric, value: Any) -> str:
    """One short line for the value in the metric's unit; `—` for null."""
    if value is None:
        return EMPTY
    unit = metric.unit
    if unit == Unit.SHARE:
        return f"{value * 100:.1f} %"
    if unit == Unit.DAYS:
        return f"{value:.1f} days"
    if unit == Unit.HOURS:
        return f"{value:.1f} h"
    if unit == Unit.RATE:
        return f"{value:.3f}"
    if unit == Unit.COUNT:
        return f"{value:,}"
    if unit == Unit.AMOUNT:
        return f"{value:,.2f}"
    if unit == Unit.SUMMARY:
        if not value["count"]:
            return "none"
        return f"longest {value['max']}, median {value['median']:g}, {value['count']} chains"
    return _structure(metric.key, value)


def _structure(key: str, value: Any) -> str:
    if key == "contribution_depth":
        if not value["total"]:
            return "nobody active"
        counts = ", ".join(f"{name} {count}" for name, count in value["counts"].items())
        return f"mean level {value['mean']:.2f} of {value['total']} ({counts})"
    if key == "retention_by_cohort":
        return f"{len(value)} cohorts" if value else "no cohorts"
    if key == "silent_guilds":
        return f"{len(value)} silent" + (f" (ids {', '.join(map(str, value))})" if value else "")
    if key == "activity_heatmap":
        if not value:
            return "no contributions"
        busiest = max(value, key=value.get)
        return f"{sum(value.values()):,} contributions, busiest {busiest} UTC ({value[busiest]})"
    return str(value)


def change_text(metric: Metric, current: Any, previous: Any) -> tuple[str, str]:
    """The change against the previous window and whether it is good, bad or neutral."""
    if not metric.scalar or current is None or previous is None:
        return "", "neutral"
    delta = current - previous
    if metric.unit == Unit.SHARE:
        text = f"{delta * 100:+.1f} pts"
    elif metric.unit in (Unit.COUNT,):
        text = f"{delta:+,}"
    elif metric.unit == Unit.AMOUNT:
        text = f"{delta:+,.0f}"
    elif metric.unit == Unit.RATE:
        text = f"{delta:+.3f}"
    else:
        text = f"{delta:+.2f}"
    if delta == 0 or metric.higher_is_better is None:
        return text, "neutral"
    good = (delta > 0) == metric.higher_is_better
    return text, "good" if good else "bad"
