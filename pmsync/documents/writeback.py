"""Minimal edits to a postmortem's bytes: pmsync's span next to each item.

Only the span is written; every other byte of the document (line endings, BOM,
tabs, trailing spaces, bytes that are not valid UTF-8) stays as it was. Lines
are edited as bytes decoded with `surrogateescape`, so even a line with invalid
UTF-8 comes back byte for byte apart from the span.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pmsync.links import Status, find_spans, render

_LINE_END = re.compile(rb"\r\n|\r|\n")
_TRAILER = re.compile(r"(?:\s+#+)?(?:\\|\s*)$")  # ATX closing hashes, hard-break backslash or spaces


@dataclass(frozen=True)
class SpanEdit:
    line: int  # 1-based line the span belongs on
    status: Status | None  # None removes pmsync's span from the line
    cell: int | None = None  # table rows: the 0-based column the span goes in


@dataclass(frozen=True)
class BoxEdit:
    line: int  # 1-based line of a list item's bullet
    checked: bool  # the task box to show: [x] or [ ]


_BULLET = re.compile(r"^(?P<lead>(?:[ \t]*>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)(?P<box>\[[ xX]?\][ \t]?)?")


def edit_box(line: str, checked: bool) -> str:
    """Set the task box of a list item, adding one when the item has none."""
    match = _BULLET.match(line)
    if match is None:
        return line
    mark = "[x]" if checked else "[ ]"
    box = match["box"]
    if box is None:
        return line[: match.end("lead")] + mark + " " + line[match.end("lead") :]
    if box.rstrip(" \t") == mark or (checked and box.startswith("[X]")):
        return line
    spacing = box[len(box.rstrip(" \t")) :] or " "
    return line[: match.start("box")] + mark + spacing + line[match.end("box") :]


def _lines(data: bytes) -> list[tuple[int, int, int]]:
    """(start, content end, line end) of every line, by the same breaks extraction uses."""
    spans: list[tuple[int, int, int]] = []
    start = 0
    for match in _LINE_END.finditer(data):
        spans.append((start, match.start(), match.end()))
        start = match.end()
    spans.append((start, len(data), len(data)))
    return spans


def _cells(line: str) -> list[tuple[int, int]]:
    """(start, end) of each table cell's text, between unescaped pipes."""
    bounds = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    if not bounds:
        return []
    cells: list[tuple[int, int]] = []
    edges = bounds if line.lstrip().startswith("|") else [-1, *bounds]
    if not line.rstrip().endswith("|"):
        edges = [*edges, len(line)]
    for left, right in itertools.pairwise(edges):
        cells.append((left + 1, right))
    return cells


def edit_line(line: str, edit: SpanEdit) -> str:
    existing = find_spans(line, 0)
    for span in reversed(existing):
        line = line[: span.start] + line[span.end :]
    if edit.status is None:
        return line
    text = render(edit.status)
    if edit.cell is not None:
        cells = _cells(line)
        if 0 <= edit.cell < len(cells):
            start, end = cells[edit.cell]
            content_end = start + len(line[start:end].rstrip())
            return line[:content_end] + text + line[content_end:]
    match = _TRAILER.search(line)
    cut = match.start() if match else len(line)
    return line[:cut] + text + line[cut:]


Edit = SpanEdit | BoxEdit


def apply_edits(data: bytes, edits: Sequence[Edit], replacements: Sequence[tuple[int, int, list[str]]] = ()) -> bytes:
    """The document with each edit made; untouched lines are the same bytes.
    `replacements` swap whole line ranges (0-based start, end exclusive) for new
    lines: the generated status table between its markers."""
    if not edits and not replacements:
        return data
    by_line: dict[int, list[Edit]] = {}
    for edit in edits:
        by_line.setdefault(edit.line - 1, []).append(edit)
    replaced = {start: (end, lines) for start, end, lines in replacements}
    lines = _lines(data)
    newline = _newline(data)
    out = bytearray()
    skip_until = -1
    for index, (start, content_end, end) in enumerate(lines):
        if index < skip_until:
            continue
        if index in replaced:
            stop, new_lines = replaced[index]
            out += b"".join(line.encode("utf-8", "surrogateescape") + newline for line in new_lines)
            skip_until = stop
            if stop > index:
                continue  # the old lines are replaced; an empty range only inserts before this line
        line_edits = by_line.get(index)
        if not line_edits:
            out += data[start:end]
            continue
        raw = data[start:content_end]
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw[3:].decode("utf-8", "surrogateescape") if bom else raw.decode("utf-8", "surrogateescape")
        for edit in line_edits:
            text = edit_box(text, edit.checked) if isinstance(edit, BoxEdit) else edit_line(text, edit)
        out += (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogateescape") + data[content_end:end]
    return bytes(out)


def _newline(data: bytes) -> bytes:
    """The document's own line break, for lines pmsync adds."""
    crlf = data.count(b"\r\n")
    return b"\r\n" if crlf and crlf * 2 >= data.count(b"\n") else b"\n"
