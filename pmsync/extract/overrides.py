"""A user's override in the document: `<!-- pmsync: item -->`, `<!-- pmsync: not-an-item -->`.

For the cases no extractor gets right, the author decides:

    - Nice work everyone <!-- pmsync: not-an-item -->

    <!-- pmsync: item -->
    Keep the runbook next to the alert.

    <!-- pmsync: not-an-item -->
    ## Ideas we discussed

At the end of a line, an override decides the candidates that start on that
line. On a line of its own, it decides the candidates starting at the next
non-blank line, or, when that line is a heading (ATX, setext or a line of bold
text), switches the whole section on or off: its lines down to the next heading
of the same or a higher level, sub-sections included. In a section switched on,
a sub-heading with paragraphs under it may still be taken as one item standing
for them (the scorer decides that reading). The most specific override wins:
one on the line, then the innermost section switch.

`strip_overrides` blanks the comments out with spaces before parsing, so no
title contains one and every other character keeps its line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pmsync.extract.items import Draft
from pmsync.model import Diagnostic

_OVERRIDE = re.compile(r"<!--\s*pmsync\s*:\s*(?P<value>item|not\s*-\s*an\s*-\s*item)\s*-->", re.I)
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(?P<marks>#{1,6})(?:[ \t]|$|(?=[^#\s]))")
_SETEXT = re.compile(r"^ {0,3}(?P<rule>=+|-+)[ \t]*$")
_BOLD_LINE = re.compile(r"^ {0,3}(?P<q>\*\*|__)(?=\S)(?P<title>(?:(?!\*\*|__).)+?)(?<=\S)(?P=q)\s*[:：]?\s*$")
_NOT_TEXT = re.compile(r"^ {0,3}(?:[-*+>|]|\d{1,9}[.)]|#|`{3}|~{3})")
_BOLD_LEVEL = 7  # a bold line sits below every real heading, as in sections.py


@dataclass(frozen=True)
class Override:
    line: int  # 0-based line of the comment
    item: bool  # <!-- pmsync: item --> or <!-- pmsync: not-an-item -->
    target: int | None = None  # the first line of the candidates it decides
    section: tuple[int, int] | None = None  # a section switch: its lines, heading included, end exclusive

    @property
    def comment(self) -> str:
        return "<!-- pmsync: item -->" if self.item else "<!-- pmsync: not-an-item -->"

    def applies(self, draft: Draft) -> bool:
        if self.section is None:
            return draft.line == self.target
        start, end = self.section
        # Switched on, a section leaves the heading-with-body reading to the scorer.
        return start <= draft.line < end and not (self.item and draft.covers)


@dataclass(frozen=True)
class Overrides:
    found: tuple[Override, ...] = ()

    def decision(self, draft: Draft) -> bool | None:
        """The decision the document forces on a candidate, or None."""
        if not self.found:
            return None
        forced: Override | None = None
        for override in self.found:
            if not override.applies(draft):
                continue
            if override.section is None:
                forced = override  # on the line: the most specific; the last one written wins
            elif forced is None or (forced.section is not None and override.section[0] >= forced.section[0]):
                forced = override  # the innermost section
        return None if forced is None else forced.item

    def wants_items(self, start: int, end: int) -> bool:
        """Whether an `item` override falls on the 0-based lines [start, end). An override
        decides only candidates: a reader that skips text unlikely to hold items
        must still read these lines."""
        for override in self.found:
            if not override.item:
                continue
            if override.section is not None:
                if override.section[0] < end and start < override.section[1]:
                    return True
            elif override.target is not None and start <= override.target < end:
                return True
        return False

    def unused(self, drafts: Sequence[Draft]) -> list[int]:
        """1-based lines of the overrides that match no candidate."""
        return [override.line + 1 for override in self.unmatched(drafts)]

    def diagnostics(self, path: str, drafts: Sequence[Draft]) -> list[Diagnostic]:
        """A warning for each override that matches no candidate (shown by `pmsync check`)."""
        return [
            Diagnostic(
                path,
                override.line + 1,
                "warning",
                "override-unused",
                f"{override.comment} matches no candidate item; move it onto the item's line or before a heading",
            )
            for override in self.unmatched(drafts)
        ]

    def unmatched(self, drafts: Sequence[Draft]) -> list[Override]:
        """The overrides that match no candidate."""
        return [override for override in self.found if not any(override.applies(draft) for draft in drafts)]


def strip_overrides(text: str) -> tuple[str, Overrides]:
    """The text with each override blanked out (same length lines), and the overrides."""
    if "<!--" not in text:
        return text, Overrides()
    lines = text.split("\n")
    comments: list[tuple[int, bool, bool]] = []  # (line, item, alone on its line)
    for index in _outside_fences(lines):
        line = lines[index]
        if "<!--" not in line:
            continue
        blanked = line
        found: list[bool] = []
        for match in _OVERRIDE.finditer(line):
            if line.count("`", 0, match.start()) % 2:
                continue  # inside a code span: text about the syntax, not an override
            found.append(match["value"].lower() == "item")
            blanked = blanked[: match.start()] + " " * (match.end() - match.start()) + blanked[match.end() :]
        if found:
            lines[index] = blanked
            alone = not blanked.strip(" \t>")
            comments.extend((index, item, alone) for item in found)
    if not comments:
        return text, Overrides()
    headings = _headings(lines)
    overrides = [_place(line, item, alone, lines, headings) for line, item, alone in comments]
    return "\n".join(lines), Overrides(tuple(overrides))


def _place(line: int, item: bool, alone: bool, lines: list[str], headings: dict[int, int]) -> Override:
    if not alone:
        return Override(line, item, target=line)
    following = next((i for i in range(line + 1, len(lines)) if lines[i].strip(" \t>")), None)
    if following is None:
        return Override(line, item)
    level = headings.get(following)
    if level is None:
        return Override(line, item, target=following)
    end = next((i for i, lv in sorted(headings.items()) if i > following and lv <= level), len(lines))
    return Override(line, item, section=(following, end))


def _headings(lines: list[str]) -> dict[int, int]:
    """0-based line -> level of each heading, by simple line patterns, outside fenced code."""
    found: dict[int, int] = {}
    previous_blank = True
    for index in _outside_fences(lines):
        line = lines[index]
        atx = _ATX.match(line)
        if atx:
            found[index] = len(atx["marks"])
        elif _BOLD_LINE.match(line):
            found[index] = _BOLD_LEVEL
        elif previous_blank and line.strip() and not _NOT_TEXT.match(line) and index + 1 < len(lines):
            setext = _SETEXT.match(lines[index + 1])
            if setext:
                found[index] = 1 if setext["rule"][0] == "=" else 2
        previous_blank = not line.strip() or bool(atx)
    return found


def _outside_fences(lines: list[str]) -> Iterator[int]:
    """Indices of the lines outside fenced code blocks (and not their fences)."""
    fence: str | None = None
    for index, line in enumerate(lines):
        marks = _FENCE.match(line)
        if fence is None:
            if marks:
                fence = marks["fence"]
            else:
                yield index
        elif marks and marks["fence"].startswith(fence) and not line.strip().strip(fence[0]):
            fence = None  # a closing fence: the same character, at least as long, nothing after it
