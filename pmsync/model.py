"""Plain, frozen data passed between pipeline stages.

Nothing here does I/O; every stage (extract, plan, apply, writeback) takes and
returns these values so each can be tested on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["mitigate", "prevent", "detect", "process"]
Priority = Literal["P0", "P1", "P2", "P3", "P4"]
ReviewStatus = Literal["draft", "reviewed"]
IssueState = Literal["open", "completed", "not_planned"]


@dataclass(frozen=True, slots=True)
class IssueRef:
    """A link from a document to a GitHub issue (`#12`, `owner/repo#12`, or a URL)."""

    number: int
    repo: str | None = None  # "owner/name" when the reference names one
    url: str | None = None
    bound: bool = False  # written by pmsync next to the item: the item's identity


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    title: str | None
    date: dt.date | None
    severity: str | None
    status: ReviewStatus | None
    label: str  # "incident:<id>", at most 50 characters (GitHub's label limit)


@dataclass(frozen=True, slots=True)
class Item:
    key: str  # stable within a document; used for the issue marker, never alone for identity
    title: str
    text: str
    group: str | None
    owner: str | None
    due: dt.date | None
    priority: Priority | None
    kind: Kind | None
    done: bool
    wont_do: bool
    issue: IssueRef | None
    line: int  # 1-based first source line
    end_line: int  # 1-based last source line, inclusive
    section: str | None = None  # the follow-up section heading it was found under
    due_text: str | None = None  # the phrase the due date came from (for lint messages)
    due_unparseable: bool = False  # the item names a due date pmsync cannot read
    anchor_line: int = 0  # 1-based line where the item's own text ends: its issue link goes there
    agreed_state: IssueState | None = None  # the state pmsync last wrote next to the item
    shown_assignee: str | None = None  # the assignee pmsync last wrote next to the item
    cell: int | None = None  # table rows: the 0-based column where the issue link goes
    list_entry: bool = False  # a list item (its first line holds the bullet), so it can carry a task box
    checkbox: bool | None = None  # the task box as written: True [x], False [ ], None no box
    anchor_shared: bool = False  # another item ends on the same line: only the first carries the link there
    status_said: IssueState | None = None  # table rows: the state the Status cell's words say, if any
    words_agreed: bool = False  # pmsync's span was written when the Status cell said its state


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found while reading or checking a document."""

    path: str
    line: int | None
    level: Literal["error", "warning", "notice"]
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Postmortem:
    path: str
    incident: Incident
    items: tuple[Item, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())
