"""Issue status back into a postmortem: the edits `pmsync pull` makes. Pure.

Next to each tracked item the document shows its issue's state (open, done on a
date, won't do), and the assignee when it is not the written owner; list items
get a task box that is ticked when the issue is closed. The state follows the
three-way rule: GitHub's change is brought in only when the document did not
change since pmsync last wrote the state; a change on both sides is a conflict
and neither side is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pmsync.documents.tables import STATUS_WORDS, cell_text, status_column
from pmsync.documents.writeback import BoxEdit, CellEdit, Edit, SpanEdit
from pmsync.engine.plan import (
    STATE_WORDS,
    Conflict,
    Side,
    Take,
    document_state,
    owner_login,
    remote_state,
    resolution,
    words_agree,
)
from pmsync.extract.status import cell_state
from pmsync.github.content import imported_on
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue
from pmsync.links import STATUS_TABLE_END, STATUS_TABLE_START, Status, md_cell
from pmsync.model import IssueState, Item, Postmortem


@dataclass(frozen=True)
class PullSettings:
    repo: str
    repo_html: str
    task_lists: bool = True
    status_table: bool = True
    take: Take | None = None  # conflicts resolved by `sync --take`


@dataclass
class DocumentUpdate:
    path: str
    edits: list[Edit] = field(default_factory=list)
    table: tuple[int, int, list[str]] | None = None  # status table lines to put between the markers
    conflicts: list[Conflict] = field(default_factory=list)
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


def _state_to_show(item: Item, issue: RemoteIssue, side: Side | None = None) -> tuple[IssueState | None, bool]:
    """(state the document should show, conflict). None: leave the document's state.
    A conflict resolved for GitHub shows GitHub's state (for the document, push wrote it)."""
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
    if side == "github":
        return have, False
    return None, True


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
        state, conflict = _state_to_show(item, issue, resolution(settings.take, pm.path, item, issue.number))
        if conflict:
            update.conflicts.append(
                Conflict(
                    pm.path,
                    item.line,
                    issue.number,
                    f"#{issue.number} is {STATE_WORDS[remote_state(issue)]} on GitHub "
                    f"but the document says {STATE_WORDS[document_state(item)]}; both changed",
                )
            )
            continue
        shown = state if state is not None else item.agreed_state
        imported, closed = imported_on(issue.marker)
        if not imported:
            closed = issue.closed_at.date() if issue.closed_at is not None else None
        if shown in (None, "open"):
            closed = None
        assignee = _shown_assignee(item, issue)
        url = f"{settings.repo_html.rstrip('/')}/issues/{issue.number}"
        same_link = item.issue is not None and item.issue.bound and item.issue.number == issue.number
        cell = _status_cell(item, lines, shown) if item.cell is not None and shown is not None else None
        # The words change when GitHub's state is brought in, or when they are stale beside
        # the state the document keeps (a span with no mark beside "Open": tables.py);
        # never when they are the document's own change, which push carries to GitHub.
        if cell is not None and shown == item.agreed_state and document_state(item) != shown:
            cell = None
        words = words_agree(item, shown, shown if cell is not None else item.status_said)
        changed = not (same_link and item.agreed_state == shown and item.shown_assignee == assignee)
        # A span is also rewritten for its mark alone (the Status cell says the span's
        # state, tables.py): bookkeeping, not a change to report.
        if changed or words != item.words_agreed:
            update.edits.append(
                SpanEdit(item.anchor_line, Status(issue.number, url, shown, closed, assignee, words), item.cell)
            )
        if changed:
            update.changed_items.append(f"{item.line}: #{issue.number} {(shown or 'linked').replace('_', ' ')}")
        if cell is not None:
            update.edits.append(cell)
        if settings.task_lists and item.list_entry and shown is not None:
            checked = shown != "open"
            if item.checkbox is not checked:
                update.edits.append(BoxEdit(item.line, checked))
    if settings.status_table:
        update.table = _status_table(lines, rows, settings)
    return update


def _status_cell(item: Item, lines: list[str], shown: IssueState) -> CellEdit | None:
    """The Status column's words, when they name a state other than the one shown."""
    if item.line > len(lines):
        return None
    column = status_column(lines, item.line)
    text = cell_text(lines[item.line - 1], column) if column is not None else None
    said = cell_state(text) if column is not None and text is not None else None
    if column is None or said is None or said == shown:
        return None  # no Status column, words that name no state, or words that already agree
    return CellEdit(item.line, column, STATUS_WORDS[shown])


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
        imported, on = imported_on(issue.marker) if issue is not None else (False, None)
        if issue is not None and not imported and issue.closed_at is not None:
            on = issue.closed_at.date()
        if on is not None and state != "open":
            text += f" {on.isoformat()}"
        table.append(f"| {title} | {link} | {owner} | {due} | {text} |")
    table.append("")
    if lines[start + 1 : end] == table:
        return None
    return (start + 1, end, table)
