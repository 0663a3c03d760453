"""Server-side SVG charts for the dashboard: bars, lines and heat grids, no JavaScript.

Every text that comes from data is escaped; sizes are fixed so the page lays out before
anything loads. Colours come from the admin's CSS variables where it has them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#417690"
BAR_ALT = "#c4a000"
GRID = "#ddd"
TEXT = "#333"
EMPTY_CELL = "#f4f4f4"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _svg(width: int, height: int, body: list[str], title: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every data text inside is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" {FONT} fill="{TEXT}" text-anchor="{anchor}"{bold}>'
        f"{escape(text)}</text>"
    )


def bars(
    rows: Sequence[tuple[str, float | None, str]],
    *,
    title: str,
    width: int = 520,
    label_width: int = 150,
) -> SafeString:
    """Horizontal bars: (label, value, value text); None draws no bar."""
    row_height, top = 24, 6
    height = top * 2 + row_height * max(len(rows), 1)
    peak = max((value for _, value, _ in rows if value), default=0) or 1
    span = width - label_width - 90
    body: list[str] = []
    for index, (label, value, shown) in enumerate(rows):
        y = top + index * row_height
        body.append(_text(label_width - 8, y + 15, label, anchor="end"))
        length = 0.0 if not value else max(value / peak * span, 1.0)
        body.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row_height - 8}" '
            f'fill="{BAR}"><title>{escape(label)}: {escape(shown)}</title></rect>'
        )
        body.append(_text(label_width + length + 6, y + 15, shown))
    if not rows:
        body.append(_text(width / 2, 20, "No data for this window", anchor="middle"))
    return _svg(width, height, body, title)


def lines(
    series: dict[str, Sequence[tuple[datetime, float | None]]],
    *,
    title: str,
    value_format: str = "{:.1f}",
    width: int = 520,
    height: int = 180,
) -> SafeString:
    """A line per series over time; gaps where a value is null."""
    left, right, top, bottom = 48, 12, 12, 28
    points = [(when, value) for values in series.values() for when, value in values]
    known = [value for _, value in points if value is not None]
    body: list[str] = []
    if not known:
        body.append(
            _text(width / 2, height / 2, "No values stored for this period yet", anchor="middle")
        )
        return _svg(width, height, body, title)
    times = [when.timestamp() for when, _ in points]
    t0, t1 = min(times), max(times)
    low, high = min(0.0, min(known)), max(known) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(when: datetime) -> float:
        return left + (0 if t1 == t0 else (when.timestamp() - t0) / (t1 - t0) * plot_w)

    def y(value: float) -> float:
        return top + plot_h - (value - low) / ((high - low) or 1) * plot_h

    for tick in (low, (low + high) / 2, high):
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}"/>'
        )
        body.append(_text(left - 4, y(tick) + 4, value_format.format(tick), anchor="end"))
    first, last = min(points)[0], max(points)[0]
    body.append(_text(left, height - 8, f"{first:%d %b}"))
    body.append(_text(width - right, height - 8, f"{last:%d %b %Y}", anchor="end"))
    for index, (name, values) in enumerate(series.items()):
        colour = (BAR, BAR_ALT, "#a33")[index % 3]
        body.append(_polyline(values, x, y, colour, name))
        body.append(_text(left + 6 + index * 160, top + 10, f"— {name}"))
    return _svg(width, height, body, title)


def _polyline(
    values: Sequence[tuple[datetime, float | None]],
    x: Callable[[datetime], float],
    y: Callable[[float], float],
    colour: str,
    name: str,
) -> str:
    segments: list[list[str]] = [[]]
    for when, value in values:
        if value is None:
            segments.append([])
            continue
        segments[-1].append(f"{x(when):.1f},{y(value):.1f}")
    drawn = [
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}">'
        f"<title>{escape(name)}</title></polyline>"
        for points in segments
        if len(points) > 1
    ]
    dots = [
        f'<circle cx="{point.split(",")[0]}" cy="{point.split(",")[1]}" r="2.5" fill="{colour}"/>'
        for points in segments
        for point in points
    ]
    return "".join(drawn + dots)


def heat_grid(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: dict[tuple[int, int], float],
    *,
    title: str,
    cell: int = 18,
    label_width: int = 60,
    shown: dict[tuple[int, int], str] | None = None,
    column_every: int = 1,
) -> SafeString:
    """A grid of cells (row index, column index) -> value, shaded by value (0 white)."""
    top = 18
    width = label_width + cell * max(len(columns), 1) + 4
    height = top + cell * max(len(rows), 1) + 4
    peak = max(cells.values(), default=0) or 1
    body: list[str] = []
    for c, name in enumerate(columns):
        if c % column_every == 0:
            body.append(_text(label_width + c * cell + cell / 2, top - 5, name, anchor="middle"))
    for r, name in enumerate(rows):
        body.append(_text(label_width - 4, top + r * cell + cell * 0.7, name, anchor="end"))
        for c in range(len(columns)):
            value = cells.get((r, c))
            fill = EMPTY_CELL if value is None else _shade(value / peak)
            label = (shown or {}).get((r, c), "" if value is None else f"{value:g}")
            body.append(
                f'<rect x="{label_width + c * cell}" y="{top + r * cell}" width="{cell - 1}" '
                f'height="{cell - 1}" fill="{fill}"><title>{escape(name)} '
                f"{escape(columns[c])}: {escape(label)}</title></rect>"
            )
    return _svg(width, height, body, title)


def _shade(fraction: float) -> str:
    """From near-white to the admin blue."""
    fraction = min(max(fraction, 0.0), 1.0)
    start, end = (240, 245, 248), (0x41, 0x76, 0x90)
    rgb = [round(a + (b - a) * fraction) for a, b in zip(start, end, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)
