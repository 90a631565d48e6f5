"""The text pmsync owns inside a postmortem: one span next to each tracked item.

    - Add alerting on replication lag · [#123](https://github.com/acme/pm/issues/123) · open
    | Rotate keys | @bob | 2024-05-01 | · [#124](https://github.com/acme/pm/issues/124) · done 2024-05-03 |

The span starts with " · [#N](URL)" — the issue link that binds the item to its
issue (DESIGN.md, Identity) — and may go on with the status pmsync last agreed
with GitHub: " · open", " · done YYYY-MM-DD", " · won't do YYYY-MM-DD", then
" · @login" when the assignee differs from the written owner, then, in a table
row whose Status cell said that state when pmsync wrote the span,
" <!-- pmsync:cell -->" (documents/tables.py: the cell's words are the document's
word from then on). Nothing else is pmsync's: text a person writes after the
span is theirs, and is not matched.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pmsync.model import IssueRef, IssueState

SEPARATOR = " · "
WORDS_AGREED = " <!-- pmsync:cell -->"
_SPAN = re.compile(
    r" · \[#(?P<number>\d{1,9})\]\((?P<url>https?://[^\s()]+?/(?P<repo>[\w.-]+/[\w.-]+)/issues/(?P=number))\)"
    r"(?: · (?P<state>open|done|won't do)(?: (?P<date>\d{4}-\d{2}-\d{2}))?)?"
    r"(?: · @(?P<assignee>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})))?"
    r"(?P<words> <!-- pmsync:cell -->)?"
    r"(?=\s*(?:\||\\?$|\s{2,}$|$)|[ \t]+#+[ \t]*$)"
)
_STATE_WORDS: dict[str, IssueState] = {"open": "open", "done": "completed", "won't do": "not_planned"}
_STATE_TEXT: dict[IssueState, str] = {"open": "open", "completed": "done", "not_planned": "won't do"}


@dataclass(frozen=True)
class Span:
    """A span found on one line: where it is and what it says."""

    line: int  # 0-based line index
    start: int  # character offsets within the decoded line
    end: int
    ref: IssueRef
    state: IssueState | None  # the state pmsync last wrote: the three-way sync's agreed value
    date: dt.date | None
    assignee: str | None
    words: bool = False  # written when the row's Status cell said `state`: its words are the document's


@dataclass(frozen=True)
class Status:
    """What a span should say."""

    number: int
    url: str
    state: IssueState | None = None
    date: dt.date | None = None
    assignee: str | None = None
    words: bool = False  # the row's Status cell says `state`: the span says so (WORDS_AGREED)


def find_spans(line: str, index: int) -> list[Span]:
    if " · [#" not in line:
        return []
    spans: list[Span] = []
    for match in _SPAN.finditer(line):
        state = _STATE_WORDS.get(match["state"]) if match["state"] else None
        date = dt.date.fromisoformat(match["date"]) if match["date"] else None
        ref = IssueRef(int(match["number"]), match["repo"], match["url"], bound=True)
        words = match["words"] is not None
        spans.append(Span(index, match.start(), match.end(), ref, state, date, match["assignee"], words))
    return spans


def strip_spans(text: str) -> tuple[str, dict[int, Span]]:
    """The text without pmsync's spans (so extraction never sees its own words),
    and the span found on each line."""
    if " · [#" not in text:
        return text, {}
    lines = text.split("\n")
    found: dict[int, Span] = {}
    for index, line in enumerate(lines):
        spans = find_spans(line, index)
        if not spans:
            continue
        found[index] = spans[-1]
        for span in reversed(spans):
            line = line[: span.start] + line[span.end :]
        lines[index] = line
    return "\n".join(lines), found


def render(status: Status) -> str:
    text = f"{SEPARATOR}[#{status.number}]({status.url})"
    if status.state is not None:
        text += f"{SEPARATOR}{_STATE_TEXT[status.state]}"
        if status.date is not None and status.state != "open":
            text += f" {status.date.isoformat()}"
    if status.assignee:
        text += f"{SEPARATOR}@{status.assignee}"
    if status.words and status.state is not None:
        text += WORDS_AGREED
    return text


STATUS_TABLE_START = "<!-- pmsync:status -->"
STATUS_TABLE_END = "<!-- /pmsync:status -->"
_STATUS_TABLE = re.compile(
    rf"^[ \t]*{re.escape(STATUS_TABLE_START)}[ \t]*\n(?P<body>.*?)^[ \t]*{re.escape(STATUS_TABLE_END)}[ \t]*$",
    re.S | re.M,
)


def blank_status_tables(text: str) -> str:
    """The generated status table, blanked out: its rows are pmsync's, not items."""
    if STATUS_TABLE_START not in text:
        return text
    return _STATUS_TABLE.sub(lambda m: m.group(0).replace(m["body"], "\n" * m["body"].count("\n")), text)


def md_cell(text: str) -> str:
    """Text made safe for one Markdown table cell: one line, no column break, and no
    HTML (a title holding "<!-- /pmsync:status -->" must not close a status table)."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")
