"""Which open items are past due, and by how much. Pure.

An item is open according to its issue when it has one (the issue is the truth
of whether the work is done), else according to its document.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pmsync.config import DeadlineSettings
from pmsync.content import sanitize
from pmsync.deadlines import DueSource, deadline
from pmsync.model import Incident, Item, Postmortem
from pmsync.plan import document_state, remote_state
from pmsync.render import md_cell
from pmsync.tracker import RemoteIssue


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


def issue_of(
    item: Item,
    repo_path: str,
    repo: str | None,
    by_number: Mapping[int, RemoteIssue],
    by_identity: Mapping[tuple[str, str], RemoteIssue],
) -> RemoteIssue | None:
    ref = item.issue
    if ref is not None and ref.bound and repo is not None and (ref.repo or "").lower() == repo.lower():
        return by_number.get(ref.number)
    return by_identity.get((repo_path, item.key))


def find_overdue(
    documents: Sequence[tuple[Postmortem, str]],
    *,
    today: dt.date,
    within: int,
    deadlines: DeadlineSettings,
    repo: str | None = None,
    by_number: Mapping[int, RemoteIssue] | None = None,
    by_identity: Mapping[tuple[str, str], RemoteIssue] | None = None,
) -> OverdueReport:
    overdue: list[Entry] = []
    soon: list[Entry] = []
    open_items = without_due = 0
    for pm, repo_path in documents:
        for item in pm.items:
            issue = issue_of(item, repo_path, repo, by_number or {}, by_identity or {})
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


def _issue_text(entry: Entry) -> str:
    return f"#{entry.issue.number}" if entry.issue is not None else "-"


def as_table(report: OverdueReport) -> str:
    lines = [f"Overdue on {report.today.isoformat()}: {len(report.overdue)} of {report.open_items} open items"]
    for entry in report.overdue:
        lines.append(
            f"  {entry.days_late:>4}d late  {_issue_text(entry):>6}  {entry.who[:20]:<20}  "
            f"due {entry.due.isoformat()}  {entry.title[:60]}  ({entry.path}:{entry.line})"
        )
    lines.append(f"Due within {report.within} days: {len(report.due_soon)}")
    for entry in report.due_soon:
        days = -entry.days_late
        when = "today" if days == 0 else f"in {days}d"
        lines.append(
            f"  {when:>9}  {_issue_text(entry):>6}  {entry.who[:20]:<20}  "
            f"due {entry.due.isoformat()}  {entry.title[:60]}  ({entry.path}:{entry.line})"
        )
    if report.without_due:
        lines.append(f"{report.without_due} open items have no due date (`pmsync check` lists them)")
    return "\n".join(lines) + "\n"


def as_markdown(report: OverdueReport) -> str:
    out = [f"## Overdue postmortem action items ({report.today.isoformat()})", ""]
    if not report.overdue:
        out.append("Nothing is overdue. 🎉")
    else:
        out += ["| Days late | Item | Owner | Due | Incident | Issue |", "|---:|---|---|---|---|---|"]
        for entry in report.overdue:
            link = f"[#{entry.issue.number}]({entry.issue.html_url})" if entry.issue is not None else ""
            out.append(
                f"| {entry.days_late} | {md_cell(entry.title)} | {md_cell(entry.who)} | {entry.due.isoformat()} | "
                f"{md_cell(entry.incident.title or entry.incident.id)} | {link} |"
            )
    out.append("")
    if report.due_soon:
        out += [f"### Due within {report.within} days", "", "| Due | Item | Owner | Issue |", "|---|---|---|---|"]
        for entry in report.due_soon:
            link = f"[#{entry.issue.number}]({entry.issue.html_url})" if entry.issue is not None else ""
            out.append(f"| {entry.due.isoformat()} | {md_cell(entry.title)} | {md_cell(entry.who)} | {link} |")
        out.append("")
    return "\n".join(out)


def _entry_json(entry: Entry) -> dict[str, object]:
    return {
        "path": entry.path,
        "line": entry.line,
        "title": entry.title,
        "owner": entry.owner,
        "assignees": list(entry.assignees),
        "incident": entry.incident.id,
        "due": entry.due.isoformat(),
        "due_source": entry.source,
        "days_late": entry.days_late,
        "issue": entry.issue.number if entry.issue is not None else None,
        "url": entry.issue.html_url if entry.issue is not None else None,
    }


def as_json(report: OverdueReport) -> str:
    data = {
        "today": report.today.isoformat(),
        "within": report.within,
        "open_items": report.open_items,
        "without_due": report.without_due,
        "overdue": [_entry_json(e) for e in report.overdue],
        "due_soon": [_entry_json(e) for e in report.due_soon],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


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
