"""Follow-up metrics as a table, Markdown and JSON, and the open backlog as an SVG chart."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from pmsync.engine.report import Report
from pmsync.links import md_cell


def _fmt(value: float | None, suffix: str = "") -> str:
    return "-" if value is None else f"{value:g}{suffix}"


def as_table(report: Report) -> str:
    lines = [f"Follow-up report on {report.today.isoformat()}" + (f" (since {report.since})" if report.since else "")]
    names = ("items", "done", "open", "late", "won't")
    header = f"  {'incident':<40} " + " ".join(f"{n:>5}" for n in names) + f" {'in time':>8} {'median':>7} {'p90':>5}"
    lines.append(header)
    rows = [(i.title, i.figures) for i in report.incidents] + [("ALL", report.overall)]
    for name, f in rows:
        lines.append(
            f"  {name[:40]:<40} {f.items:>5} {f.done:>5} {f.open:>5} {f.overdue:>5} {f.wont_do:>5} "
            f"{_fmt(f.percent_done_in_time, '%'):>8} {_fmt(f.median_days_to_close, 'd'):>7} "
            f"{_fmt(f.p90_days_to_close, 'd'):>5}"
        )
    lines.append(
        f"  items missing an owner: {report.overall.missing_owner}, missing a due date: {report.overall.missing_due}"
    )
    if report.without_items:
        lines.append("  postmortems with no action items: " + ", ".join(report.without_items))
    return "\n".join(lines) + "\n"


def as_markdown(report: Report) -> str:
    out = [f"## Postmortem follow-up report ({report.today.isoformat()})", ""]
    out += [
        "| Incident | Items | Done | Open | Overdue | Won't do | Done in time | Median days to close | p90 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(i.title, i.figures) for i in report.incidents] + [("**All**", report.overall)]
    for name, f in rows:
        cell = md_cell(name)
        out.append(
            f"| {cell} | {f.items} | {f.done} | {f.open} | {f.overdue} | {f.wont_do} | "
            f"{_fmt(f.percent_done_in_time, '%')} | {_fmt(f.median_days_to_close)} | {_fmt(f.p90_days_to_close)} |"
        )
    out += [
        "",
        f"Items missing an owner: {report.overall.missing_owner}. Missing a due date: {report.overall.missing_due}.",
    ]
    if report.without_items:
        out += ["", "Postmortems with no action items: " + ", ".join(f"`{p}`" for p in report.without_items) + "."]
    return "\n".join(out) + "\n"


def as_json(report: Report) -> str:
    data = {
        "today": report.today.isoformat(),
        "since": report.since.isoformat() if report.since else None,
        "overall": report.overall.as_dict(),
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "date": i.date.isoformat() if i.date else None,
                "path": i.path,
                **i.figures.as_dict(),
            }
            for i in report.incidents
        ],
        "without_items": list(report.without_items),
        "backlog": [[day.isoformat(), count] for day, count in report.backlog],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def backlog_svg(points: Sequence[tuple[dt.date, int]], *, width: int = 720, height: int = 240) -> str:
    """The open backlog over time as a small, dependency-free SVG line chart."""
    margin = 40
    if not points:
        points = [(dt.date.today(), 0)]
    top = max(count for _, count in points) or 1
    span = max(len(points) - 1, 1)

    def x(index: int) -> float:
        return margin + (width - 2 * margin) * index / span

    def y(count: int) -> float:
        return height - margin - (height - 2 * margin) * count / top

    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(c):.1f}" for i, (_, c) in enumerate(points))
    first, last = points[0][0].isoformat(), points[-1][0].isoformat()
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">\n'
        f"  <title>Open postmortem action items, {first} to {last}</title>\n"
        f'  <rect width="{width}" height="{height}" fill="white"/>\n'
        f'  <line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}" stroke="#888"/>\n'
        f'  <line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" stroke="#888"/>\n'
        f'  <text x="{margin - 6}" y="{margin + 4}" text-anchor="end">{top}</text>\n'
        f'  <text x="{margin - 6}" y="{height - margin + 4}" text-anchor="end">0</text>\n'
        f'  <text x="{margin}" y="{height - margin + 18}">{first}</text>\n'
        f'  <text x="{width - margin}" y="{height - margin + 18}" text-anchor="end">{last}</text>\n'
        f'  <path d="{path}" fill="none" stroke="#5319e7" stroke-width="2"/>\n'
        "</svg>\n"
    )
