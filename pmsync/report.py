"""Follow-up metrics per incident and overall, and the open-backlog chart. Pure.

The figures incident tools sell: how many items, how many done, open, overdue
and dropped; the share done by its deadline; how long items take to close
(median and 90th percentile, from the issue's opening to its closing); items
missing an owner or a due date; postmortems with no action items at all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from pmsync.config import DeadlineSettings
from pmsync.deadlines import deadline
from pmsync.model import Postmortem
from pmsync.overdue import issue_of
from pmsync.plan import document_state, remote_state
from pmsync.render import md_cell
from pmsync.tracker import RemoteIssue


@dataclass
class Figures:
    items: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0
    wont_do: int = 0
    done_with_deadline: int = 0  # done items that had a due date
    done_in_time: int = 0  # ... closed on or before it
    missing_owner: int = 0
    missing_due: int = 0
    days_to_close: list[int] = field(default_factory=list)

    @property
    def percent_done_in_time(self) -> float | None:
        if not self.done_with_deadline:
            return None
        return round(100 * self.done_in_time / self.done_with_deadline, 1)

    @property
    def median_days_to_close(self) -> float | None:
        return percentile(self.days_to_close, 50)

    @property
    def p90_days_to_close(self) -> float | None:
        return percentile(self.days_to_close, 90)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("days_to_close")
        data.pop("done_with_deadline")
        data.pop("done_in_time")
        data["percent_done_in_time"] = self.percent_done_in_time
        data["median_days_to_close"] = self.median_days_to_close
        data["p90_days_to_close"] = self.p90_days_to_close
        return data


def percentile(values: Sequence[int], percent: float) -> float | None:
    """Linear-interpolated percentile (as numpy's default), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * percent / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


@dataclass(frozen=True)
class IncidentFigures:
    id: str
    title: str
    date: dt.date | None
    path: str
    figures: Figures


@dataclass(frozen=True)
class Report:
    today: dt.date
    since: dt.date | None
    incidents: tuple[IncidentFigures, ...]
    overall: Figures
    without_items: tuple[str, ...]  # paths of postmortems with no action items
    backlog: tuple[tuple[dt.date, int], ...]  # open managed issues at the end of each day


def build_report(
    documents: Sequence[tuple[Postmortem, str]],
    *,
    today: dt.date,
    since: dt.date | None,
    deadlines: DeadlineSettings,
    repo: str | None = None,
    issues: Sequence[RemoteIssue] = (),
    by_identity: Mapping[tuple[str, str], RemoteIssue] | None = None,
) -> Report:
    by_number = {i.number: i for i in issues}
    overall = Figures()
    incidents: list[IncidentFigures] = []
    without: list[str] = []
    counted: list[RemoteIssue] = []
    for pm, repo_path in documents:
        if since is not None and pm.incident.date is not None and pm.incident.date < since:
            continue
        if not pm.items:
            without.append(pm.path)
            continue
        figures = Figures()
        for item in pm.items:
            issue = issue_of(item, repo_path, repo, by_number, by_identity or {})
            if issue is not None:
                counted.append(issue)
            state = remote_state(issue) if issue is not None else document_state(item)
            due = deadline(item, pm.incident, deadlines)
            for target in (figures, overall):
                _count(target, state, due.date if due else None, item.owner, issue, today)
        incidents.append(
            IncidentFigures(pm.incident.id, pm.incident.title or pm.incident.id, pm.incident.date, pm.path, figures)
        )
    return Report(today, since, tuple(incidents), overall, tuple(without), backlog(counted, today))


def _count(
    figures: Figures, state: str, due: dt.date | None, owner: str | None, issue: RemoteIssue | None, today: dt.date
) -> None:
    figures.items += 1
    if owner is None:
        figures.missing_owner += 1
    if due is None:
        figures.missing_due += 1
    if state == "not_planned":
        figures.wont_do += 1
        return
    if state == "open":
        figures.open += 1
        if due is not None and due < today:
            figures.overdue += 1
        return
    figures.done += 1
    closed = issue.closed_at.date() if issue is not None and issue.closed_at is not None else None
    if due is not None and closed is not None:
        figures.done_with_deadline += 1
        figures.done_in_time += closed <= due
    if issue is not None and issue.closed_at is not None:
        figures.days_to_close.append((issue.closed_at - issue.created_at).days)


def backlog(issues: Sequence[RemoteIssue], today: dt.date) -> tuple[tuple[dt.date, int], ...]:
    """Open issues at the end of each day, from the first issue's opening to today."""
    unique = {i.number: i for i in issues}.values()
    if not unique:
        return ()
    start = min(i.created_at.date() for i in unique)
    days = (today - start).days
    points = []
    for offset in range(days + 1):
        day = start + dt.timedelta(days=offset)
        count = sum(
            1 for i in unique if i.created_at.date() <= day and (i.closed_at is None or i.closed_at.date() > day)
        )
        points.append((day, count))
    return tuple(points)


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
