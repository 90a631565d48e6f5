"""Which open items are past due, and by how much. Pure.

An item is open according to its issue when it has one (the issue is the truth
of whether the work is done), else according to its document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pmsync.config import DeadlineSettings
from pmsync.engine.deadlines import DueSource, deadline
from pmsync.engine.plan import document_state, remote_state
from pmsync.github.content import sanitize
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue
from pmsync.links import md_cell
from pmsync.model import Incident, Postmortem


@dataclass(frozen=True)
class Entry:
    path: str
    line: int
    title: str
    owner: str | None
    assignees: tuple[str, ...]
    incident: Incident
    due: dt.date
    source: DueSource
    days_late: int  # negative: days left
    issue: RemoteIssue | None

    @property
    def who(self) -> str:
        if self.assignees:
            return ", ".join(f"@{a}" for a in self.assignees)
        return self.owner or "(no owner)"


@dataclass(frozen=True)
class OverdueReport:
    today: dt.date
    within: int
    overdue: tuple[Entry, ...]  # most late first
    due_soon: tuple[Entry, ...]  # soonest first
    open_items: int
    without_due: int


def find_overdue(
    documents: Sequence[tuple[Postmortem, str]],
    *,
    today: dt.date,
    within: int,
    deadlines: DeadlineSettings,
    repo: str | None = None,
    index: IssueIndex | None = None,
) -> OverdueReport:
    """Open items past due (and due within `within` days); open by their issue when
    `index` holds it, by the document otherwise."""
    index = index or IssueIndex()
    overdue: list[Entry] = []
    soon: list[Entry] = []
    open_items = without_due = 0
    for pm, repo_path in documents:
        for item in pm.items:
            issue = index.issue_of(item, repo_path, repo)
            state = remote_state(issue) if issue is not None else document_state(item)
            if state != "open":
                continue
            open_items += 1
            found = deadline(item, pm.incident, deadlines)
            if found is None:
                without_due += 1
                continue
            entry = Entry(
                path=pm.path,
                line=item.line,
                title=item.title,
                owner=item.owner,
                assignees=issue.assignees if issue is not None else (),
                incident=pm.incident,
                due=found.date,
                source=found.source,
                days_late=(today - found.date).days,
                issue=issue,
            )
            if entry.days_late > 0:
                overdue.append(entry)
            elif -entry.days_late <= within:
                soon.append(entry)
    overdue.sort(key=lambda e: (-e.days_late, e.path, e.line))
    soon.sort(key=lambda e: (e.due, e.path, e.line))
    return OverdueReport(today, within, tuple(overdue), tuple(soon), open_items, without_due)


def digest_body(report: OverdueReport) -> str:
    """The digest issue: overdue items grouped by owner, then by incident."""
    lines = [f"Overdue postmortem action items, as of {report.today.isoformat()}.", ""]
    if not report.overdue:
        lines.append("Nothing is overdue.")
    by_owner: dict[str, list[Entry]] = {}
    for entry in report.overdue:
        by_owner.setdefault(entry.who, []).append(entry)
    for owner in sorted(by_owner):
        lines += [f"### {sanitize(owner)}", ""]
        lines += [
            f"- {_ref(e)} {sanitize(md_cell(e.title))} — {e.days_late} days late (due {e.due.isoformat()})"
            for e in by_owner[owner]
        ]
        lines.append("")
    by_incident: dict[str, list[Entry]] = {}
    for entry in report.overdue:
        by_incident.setdefault(entry.incident.title or entry.incident.id, []).append(entry)
    if by_incident:
        lines += ["## By incident", ""]
        for incident in sorted(by_incident):
            entries = by_incident[incident]
            lines.append(
                f"- **{sanitize(md_cell(incident))}**: {len(entries)} overdue ({', '.join(_ref(e) for e in entries)})"
            )
        lines.append("")
    lines.append("<sub>Kept up to date by `pmsync overdue --digest`.</sub>")
    return "\n".join(lines)


def _ref(entry: Entry) -> str:
    return f"#{entry.issue.number}" if entry.issue is not None else f"`{entry.path}:{entry.line}`"
