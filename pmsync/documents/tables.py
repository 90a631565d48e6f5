"""Tables with a status column: the status lives in that cell.

An action item table with a Status column says each item's state in words
("Open", "In progress", "Done", "Won't do"). pmsync treats that cell as it treats
a task box (DESIGN.md, "Closing and removal"): the author writing "Done" or
"Won't do" there closes the issue (push), and when the issue's state changed on
GitHub, pull writes it into that cell, so the row never reads
`Open · [#3] · done`. A cell whose words already agree is left as written.

The three-way base is the state in pmsync's span. A span written beside a Status
cell whose words said that same state ends with `<!-- pmsync:cell -->` (invisible
when rendered): from then on the words are the document's word, and an author
writing "Open" beside a done span reopens the issue. A span without it was
written by a pmsync that did not look at the words (or beside words naming no
state): "Open" beside its "done" is the old `Open · [#3] · done` shape, not an
edit, so the span's state stands and pull writes it into the cell.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from pmsync.links import find_spans
from pmsync.model import IssueState

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_STATUS_HEADER = re.compile(r"\b(?:status|state|progress)\b", re.I)
STATUS_WORDS: dict[IssueState, str] = {"open": "Open", "completed": "Done", "not_planned": "Won't do"}


def cells(line: str) -> list[tuple[int, int]]:
    """(start, end) of each table cell's text, between unescaped pipes."""
    bounds = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    if not bounds:
        return []
    edges = bounds if line.lstrip().startswith("|") else [-1, *bounds]
    if not line.rstrip().endswith("|"):
        edges = [*edges, len(line)]
    return [(left + 1, right) for left, right in itertools.pairwise(edges)]


def status_column(lines: Sequence[str], row: int) -> int | None:
    """The Status column of the table holding 1-based line `row`, if it has one."""
    index = row - 1
    while index > 0 and "|" in lines[index - 1] and not _SEPARATOR.match(lines[index]):
        index -= 1
    if index < 1 or not _SEPARATOR.match(lines[index]):
        return None
    header = lines[index - 1]
    for column, (start, end) in enumerate(cells(header)):
        if _STATUS_HEADER.search(header[start:end]):
            return column
    return None


def cell_text(line: str, column: int) -> str | None:
    """The cell's words without pmsync's span, or None when the row has no such cell."""
    found = cells(line)
    if not 0 <= column < len(found):
        return None
    start, end = found[column]
    text = line[start:end]
    for span in reversed(find_spans(text, 0)):
        text = text[: span.start] + text[span.end :]
    return text.strip()


def set_cell(line: str, column: int, words: str) -> str:
    """The row with the status cell's words replaced; pmsync's span and the spacing around stay."""
    found = cells(line)
    if not 0 <= column < len(found):
        return line
    start, end = found[column]
    cell = line[start:end]
    spans = find_spans(cell, 0)
    human_end = spans[0].start if spans else len(cell.rstrip())
    human = cell[:human_end]
    lead = human[: len(human) - len(human.lstrip())] or " "
    return line[:start] + lead + words + cell[human_end:] + line[end:]
