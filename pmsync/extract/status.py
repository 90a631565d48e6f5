"""The state the words of a table's Status cell say ("Open", "In progress", "Done", "Won't do").

The one reading of those words: extraction (an item's done and won't-do), pull and the
three-way rules all ask this module."""

from __future__ import annotations

import re

from pmsync.model import IssueState

_DONE = re.compile(r"\b(?:done|completed?|fixed|resolved|closed|shipped)\b|✅|✔", re.I)
_WONT = re.compile(
    r"\b(?:won'?t(?:\s+(?:do|fix))?|wontfix|dropped|not\s+planned|cancell?ed|superseded|obsolete|rejected|declined)\b",
    re.I,
)
_OPEN = re.compile(
    r"^(?:open|todo|to do|to-do|in progress|in-progress|wip|not started|not done|pending|planned|blocked|"
    r"ongoing|started|doing|new|backlog)\b",
    re.I,
)


def cell_state(text: str) -> IssueState | None:
    """The state a status cell's words say, or None when they say none pmsync knows."""
    if _WONT.search(text):
        return "not_planned"
    if re.search(r"\b(?:not done|in progress)\b", text, re.I):
        return "open"
    if _DONE.search(text):
        return "completed"
    return "open" if _OPEN.match(text.strip()) else None
