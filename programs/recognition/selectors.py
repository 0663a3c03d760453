"""Levels and the contributor roll, computed from the activity log."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone

from champions.errors import DomainError
from champions.models import ACTIVITY_LEVELS, Activity, ActivityKind, ActivityLevel, Champion

LEVEL_WINDOW = timedelta(days=90)
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
# Contribution kinds in the order of METRICS.md (observer kinds are presence, not on the roll).
CONTRIBUTION_KINDS = [
    kind for kind, level in ACTIVITY_LEVELS.items() if level > ActivityLevel.OBSERVER
]


def champion_level(champion: Champion, at: datetime | None = None) -> ActivityLevel | None:
    """The highest level the champion reached in the 90 days before `at` (now by default).

    Observer, participant, contributor or leader: the highest level of any of their
    activities in `[at − 90 days, at)`; None when they did nothing in that time.
    """
    at = at or timezone.now()
    highest = Activity.objects.filter(
        champion=champion, occurred_at__gte=at - LEVEL_WINDOW, occurred_at__lt=at
    ).aggregate(highest=Max("level"))["highest"]
    return None if highest is None else ActivityLevel(highest)


def quarter_bounds(quarter: str) -> tuple[datetime, datetime]:
    """`2026-Q1` (or `2026Q1`) as the window `[1 Jan 2026, 1 Apr 2026)` in UTC."""
    match = _QUARTER.match(quarter or "")
    if match is None:
        raise DomainError(f"“{quarter}” is not a quarter; write it like 2026-Q1.", field="quarter")
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, 3 * number - 2, 1, tzinfo=UTC)
    end = (
        datetime(year + 1, 1, 1, tzinfo=UTC)
        if number == 4
        else datetime(year, 3 * number + 1, 1, tzinfo=UTC)
    )
    return start, end


def quarter_label(quarter: str) -> str:
    start, _ = quarter_bounds(quarter)
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


@dataclass
class RollEntry:
    """One champion on the roll and what they contributed, by activity kind."""

    champion_id: int
    name: str
    account: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def contributor_roll(quarter: str) -> list[RollEntry]:
    """Who contributed what in a quarter: contribution counts per kind, per champion.

    Staff (by their user) and erased champions are left out; most contributions first.
    """
    start, end = quarter_bounds(quarter)
    rows = (
        Activity.objects.filter(
            occurred_at__gte=start,
            occurred_at__lt=end,
            level__gt=ActivityLevel.OBSERVER,
            champion__isnull=False,
            champion__erased_at__isnull=True,
        )
        .exclude(champion__user__is_staff=True)
        .values("champion_id", "champion__full_name", "champion__account__name", "kind")
        .annotate(count=Count("id"))
        .order_by()
    )
    entries: dict[int, RollEntry] = {}
    for row in rows:
        entry = entries.setdefault(
            row["champion_id"],
            RollEntry(
                row["champion_id"], row["champion__full_name"], row["champion__account__name"]
            ),
        )
        entry.counts[row["kind"]] = row["count"]
    return sorted(entries.values(), key=lambda e: (-e.total, e.name.lower(), e.champion_id))


def roll_kinds(entries: list[RollEntry]) -> list[tuple[str, str]]:
    """The kinds that occur on the roll, as (kind, label), in the order of METRICS.md."""
    present: defaultdict[str, int] = defaultdict(int)
    for entry in entries:
        for kind in entry.counts:
            present[kind] += 1
    return [(kind, ActivityKind(kind).label) for kind in CONTRIBUTION_KINDS if kind in present]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~-])")


def _markdown_cell(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def contributor_roll_markdown(quarter: str) -> str:
    """The roll as a Markdown table for a program update."""
    entries = contributor_roll(quarter)
    kinds = roll_kinds(entries)
    label = quarter_label(quarter)
    lines = [f"# Contributors, {label}", ""]
    if not entries:
        return "\n".join([*lines, "No contributions this quarter.", ""])
    lines.append(f"Thank you to the {len(entries)} champions who contributed in {label}.")
    lines.append("")
    header = ["Champion", "Account", *(title for _, title in kinds), "Total"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---", "---", *["--:"] * (len(kinds) + 1)]) + "|")
    for entry in entries:
        cells = [_markdown_cell(entry.name), _markdown_cell(entry.account)]
        cells += [str(entry.counts.get(kind, 0)) for kind, _ in kinds]
        lines.append("| " + " | ".join([*cells, str(entry.total)]) + " |")
    return "\n".join([*lines, ""])


def contributor_roll_html(quarter: str) -> str:
    """The roll as a standalone HTML page for a program update (names escaped)."""
    entries = contributor_roll(quarter)
    kinds = roll_kinds(entries)
    rows = [
        {"entry": entry, "counts": [entry.counts.get(kind, 0) for kind, _ in kinds]}
        for entry in entries
    ]
    return render_to_string(
        "recognition/contributor_roll.html",
        {"label": quarter_label(quarter), "kinds": kinds, "rows": rows},
    )
