"""What the program team's dashboard shows, assembled from snapshots (or computed live).

Program-wide and per-guild views of the preset windows (the last 30 or 90 days, the last
quarter) read the snapshots the daily task stored: a handful of queries whatever the size
of the program. A custom window, an account or an industry is computed live. Every chart
comes with its one-line meaning, its lever, its rows for CSV, and the quotes tagged to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString

from champions.models import Account, Champion, Guild
from programs.metrics import registry, svg
from programs.metrics.charts import CHART_KEYS, compute_charts
from programs.metrics.compute import MetricContext
from programs.metrics.display import change_text, format_value
from programs.metrics.models import DropOffHypothesis, Experiment, FunnelStep, Quote
from programs.metrics.scope import MetricScope
from programs.metrics.selectors import snapshot_series, snapshot_values
from programs.metrics.services.snapshots import previous_quarter

PRESETS = {"30": "Last 30 days", "90": "Last 90 days", "quarter": "Last quarter"}
TREND_DAYS = 30  # trend points are trailing 30-day windows ...
TREND_POINTS = 26  # ... one a week, half a year back
QUOTES_SHOWN = 3


@dataclass(frozen=True)
class Window:
    preset: str  # "30", "90", "quarter" or "custom"
    start: datetime
    end: datetime

    @property
    def previous(self) -> tuple[datetime, datetime]:
        return self.start - (self.end - self.start), self.start

    @property
    def label(self) -> str:
        last = self.end - timedelta(microseconds=1)
        return (
            f"{PRESETS.get(self.preset, 'Custom window')}: {self.start:%d %b %Y} – {last:%d %b %Y}"
        )


def preset_window(preset: str, now: datetime | None = None) -> Window:
    """A preset ends at the last UTC midnight, so it is a window the daily task stored."""
    now = (now or timezone.now()).astimezone(UTC)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if preset == "quarter":
        return Window(preset, *previous_quarter(end))
    days = 90 if preset == "90" else 30
    return Window("90" if days == 90 else "30", end - timedelta(days=days), end)


def stored_windows(now: datetime) -> list[tuple[datetime, datetime]]:
    """The program-wide windows the dashboard reads from snapshots on `now`'s day: the 30-
    and 90-day presets with the windows before them, and the trend points. The daily task
    stores them over time; a database that has just been filled (the demo, the benchmark)
    stores them at once."""
    presets = [preset_window(preset, now) for preset in ("30", "90")]
    windows = {pair for window in presets for pair in ((window.start, window.end), window.previous)}
    end = presets[0].end  # both presets end at the last midnight, as the trend does
    for step in range(TREND_POINTS):
        point = end - timedelta(days=7 * step)
        windows.add((point - timedelta(days=TREND_DAYS), point))
    return sorted(windows)


@dataclass(frozen=True)
class Filters:
    window: Window
    guild: Guild | None = None
    account: Account | None = None
    industry: str | None = None

    def scope(self, start: datetime | None = None, end: datetime | None = None) -> MetricScope:
        return MetricScope(
            start or self.window.start,
            end or self.window.end,
            guild_ids=(self.guild.pk,) if self.guild else (),
            account_id=self.account.pk if self.account else None,
            industry=self.industry,
        )

    @property
    def from_snapshots(self) -> bool:
        return self.account is None and self.industry is None and self.window.preset != "custom"

    def query(self) -> str:
        params: dict[str, Any] = {"preset": self.window.preset}
        if self.window.preset == "custom":
            params.update(
                {"from": self.window.start.isoformat(), "to": self.window.end.isoformat()}
            )
        for name, value in (("guild", self.guild), ("account", self.account)):
            if value is not None:
                params[name] = value.pk
        if self.industry:
            params["industry"] = self.industry
        return urlencode(params)


@dataclass
class Section:
    slug: str
    title: str
    meaning: str
    lever: str
    chart: SafeString | str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Tile:
    metric: registry.Metric
    value: str
    change: str
    tone: str
    quote: Quote | None


@dataclass
class Dashboard:
    filters: Filters
    source: str
    tiles: list[Tile]
    sections: list[Section]
    experiments: list[Experiment]
    silent: list[Guild]
    values: dict[str, Any]


# --- figures ------------------------------------------------------------------------------


def _live(scope: MetricScope, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    context = MetricContext(scope)
    values = registry.compute_in(context, keys)
    if keys is None:
        values.update(compute_charts(context))
    return values


def figures(filters: Filters) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Values for the window and the previous one, and where they came from."""
    window = filters.window
    keys = (*registry.KEYS, *CHART_KEYS)
    current: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None
    if filters.from_snapshots:
        stored = snapshot_values(
            keys=keys,
            windows=[(window.start, window.end), window.previous],
            guild_id=filters.guild.pk if filters.guild else None,
        )
        current = _complete(stored, keys, window.start, window.end)
        previous = _complete(stored, registry.SCALAR_KEYS, *window.previous)
    source = "snapshots" if current is not None else "computed live"
    if current is None:
        current = _live(filters.scope())
    if previous is None:
        previous = _live(filters.scope(*window.previous), registry.SCALAR_KEYS)
        if source == "snapshots":
            source = "snapshots (the previous window computed live)"
    return current, previous, source


def _complete(
    stored: dict[tuple[str, datetime, datetime], Any],
    keys: tuple[str, ...],
    start: datetime,
    end: datetime,
) -> dict[str, Any] | None:
    if not all((key, start, end) in stored for key in keys):
        return None
    return {key: stored[key, start, end] for key in keys}


def _trends(filters: Filters, keys: list[str]) -> dict[str, list[tuple[datetime, Any]]]:
    end = filters.window.end
    ends = [end - timedelta(days=7 * step) for step in range(TREND_POINTS)]
    if not filters.from_snapshots:
        return {key: [] for key in keys}
    guild_id = filters.guild.pk if filters.guild else None
    return snapshot_series(keys=keys, length_days=TREND_DAYS, ends=ends, guild_id=guild_id)


def _quotes(keys: list[str], steps: list[str]) -> dict[str, list[Quote]]:
    """The latest quotes tagged to each metric key and funnel step (bounded, one query)."""
    recent = (
        Quote.objects.filter(Q(metric_key__in=keys) | Q(funnel_step__in=steps))
        .select_related("note")
        .order_by("-note__interviewed_on", "-id")[: QUOTES_SHOWN * (len(keys) + len(steps))]
    )
    grouped: dict[str, list[Quote]] = defaultdict(list)
    for quote in recent:
        for tag in (quote.metric_key, quote.funnel_step):
            if tag and len(grouped[tag]) < QUOTES_SHOWN:
                grouped[tag].append(quote)
    return grouped


# --- the page -----------------------------------------------------------------------------


def build(filters: Filters) -> Dashboard:
    current, previous, source = figures(filters)
    quotes = _quotes(list(registry.KEYS), list(FunnelStep.values))
    tiles = [
        Tile(
            metric=metric,
            value=format_value(metric, current.get(metric.key)),
            change=change_text(metric, current.get(metric.key), previous.get(metric.key))[0],
            tone=change_text(metric, current.get(metric.key), previous.get(metric.key))[1],
            quote=next(iter(quotes.get(metric.key, [])), None),
        )
        for metric in registry.METRICS
        if metric.scalar
    ]
    trend_keys = [
        "time_to_first_answer_hours",
        "answered_within_24h_share",
        "template_reuse_rate",
        "learning_transfer_rate",
        "moderation_effort_per_interaction",
        "reference_supply",
        "chart.reference_demand",
    ]
    trends = _trends(filters, trend_keys)
    guilds = {guild.pk: guild for guild in Guild.objects.order_by("name")}
    silent = [guilds[pk] for pk in current["silent_guilds"] if pk in guilds]
    sections = [
        _funnel(current, quotes),
        _retention(current),
        _answers(current, trends, quotes),
        _chains(current, quotes),
        _reuse(current, trends, quotes),
        _moderation(current, trends, quotes),
        _heatmap(current, quotes),
        _references(current, trends, quotes),
        _revenue(current, quotes),
        _depth(current, quotes),
        _silent(silent, quotes),
    ]
    experiments = list(
        Experiment.objects.order_by("-starts_at", "-id").prefetch_related("guardrails")[:12]
    )
    return Dashboard(filters, source, tiles, sections, experiments, silent, current)


def _section(slug: str, title: str, key: str, **fields: Any) -> Section:
    """A chart section with its metric's one-line meaning and lever."""
    metric = registry.REGISTRY[key]
    return Section(slug, title, metric.meaning, metric.lever, **fields)


def _share(part: int, whole: int) -> str:
    return f"{part / whole * 100:.0f} %" if whole else "—"


def _funnel(values: dict[str, Any], quotes: dict[str, list[Quote]]) -> Section:
    counts = values.get("chart.activation_funnel") or {}
    invited = counts.get(FunnelStep.INVITED, 0)
    rows: list[list[Any]] = []
    previous = invited
    for step in FunnelStep:
        n = counts.get(step.value, 0)
        rows.append([step.label, n, _share(n, invited), _share(n, previous)])
        previous = n
    chart = svg.bars(
        [(row[0], float(row[1]), f"{row[1]:,} ({row[2]})") for row in rows],
        title="Activation funnel",
    )
    hypotheses: dict[str, list[DropOffHypothesis]] = defaultdict(list)
    for hypothesis in DropOffHypothesis.objects.order_by("-created_at")[:30]:
        hypotheses[hypothesis.funnel_step].append(hypothesis)
    return Section(
        "funnel",
        "Activation funnel",
        "Of the champions invited in the window, how many got how far before its end.",
        registry.ONBOARDING,
        chart,
        ["step", "champions", "of invited", "of previous step"],
        rows,
        [q for step in FunnelStep.values for q in quotes.get(step, [])][: QUOTES_SHOWN * 2],
        extra={"hypotheses": [(step.label, hypotheses.get(step.value, [])) for step in FunnelStep]},
    )


def _retention(values: dict[str, Any]) -> Section:
    cohorts: dict[str, Any] = values.get("retention_by_cohort") or {}
    width = max((len(row["shares"]) for row in cohorts.values()), default=0)
    cells = {
        (r, k): share
        for r, row in enumerate(cohorts.values())
        for k, share in enumerate(row["shares"])
    }
    shown = {cell: f"{share * 100:.0f} %" for cell, share in cells.items()}
    labels = [f"{month} ({row['size']})" for month, row in cohorts.items()]
    chart = svg.heat_grid(
        labels,
        [f"M{k}" for k in range(width)],
        cells,
        title="Retention by cohort",
        cell=34,
        label_width=110,
        shown=shown,
    )
    rows = [
        [month, row["size"], k, share]
        for month, row in cohorts.items()
        for k, share in enumerate(row["shares"])
    ]
    return _section(
        "retention",
        "Retention by cohort",
        "retention_by_cohort",
        chart=chart,
        header=["cohort", "size", "month", "active share"],
        rows=rows,
    )


def _trend_rows(trends: dict[str, list[tuple[datetime, Any]]], keys: list[str]) -> list[list[Any]]:
    by_end: dict[datetime, dict[str, Any]] = defaultdict(dict)
    for key in keys:
        for end, value in trends.get(key, []):
            by_end[end][key] = value
    return [
        [end.date().isoformat(), *(row.get(key) for key in keys)]
        for end, row in sorted(by_end.items())
    ]


def _answers(
    values: dict[str, Any], trends: dict[str, Any], quotes: dict[str, list[Quote]]
) -> Section:
    keys = ["time_to_first_answer_hours", "answered_within_24h_share"]
    chart = svg.lines(
        {"median hours to first answer": trends.get(keys[0], [])},
        title="Time to first answer over time",
    )
    return _section(
        "answers",
        "Time to first answer over time",
        keys[0],
        chart=chart,
        header=["window end (30 days)", *keys],
        rows=_trend_rows(trends, keys),
        quotes=quotes.get(keys[0], []) + quotes.get(keys[1], []),
        notes=[
            f"This window: {format_value(registry.REGISTRY[k], values.get(k))} "
            f"({registry.REGISTRY[k].label.lower()})"
            for k in keys
        ],
    )


def _chains(values: dict[str, Any], quotes: dict[str, list[Quote]]) -> Section:
    paths: list[list[int]] = values.get("chart.referral_chains") or []
    ids = {pk for path in paths for pk in path}
    names = dict(Champion.objects.filter(pk__in=ids).values_list("pk", "full_name")) if ids else {}
    rendered = [" → ".join(names.get(pk, f"#{pk}") for pk in path) for path in paths]
    rows = [
        [n + 1, position + 1, pk, names.get(pk, "")]
        for n, path in enumerate(paths)
        for position, pk in enumerate(path)
    ]
    summary = values.get("referral_chain_depth") or {}
    return _section(
        "chains",
        "Referral chains",
        "referral_chain_depth",
        header=["chain", "position", "champion id", "name"],
        rows=rows,
        quotes=quotes.get("referral_chain_depth", []),
        notes=[format_value(registry.REGISTRY["referral_chain_depth"], summary)] if summary else [],
        extra={"chains": rendered},
    )


def _reuse(
    values: dict[str, Any], trends: dict[str, Any], quotes: dict[str, list[Quote]]
) -> Section:
    keys = ["template_reuse_rate", "learning_transfer_rate"]
    chart = svg.lines(
        {
            "template reuse": [
                (e, v * 100 if v is not None else None) for e, v in trends.get(keys[0], [])
            ],
            "learning transfer": [
                (e, v * 100 if v is not None else None) for e, v in trends.get(keys[1], [])
            ],
        },
        title="Template reuse and learning transfer (%)",
        value_format="{:.0f} %",
    )
    return _section(
        "reuse",
        "Template reuse",
        keys[0],
        chart=chart,
        header=["window end (30 days)", *keys],
        rows=_trend_rows(trends, keys),
        quotes=quotes.get(keys[0], []) + quotes.get(keys[1], []),
        notes=[
            f"{registry.REGISTRY[k].label}: {format_value(registry.REGISTRY[k], values.get(k))}"
            for k in keys
        ],
    )


def _moderation(
    values: dict[str, Any], trends: dict[str, Any], quotes: dict[str, list[Quote]]
) -> Section:
    key = "moderation_effort_per_interaction"
    chart = svg.lines(
        {"moderator actions per interaction": trends.get(key, [])},
        title="Moderation effort over time",
        value_format="{:.3f}",
    )
    notes = [
        f"{registry.REGISTRY[k].label}: {format_value(registry.REGISTRY[k], values.get(k))}"
        for k in (key, "report_response_hours", "open_reports_over_sla")
    ]
    return _section(
        "moderation",
        "Moderation effort",
        key,
        chart=chart,
        header=["window end (30 days)", key],
        rows=_trend_rows(trends, [key]),
        quotes=quotes.get(key, []) + quotes.get("report_response_hours", []),
        notes=notes,
    )


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _heatmap(values: dict[str, Any], quotes: dict[str, list[Quote]]) -> Section:
    cells_in: dict[str, int] = values.get("activity_heatmap") or {}
    cells: dict[tuple[int, int], float] = {}
    rows: list[list[Any]] = []
    for name, count in cells_in.items():
        day, hour = name.split()
        cells[WEEKDAYS.index(day), int(hour)] = count
        rows.append([day, hour, count])
    chart = svg.heat_grid(
        WEEKDAYS,
        [f"{h:02d}" for h in range(24)],
        cells,
        title="Contributions by weekday and hour (UTC)",
        cell=20,
        label_width=40,
        column_every=3,
    )
    return _section(
        "heatmap",
        "Activity heatmap",
        "activity_heatmap",
        chart=chart,
        header=["weekday", "hour (UTC)", "contributions"],
        rows=rows,
        quotes=quotes.get("activity_heatmap", []),
    )


def _references(
    values: dict[str, Any], trends: dict[str, Any], quotes: dict[str, list[Quote]]
) -> Section:
    demand = values.get("chart.reference_demand") or {}
    supply = values.get("reference_supply") or 0
    bars = [
        ("Supply (champions available)", float(supply), f"{supply:,}"),
        (
            "Requests made in the window",
            float(demand.get("requested", 0)),
            f"{demand.get('requested', 0):,}",
        ),
        (
            "Requests open at its end",
            float(demand.get("open_at_end", 0)),
            f"{demand.get('open_at_end', 0):,}",
        ),
    ]
    chart = svg.bars(bars, title="Reference supply against demand", label_width=200)
    trend = svg.lines(
        {
            "supply": [(e, float(v)) for e, v in trends.get("reference_supply", [])],
            "open requests": [
                (e, float(v["open_at_end"]))
                for e, v in trends.get("chart.reference_demand", [])
                if v
            ],
        },
        title="Supply and open requests over time",
        value_format="{:.0f}",
    )
    return _section(
        "references",
        "Reference supply against demand",
        "reference_supply",
        chart=chart,
        header=["figure", "value"],
        rows=[[label, shown] for label, _, shown in bars],
        quotes=quotes.get("reference_supply", []) + quotes.get("reference_fulfilment_rate", []),
        notes=[
            f"{registry.REGISTRY[k].label}: {format_value(registry.REGISTRY[k], values.get(k))}"
            for k in ("reference_fulfilment_rate", "reference_fulfilment_days")
        ],
        extra={"trend": trend},
    )


def _revenue(values: dict[str, Any], quotes: dict[str, list[Quote]]) -> Section:
    keys = [
        "influenced_pipeline",
        "influenced_won_amount",
        "win_rate_with_reference",
        "win_rate_without_reference",
        "deals_with_reference_share",
    ]
    amounts = svg.bars(
        [
            (
                registry.REGISTRY[k].label,
                float(values.get(k) or 0),
                format_value(registry.REGISTRY[k], values.get(k)),
            )
            for k in keys[:2]
        ],
        title="Influenced pipeline and revenue",
    )
    rates = svg.bars(
        [
            (label, values.get(k), format_value(registry.REGISTRY[k], values.get(k)))
            for label, k in (("with a reference", keys[2]), ("without", keys[3]))
        ],
        title="Win rate with and without a reference",
    )
    return _section(
        "revenue",
        "Influenced pipeline and win rate",
        "win_rate_with_reference",
        chart=amounts,
        header=["metric", "value"],
        rows=[[k, values.get(k)] for k in keys],
        quotes=quotes.get(keys[2], []) + quotes.get(keys[0], []),
        extra={"rates": rates},
    )


def _depth(values: dict[str, Any], quotes: dict[str, list[Quote]]) -> Section:
    depth = values.get("contribution_depth") or {"counts": {}, "shares": {}}
    rows = [[level, count, depth["shares"].get(level)] for level, count in depth["counts"].items()]
    chart = svg.bars(
        [
            (level.title(), float(count), f"{count:,} ({_share(count, depth.get('total') or 0)})")
            for level, count, _ in rows
        ],
        title="Contribution depth",
    )
    return _section(
        "depth",
        "Contribution depth",
        "contribution_depth",
        chart=chart,
        header=["level", "champions", "share"],
        rows=rows,
        quotes=quotes.get("contribution_depth", []),
        notes=[
            format_value(registry.REGISTRY["contribution_depth"], values.get("contribution_depth"))
        ],
    )


def _silent(silent: list[Guild], quotes: dict[str, list[Quote]]) -> Section:
    return _section(
        "silent",
        "Silent guilds",
        "silent_guilds",
        header=["guild id", "guild"],
        rows=[[guild.pk, guild.name] for guild in silent],
        quotes=quotes.get("silent_guilds", []),
        extra={"guilds": silent},
    )
