"""Follow-up metrics per incident and overall, and the open-backlog chart. Pure.

The figures incident tools sell: how many items, how many done, open, overdue
and dropped; the share done by its deadline; how long items take to close
(median and 90th percentile, from the issue's opening to its closing); items
missing an owner or a due date; postmortems with no action items at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from pmsync.config import DeadlineSettings
from pmsync.engine.deadlines import deadline
from pmsync.engine.plan import document_state, remote_state
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue
from pmsync.model import Postmortem


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
    index: IssueIndex | None = None,
) -> Report:
    index = index or IssueIndex()
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
            issue = index.issue_of(item, repo_path, repo)
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
