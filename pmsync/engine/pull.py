"""Issue status back into a postmortem: the edits `pmsync pull` makes. Pure.

Next to each tracked item the document shows its issue's state (open, done on a
date, won't do), and the assignee when it is not the written owner; list items
get a task box that is ticked when the issue is closed. The state follows the
three-way rule: GitHub's change is brought in only when the document did not
change since pmsync last wrote the state; a change on both sides is a conflict
and neither side is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pmsync.documents.writeback import BoxEdit, Edit, SpanEdit
from pmsync.engine.plan import document_state, owner_login, remote_state
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue
from pmsync.links import STATUS_TABLE_END, STATUS_TABLE_START, Status, md_cell, strip_spans
from pmsync.model import IssueState, Item, Postmortem


@dataclass(frozen=True)
class PullSettings:
    repo: str
    repo_html: str
    task_lists: bool = True
    status_table: bool = True


@dataclass
class DocumentUpdate:
    path: str
    edits: list[Edit] = field(default_factory=list)
    table: tuple[int, int, list[str]] | None = None  # status table lines to put between the markers
    conflicts: list[str] = field(default_factory=list)
    changed_items: list[str] = field(default_factory=list)  # "line: what changed", for the report

    @property
    def empty(self) -> bool:
        return not self.edits and self.table is None


def _shown_assignee(item: Item, issue: RemoteIssue) -> str | None:
    """The assignee to show: only when GitHub's differs from the owner written."""
    if not issue.assignees:
        return None
    owner = owner_login(item.owner)
    if owner is not None and owner.lower() in {a.lower() for a in issue.assignees}:
        return None
    return issue.assignees[0]


def _state_to_show(item: Item, issue: RemoteIssue) -> tuple[IssueState | None, bool]:
    """(state the document should show, conflict). None: leave the document's state."""
    want = document_state(item)
    have = remote_state(issue)
    agreed = item.agreed_state
    if want == have:
        return have, False
    if agreed is None:
        # Never agreed: a closed issue is news from GitHub; a ticked box is
        # news from the document, which push carries to GitHub.
        return (have, False) if want == "open" else (None, False)
    if want == agreed:
        return have, False  # only GitHub changed
    if have == agreed:
        return None, False  # only the document changed: push's job
    return None, True


_DONE_WORDS = re.compile(
    r"\b(?:done|closed|completed?|fixed|resolved|finished|won'?t do|wontfix|dropped|cancell?ed)\b|[\u2705\u2714]",
    re.IGNORECASE,
)


def _row_says_done(item: Item, lines: list[str]) -> bool:
    """Whether a table row marks itself done outside pmsync's span (a status cell)."""
    if item.cell is None or not 0 < item.line <= len(lines):
        return False
    row, _ = strip_spans(lines[item.line - 1])
    return bool(_DONE_WORDS.search(row))


def plan_document(
    pm: Postmortem,
    repo_path: str,
    settings: PullSettings,
    index: IssueIndex,
    lines: list[str],
) -> DocumentUpdate:
    update = DocumentUpdate(pm.path)
    rows: list[tuple[Item, RemoteIssue | None]] = []
    for item in pm.items:
        issue = index.issue_of(item, repo_path, settings.repo)
        rows.append((item, issue))
        if issue is None or item.anchor_shared:
            continue  # an item sharing its line with an earlier one shows no span of its own
        state, conflict = _state_to_show(item, issue)
        if conflict:
            update.conflicts.append(
                f"{pm.path}:{item.line}: #{issue.number} is {remote_state(issue).replace('_', ' ')} on GitHub "
                f"but the document says {document_state(item).replace('_', ' ')}; both changed, left as they are"
            )
            continue
        if state == "open" and document_state(item) != "open" and _row_says_done(item, lines):
            # Reopened on GitHub, but the row's own status cell (which pmsync does not
            # write) still says done: recording "open" in the span beside it would make
            # the next sync read the stale cell as a fresh "done" and close the issue again.
            update.conflicts.append(
                f"{pm.path}:{item.line}: #{issue.number} was reopened on GitHub but the row's status cell "
                "says done; left as it is (change the cell to bring the reopen in)"
            )
            continue
        shown = state if state is not None else item.agreed_state
        closed = issue.closed_at.date() if issue.closed_at is not None and shown not in (None, "open") else None
        assignee = _shown_assignee(item, issue)
        url = f"{settings.repo_html.rstrip('/')}/issues/{issue.number}"
        same_link = item.issue is not None and item.issue.bound and item.issue.number == issue.number
        if not (same_link and item.agreed_state == shown and item.shown_assignee == assignee):
            update.edits.append(
                SpanEdit(item.anchor_line, Status(issue.number, url, shown, closed, assignee), item.cell)
            )
            update.changed_items.append(f"{item.line}: #{issue.number} {(shown or 'linked').replace('_', ' ')}")
        if settings.task_lists and item.list_entry and shown is not None:
            checked = shown != "open"
            if item.checkbox is not checked:
                update.edits.append(BoxEdit(item.line, checked))
    if settings.status_table:
        update.table = _status_table(lines, rows, settings)
    return update


def _status_table(
    lines: list[str], rows: list[tuple[Item, RemoteIssue | None]], settings: PullSettings
) -> tuple[int, int, list[str]] | None:
    """The generated table between the markers a person placed, when it differs."""
    start = next((i for i, line in enumerate(lines) if line.strip() == STATUS_TABLE_START), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == STATUS_TABLE_END), None)
    if end is None:
        return None
    # Blank lines around the table: right after an HTML comment line, Markdown
    # would read the table as part of the comment's HTML block.
    table = ["", "| Item | Issue | Owner | Due | State |", "|---|---|---|---|---|"]
    for item, issue in rows:
        title = md_cell(item.title)
        if len(title) > 80:
            title = title[:79] + "…"
        link = f"[#{issue.number}]({settings.repo_html.rstrip('/')}/issues/{issue.number})" if issue else ""
        owner = (item.owner or "").replace("|", "\\|")
        due = item.due.isoformat() if item.due else ""
        state = remote_state(issue) if issue else document_state(item)
        text = {"open": "open", "completed": "done", "not_planned": "won't do"}[state]
        if issue is not None and issue.closed_at is not None and state != "open":
            text += f" {issue.closed_at.date().isoformat()}"
        table.append(f"| {title} | {link} | {owner} | {due} | {text} |")
    table.append("")
    if lines[start + 1 : end] == table:
        return None
    return (start + 1, end, table)
