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
from pmsync.engine.plan import document_state, done_date, remote_state
from pmsync.github.content import imported_on
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue
from pmsync.model import Item, Postmortem


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
class ItemStatus:
    """One item as the report page lists it."""

    title: str
    owner: str | None
    due: dt.date | None
    state: str  # open, completed or not_planned
    days_late: int | None  # open items past due only
    line: int
    issue: int | None
    url: str | None


@dataclass(frozen=True)
class IncidentFigures:
    id: str
    title: str
    date: dt.date | None
    path: str
    figures: Figures
    items: tuple[ItemStatus, ...] = ()


@dataclass(frozen=True)
class BacklogDay:
    day: dt.date
    open: int
    overdue: int


@dataclass(frozen=True)
class Span:
    """One item's life on the chart: opened, closed (None: still open), due."""

    opened: dt.date
    closed: dt.date | None
    due: dt.date | None


@dataclass(frozen=True)
class Report:
    today: dt.date
    since: dt.date | None
    incidents: tuple[IncidentFigures, ...]
    overall: Figures
    without_items: tuple[str, ...]  # paths of postmortems with no action items
    backlog: tuple[BacklogDay, ...]  # items open, and overdue, at the end of each day


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
    spans: dict[object, Span] = {}
    for pm, repo_path in documents:
        if since is not None and pm.incident.date is not None and pm.incident.date < since:
            continue
        if not pm.items:
            without.append(pm.path)
            continue
        figures = Figures()
        rows: list[ItemStatus] = []
        for item in pm.items:
            issue = index.issue_of(item, repo_path, repo)
            state = remote_state(issue) if issue is not None else document_state(item)
            due = deadline(item, pm.incident, deadlines)
            due_day = due.date if due else None
            finished = _finished(item, pm.incident.date, issue)
            life = _backlog_span(issue, state, pm.incident.date, due_day, finished[0])
            if life is not None:
                spans[issue.number if issue is not None else (pm.path, item.key)] = life
            for target in (figures, overall):
                _count(target, state, due_day, item.owner, finished, today)
            late = (today - due_day).days if state == "open" and due_day is not None and due_day < today else None
            rows.append(
                ItemStatus(
                    item.title,
                    item.owner,
                    due_day,
                    state,
                    late,
                    item.line,
                    issue.number if issue is not None else None,
                    issue.html_url if issue is not None else None,
                )
            )
        incident = pm.incident
        incidents.append(
            IncidentFigures(incident.id, incident.title or incident.id, incident.date, pm.path, figures, tuple(rows))
        )
    return Report(today, since, tuple(incidents), overall, tuple(without), backlog(list(spans.values()), today, since))


def _backlog_span(
    issue: RemoteIssue | None,
    state: str,
    incident: dt.date | None,
    due: dt.date | None,
    finished: dt.date | None,
) -> Span | None:
    """An item's life on the backlog chart (see Span).

    With an issue whose life is the work's: from its incident's date (or its issue's
    opening, if earlier) to its issue's closing. Otherwise the dates are the document's,
    never the import day: not filed (offline, not filed yet, or done before pmsync saw it),
    or filed already closed by push.file_done. Such an item is open from its incident's
    date; a done one closed on the day `_finished` found (the document's), else by its
    due date, else on the incident's date. No incident date: not on the chart."""
    imported = issue is not None and imported_on(issue.marker)[0]
    if issue is not None and (not imported or state == "open"):
        # An item is open from its incident, not from the day it was filed: a first import
        # of old postmortems files everything today, and its backlog still starts back then.
        # (An imported issue reopened since is open work like any other.)
        opened = issue.created_at.date() if incident is None else min(incident, issue.created_at.date())
        closed = issue.closed_at.date() if issue.closed_at is not None else None
        return Span(opened, closed, due)
    if incident is None:
        return None
    if state == "open":
        return Span(incident, None, due)
    if finished is None:
        finished = max(due, incident) if due is not None else incident
    return Span(incident, max(finished, incident), due)


def _finished(item: Item, incident_day: dt.date | None, issue: RemoteIssue | None) -> tuple[dt.date | None, int | None]:
    """(day the item was finished, days it took). From the issue when its life is the
    work's; from the document when the work was finished before pmsync saw it (not
    filed, or filed closed by push.file_done): the import day is never a finish day."""
    if issue is not None:
        imported, finished = imported_on(issue.marker)
        if not imported:
            if issue.closed_at is None:
                return None, None
            return issue.closed_at.date(), (issue.closed_at - issue.created_at).days
    else:
        finished = done_date(item)
    took = (finished - incident_day).days if finished and incident_day and finished >= incident_day else None
    return finished, took


def _count(
    figures: Figures,
    state: str,
    due: dt.date | None,
    owner: str | None,
    finished: tuple[dt.date | None, int | None],
    today: dt.date,
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
    closed, took = finished
    if due is not None and closed is not None:
        figures.done_with_deadline += 1
        figures.done_in_time += closed <= due
    if took is not None:
        figures.days_to_close.append(took)


def backlog(spans: Sequence[Span], today: dt.date, since: dt.date | None = None) -> tuple[BacklogDay, ...]:
    """Items open and overdue at the end of each day, from `since` (else the first opening) to today.

    Counted with running sums of day-by-day changes: days plus items, not days times items."""
    if not spans:
        return ()
    start = since if since is not None else min(span.opened for span in spans)
    if start > today:
        return ()
    length = (today - start).days + 1
    opened, overdue = [0] * (length + 1), [0] * (length + 1)

    def index(day: dt.date) -> int:
        return min(max((day - start).days, 0), length)

    for span in spans:
        end = index(span.closed) if span.closed is not None else length
        begin = index(span.opened)
        if begin < end:
            opened[begin] += 1
            opened[end] -= 1
        if span.due is not None and span.due < dt.date.max:
            late = index(max(span.opened, span.due + dt.timedelta(days=1)))
            if late < end:
                overdue[late] += 1
                overdue[end] -= 1
    points, open_now, late_now = [], 0, 0
    for offset in range(length):
        open_now += opened[offset]
        late_now += overdue[offset]
        points.append(BacklogDay(start + dt.timedelta(days=offset), open_now, late_now))
    return tuple(points)
