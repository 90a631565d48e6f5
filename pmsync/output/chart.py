"""The backlog over time (items open, and overdue) as an SVG chart and as a Mermaid
chart for Markdown (job summaries, issues), which GitHub renders.

Ticks are chosen for people: the x axis steps by whole days, weeks (Mondays),
months or years (their first day) so that at most MAX_X_TICKS labels show; the y
axis by 1, 2 or 5 times a power of ten, at most MAX_Y_TICKS steps to a top above
the highest count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pmsync.engine.report import BacklogDay

MAX_X_TICKS = 8
MAX_Y_TICKS = 5
OPEN_COLOR = "#0969da"
OVERDUE_COLOR = "#cf222e"
TITLE = "Open postmortem action items"
_PALETTE = f"{OPEN_COLOR}, {OVERDUE_COLOR}"
_THEME = '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + _PALETTE + '"}}}}%%'


def y_ticks(highest: int) -> list[int]:
    """0 up to a round top at or above `highest`, in steps of 1, 2 or 5 times a power of ten."""
    if highest <= 0:
        return [0, 1]
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            steps = -(-highest // step)  # ceiling
            if steps <= MAX_Y_TICKS:
                return [step * i for i in range(steps + 1)]
        magnitude *= 10


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def x_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    """Dates from start to end on round days: every 1 or 2 days, Mondays every 1 or 2 weeks,
    or the first of every 1, 2, 3, 6, 12, 24 or 60 months (January for a year or more)."""
    span = (end - start).days
    for days in (1, 2, 7, 14):
        if span // days < MAX_X_TICKS:
            first = start if days < 7 else start + dt.timedelta(days=-start.weekday() % 7)
            return [first + dt.timedelta(days=days * i) for i in range((end - first).days // days + 1)]
    for months in (1, 2, 3, 6, 12, 24, 60):
        first = _add_months(start, 0 if start.day == 1 else 1)
        while (first.month - 1) % min(months, 12):
            first = _add_months(first, 1)
        ticks = []
        while first <= end:
            ticks.append(first)
            first = _add_months(first, months)
        if len(ticks) <= MAX_X_TICKS:
            return ticks
    return [start, end]


def _tick_label(day: dt.date, ticks: Sequence[dt.date]) -> str:
    monthly = len(ticks) > 1 and all(t.day == 1 for t in ticks) and (ticks[1] - ticks[0]).days >= 28
    return day.strftime("%Y-%m") if monthly else day.isoformat()


def backlog_svg(points: Sequence[BacklogDay], *, width: int = 760, height: int = 320) -> str:
    """A line chart: title, dated x ticks, y ticks, grid, legend, the open and overdue series."""
    left, right, top, bottom = 56, 24, 48, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    if not points:
        points = [BacklogDay(dt.date.today(), 0, 0)]
    start, end = points[0].day, points[-1].day
    span = max((end - start).days, 1)
    ys = y_ticks(max(max(p.open for p in points), max(p.overdue for p in points)))
    ceiling = ys[-1]

    def x(day: dt.date) -> float:
        return left + plot_w * (day - start).days / span

    def y(count: int) -> float:
        return top + plot_h - plot_h * count / ceiling

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, '
        f'sans-serif" font-size="12" role="img" aria-labelledby="chart-title">',
        f'  <title id="chart-title">{TITLE}, {start.isoformat()} to {end.isoformat()}</title>',
        f'  <rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'  <text class="title" x="{left}" y="24" font-size="16" font-weight="600" fill="#1f2328">'
        f"{TITLE}, {start.isoformat()} to {end.isoformat()}</text>",
        '  <g class="grid y" stroke="#d0d7de" stroke-width="1">',
    ]
    for count in ys:
        out.append(f'    <line x1="{left}" y1="{y(count):.1f}" x2="{left + plot_w}" y2="{y(count):.1f}"/>')
    out.append("  </g>")
    ticks = x_ticks(start, end)
    out.append('  <g class="grid x" stroke="#eaeef2" stroke-width="1">')
    for day in ticks:
        out.append(f'    <line x1="{x(day):.1f}" y1="{top}" x2="{x(day):.1f}" y2="{top + plot_h}"/>')
    out.append("  </g>")
    out.append('  <g class="ticks y" fill="#57606a" text-anchor="end">')
    for count in ys:
        out.append(f'    <text x="{left - 8}" y="{y(count) + 4:.1f}">{count}</text>')
    out.append("  </g>")
    out.append('  <g class="ticks x" fill="#57606a" text-anchor="middle">')
    for day in ticks:
        out.append(f'    <text x="{x(day):.1f}" y="{top + plot_h + 18}">{_tick_label(day, ticks)}</text>')
    out.append("  </g>")
    out.append(f'  <line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#57606a"/>')
    for name, color, values in (
        ("open", OPEN_COLOR, [p.open for p in points]),
        ("overdue", OVERDUE_COLOR, [p.overdue for p in points]),
    ):
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(p.day):.1f},{y(v):.1f}"
            for i, (p, v) in enumerate(zip(points, values, strict=True))
        )
        out.append(f'  <path class="series {name}" d="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
    legend_y = height - 16
    out.append('  <g class="legend" font-size="12" fill="#1f2328">')
    for offset, (name, color) in enumerate((("Open", OPEN_COLOR), ("Overdue", OVERDUE_COLOR))):
        lx = left + offset * 110
        out.append(
            f'    <line x1="{lx}" y1="{legend_y - 4}" x2="{lx + 20}" y2="{legend_y - 4}" '
            f'stroke="{color}" stroke-width="3"/>'
        )
        out.append(f'    <text x="{lx + 26}" y="{legend_y}">{name}</text>')
    out.append("  </g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _samples(points: Sequence[BacklogDay]) -> list[BacklogDay]:
    """The points at the x ticks (and the last day), so a Mermaid chart stays legible."""
    if len(points) <= MAX_X_TICKS * 3:
        return list(points)
    by_day = {p.day: p for p in points}
    chosen = [by_day[day] for day in x_ticks(points[0].day, points[-1].day) if day in by_day]
    if chosen[-1] is not points[-1]:
        chosen.append(points[-1])
    return chosen


def backlog_mermaid(points: Sequence[BacklogDay]) -> str:
    """A Mermaid xychart (GitHub renders it in issues and job summaries): open items, then overdue ones."""
    if not points:
        return ""
    shown = _samples(points)
    ceiling = y_ticks(max(max(p.open for p in shown), max(p.overdue for p in shown)))[-1]
    labels = ", ".join(f'"{p.day.isoformat()}"' for p in shown)
    start, end = points[0].day.isoformat(), points[-1].day.isoformat()
    return "\n".join(
        [
            "```mermaid",
            _THEME,
            "xychart-beta",
            f'    title "{TITLE}, {start} to {end}"',
            f"    x-axis [{labels}]",
            f'    y-axis "Items" 0 --> {ceiling}',
            f"    line [{', '.join(str(p.open) for p in shown)}]",
            f"    line [{', '.join(str(p.overdue) for p in shown)}]",
            "```",
            "",
            "Blue: open items; red: overdue items.",
        ]
    )
