"""Tables for people: headed columns; on a terminal, fitted to its width with "…"
where a cell is cut, and coloured; piped, every cell whole and no colour.

Columns are aligned by display width (East Asian wide characters count two, as
postmortems in Japanese, Korean and Chinese need). Only the columns marked `cut`
(titles, paths) are narrowed, widest first; line numbers, dates and counts are
never cut. (rich was tried: its layout shrinks every column alike, line numbers
and dates included, and its import costs `pmsync scan` 45 ms of a 100 ms floor.)
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Literal

Cell = str | tuple[str, str]  # text, or (text, style) such as ("late", "red"): a style of _CODES
MIN_CUT = 12  # a cut column keeps at least this many columns (or its header's width)


@dataclass(frozen=True)
class Column:
    header: str
    align: Literal["left", "right"] = "left"
    cut: bool = False  # may be shortened (with "…") to fit a terminal; other columns never are
    keep_end: bool = False  # cut at the start: paths keep their file name and line


@dataclass(frozen=True)
class Terminal:
    """Where a table goes: `width` None is not a terminal (never cut); `color` says whether to colour."""

    width: int | None = None
    color: bool = False

    @classmethod
    def detect(cls, stream: IO[str], environ: Mapping[str, str] | None = None) -> Terminal:
        """A terminal's width (COLUMNS, else the terminal's), and colour unless NO_COLOR (FORCE_COLOR forces it)."""
        env = os.environ if environ is None else environ
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        width = None
        if tty:
            columns = env.get("COLUMNS", "")
            width = int(columns) if columns.isdigit() and int(columns) > 0 else shutil.get_terminal_size().columns
        if env.get("NO_COLOR"):
            color = False
        elif env.get("FORCE_COLOR"):
            color = True
        else:
            color = tty and env.get("TERM") != "dumb"
        return cls(width, color)


PIPED = Terminal()  # not a terminal: nothing cut, no colour


def display_width(text: str) -> int:
    """Columns the text takes on a terminal: East Asian wide and full-width characters take two."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text
    )


def _text(cell: Cell) -> str:
    text = cell[0] if isinstance(cell, tuple) else cell
    return " ".join(text.split())  # one line per row: newlines and tabs in a title become spaces


def render_table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], terminal: Terminal) -> str:
    """The table with a header row, each line ending in a newline."""
    texts = [[column.header for column in columns], *[[_text(cell) for cell in row] for row in rows]]
    widths = [max(display_width(line[i]) for line in texts) for i in range(len(columns))]
    if terminal.width is not None:
        _fit(columns, widths, terminal.width)
    styles = [["bold"] * len(columns), *[[cell[1] if isinstance(cell, tuple) else "" for cell in row] for row in rows]]
    out = []
    for line, line_styles in zip(texts, styles, strict=True):
        cells = []
        for column, width, text, style in zip(columns, widths, line, line_styles, strict=True):
            text = cut(text, width, keep_end=column.keep_end)
            pad = " " * (width - display_width(text))
            text = styled(text, style, terminal)
            cells.append(pad + text if column.align == "right" else text + pad)
        out.append("  ".join(cells).rstrip() + "\n")
    return "".join(out)


def _fit(columns: Sequence[Column], widths: list[int], width: int) -> None:
    """Narrow the columns that may be cut, widest first, until the table fits (or they are at their least)."""
    least = [max(display_width(column.header), MIN_CUT) for column in columns]
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    while excess > 0:
        shrinkable = [i for i, column in enumerate(columns) if column.cut and widths[i] > least[i]]
        if not shrinkable:
            return
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1


def cut(text: str, width: int, *, keep_end: bool = False) -> str:
    """The text in at most `width` columns, ending (or, keeping its end, starting) in "…" when shortened."""
    if display_width(text) <= width:
        return text
    if keep_end:
        return "…" + _tail(text, width - 1)
    kept, used = [], 0
    for char in text:
        size = display_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + "…"


def _tail(text: str, width: int) -> str:
    kept: list[str] = []
    used = 0
    for char in reversed(text):
        size = display_width(char)
        if used + size > width:
            break
        kept.append(char)
        used += size
    return "".join(reversed(kept)).lstrip()


_CODES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "dim": "2", "cyan": "36"}


def styled(text: str, style: str, terminal: Terminal) -> str:
    """The text in bold or a colour (SGR codes), on a colour terminal only."""
    if not (terminal.color and style and text):
        return text
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m"
