"""Fuzzing extraction and write-back with hostile Markdown.

Hypothesis builds documents line by line from raw text (control characters,
NUL, DEL, lone CR, odd Unicode), Markdown's own marks (headings, setext lines,
list markers and task boxes, table rows and rules, code fences, front matter
fences, HTML comment openers and closers) and pmsync's (issue spans, forged
markers, status-table markers), joined with a mix of LF, CRLF and CR, with a
BOM and bytes that are not UTF-8 thrown in. Then:

- extract_document never raises, and every item's lines lie in the document;
- apply_edits with arbitrary span and task-box edits for the items changes no
  byte outside what pmsync owns: its span on an edited line (the new one, and
  any of its spans the line already carried), the task box, and nothing else;
- the edits `pmsync pull` plans against issues for the items (status table
  included) obey the same rule.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsync.config import Config
from pmsync.documents.writeback import BoxEdit, Edit, SpanEdit, apply_edits
from pmsync.engine.pull import PullSettings, plan_document
from pmsync.extract import extract_document
from pmsync.extract.text import decode
from pmsync.github.content import Marker
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue
from pmsync.links import Status, find_spans, render

REPO = "acme/pm"
HTML = f"https://github.com/{REPO}"
CONFIG = Config()
PATH = "postmortems/fuzz.md"
EXAMPLES = 300
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

RAW = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\u2028", "\u00b7", "\ufeff", "\t"]),
    ),
    max_size=30,
)
MARKS = st.sampled_from(
    [
        "# ",
        "## Action items",
        "## Follow-ups",
        "### ",
        "##Corrective actions",
        "Action Items",
        "===",
        "---",
        "+++",
        "- ",
        "* ",
        "+ ",
        "1. ",
        "2) ",
        "- [ ] ",
        "- [x] ",
        "- [] ",
        "  - ",
        "> ",
        "> - [ ] ",
        "**Owner:**",
        "**Fix the cache**:",
        "| Action Item | Owner | Status |",
        "|---|---|---|",
        "| a | @bob | DONE |",
        "|",
        "```",
        "~~~",
        "    ",
        "\\",
        "TODO: ",
        "Action item: ",
        "@alice",
        "due 2024-05-01",
        "P1",
        "within the next 99 weeks",
        "[#1](https://github.com/acme/pm/issues/1)",
        " · [#12](https://github.com/acme/pm/issues/12)",
        " · [#7](https://github.com/acme/pm/issues/7) · open",
        " · [#8](https://github.com/acme/pm/issues/8) · done 2024-01-02 · @carol",
        " · [#9](https://github.com/x/y/issues/9) · won't do 2024-01-03",
        " · [#",
        "<!--",
        "-->",
        "<!-- pmsync:v1 eyJraW5kIjogIml0ZW0ifQ== -->",
        "<!-- pmsync:status -->",
        "<!-- /pmsync:status -->",
        "Add alerting on replication lag",
        "Rotate the signing keys",
    ]
)
LINE = st.lists(st.one_of(MARKS, RAW), min_size=0, max_size=4).map("".join)
WORDS = st.lists(
    st.one_of(
        st.sampled_from(["Add", "alerting", "on", "lag", "Rotate", "keys", "runbook", "für", "日本", "@bob", "`x`"]),
        st.sampled_from(["**bold**", "P2", "due 2024-05-01", "[#3](https://github.com/acme/pm/issues/3)", "-->"]),
        RAW,
    ),
    min_size=1,
    max_size=6,
).map(" ".join)
SPAN = st.sampled_from(
    [
        "",
        "",
        " · [#12](https://github.com/acme/pm/issues/12)",
        " · [#7](https://github.com/acme/pm/issues/7) · open",
        " · [#8](https://github.com/acme/pm/issues/8) · done 2024-01-02 · @carol",
        " · [#9](https://github.com/x/y/issues/9) · won't do 2024-01-03",
        " · [#5](https://github.com/acme/pm/issues/5) · open and more",
    ]
)
TRAIL = st.sampled_from(["", "", "  ", "\\", " ##", "\t", " |"])
BULLET = st.sampled_from(["- ", "* ", "+ ", "1. ", "2) ", "- [ ] ", "- [x] ", "- [X] ", "- [] ", "  - ", "> - ", "-\t"])
CELL = st.one_of(WORDS, st.sampled_from(["", "@bob", "DONE", "TODO", "Won't do", "2024-05-01"]))
BREAK = st.sampled_from([b"\n", b"\r\n", b"\r", b"\n", b"\n"])
NOISE = st.sampled_from([b"", b"", b"", b"", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc", b"\xef\xbb\xbf"])


@st.composite
def block(draw: st.DrawFn) -> list[str]:
    """A few lines of one kind: a heading, a list, a table, a code fence, a status table, prose, junk."""
    kind = draw(st.sampled_from(["heading", "list", "list", "table", "junk", "paragraph", "fence", "status"]))
    if kind == "heading":
        return [draw(st.sampled_from(["## Action items", "# Incident", "### Follow-ups", "Next steps:", "**Tasks:**"]))]
    if kind == "list":
        return [draw(BULLET) + draw(WORDS) + draw(SPAN) + draw(TRAIL) for _ in range(draw(st.integers(1, 4)))]
    if kind == "table":
        rows = ["| Action Item | Owner | Status |", draw(st.sampled_from(["|---|---|---|", "| --- | :-: | --- |"]))]
        for _ in range(draw(st.integers(1, 3))):
            rows.append(f"| {draw(WORDS)} | {draw(CELL)} | {draw(CELL)}{draw(SPAN)} |" + draw(TRAIL))
        return rows
    if kind == "fence":
        return [draw(st.sampled_from(["```", "~~~"])), draw(WORDS), draw(st.sampled_from(["```", "", "~~~"]))]
    if kind == "status":
        return ["<!-- pmsync:status -->", draw(LINE), "<!-- /pmsync:status -->"]
    if kind == "paragraph":
        return [draw(WORDS) + draw(SPAN) for _ in range(draw(st.integers(1, 3)))]
    return [draw(LINE) for _ in range(draw(st.integers(1, 3)))]


FRONT = ["title: x", "title: [", "a: &a [1]\nb: *a", "date: 2024-02-29", "tags: {a: 1}"]
CALENDAR = ["date: 2024-02-31", "date: 9999-12-30\nseverity: SEV1"]  # dates extraction has crashed on
FAR = "- Add a runbook within the next 99999 years"


@st.composite
def documents(draw: st.DrawFn, *, calendar: bool = True) -> bytes:
    """A hostile document; `calendar=False` leaves out impossible and far-off dates,
    so that the write-back properties get past extraction bugs to test write-back."""
    lines: list[str] = []
    if draw(st.integers(0, 4)) == 0:
        lines += ["---", draw(st.sampled_from(FRONT + (CALENDAR if calendar else []))), "---"]
    lines += ["# " + draw(WORDS), ""]
    if draw(st.integers(0, 3)):
        lines += ["## Action items", ""]  # mostly, a follow-up section straight away
    for part in draw(st.lists(block(), min_size=1, max_size=8)):
        lines += [*part, *([""] if draw(st.booleans()) else [])]
    if calendar and draw(st.integers(0, 9)) == 0:
        lines.append(FAR)
    out = bytearray(b"\xef\xbb\xbf" if draw(st.booleans()) else b"")
    for line in lines:
        out += line.encode("utf-8") + draw(NOISE) + draw(BREAK)
    if draw(st.booleans()):
        out = bytearray(bytes(out).rstrip(b"\r\n"))  # no final line break
    return bytes(out)


STATES = st.sampled_from([None, "open", "completed", "not_planned"])
DATES = st.one_of(st.none(), st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
LOGINS = st.one_of(st.none(), st.sampled_from(["alice", "bob-2", "x"]))


# -- the invariant -----------------------------------------------------------------------------------

_BREAKS = re.compile(rb"(\r\n|\r|\n)")
_BOX = re.compile(r"^((?:[ \t]*>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[[ xX]?\][ \t]?")


def _split(data: bytes) -> list[bytes]:
    """Lines with their own line breaks, as pmsync splits them."""
    parts = _BREAKS.split(data)
    return [parts[i] + (parts[i + 1] if i + 1 < len(parts) else b"") for i in range(0, len(parts), 2)]


def _text(line: bytes, first: bool) -> tuple[bytes, str]:
    """(line break, decoded text) of a line; a BOM on the first line is kept apart."""
    match = _BREAKS.search(line)
    end = line[match.start() :] if match else b""
    body = line[: len(line) - len(end)]
    if first and body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    return end, body.decode("utf-8", "surrogateescape")


def _without_owned_spans(text: str) -> str:
    for span in reversed(find_spans(text, 0)):
        text = text[: span.start] + text[span.end :]
    return text


def _unboxed(text: str) -> str:
    return _BOX.sub(r"\1", text, count=1)


def assert_only_owned_changes(
    old: bytes, new: bytes, edits: list[Edit], table: tuple[int, int, list[str]] | None = None
) -> None:
    """Walk the old lines through the new bytes: untouched lines come back byte for
    byte; an edited line differs only by pmsync's span and task box and keeps its
    line break; the lines of a status table (between its markers) are pmsync's."""
    old_lines = _split(old)
    if old.startswith(b"\xef\xbb\xbf"):
        assert new.startswith(b"\xef\xbb\xbf"), "the BOM was lost"
    spans: dict[int, list[Status | None]] = {}
    boxes: set[int] = set()
    for edit in edits:
        if isinstance(edit, SpanEdit):
            spans.setdefault(edit.line - 1, []).append(edit.status)
        else:
            boxes.add(edit.line - 1)
    start, stop, rows = table if table else (-1, -1, [])
    cursor = 0
    for index, before in enumerate(old_lines):
        if start <= index < stop:
            continue
        if index == stop:  # after the generated table: find where the old text resumes
            found = new.find(before, cursor)
            assert found != -1, f"line {index + 1} ({before!r}) is gone after the status table"
            generated = new[cursor:found].decode("utf-8", "surrogateescape")
            assert [r for r in rows if r] == [r for r in re.split(r"\r\n|\r|\n", generated) if r]
            cursor = found
        if index not in spans and index not in boxes:
            after = new[cursor : cursor + len(before)]
            assert after == before, f"line {index + 1} changed: {before!r} -> {after!r}"
            cursor += len(before)
            continue
        end_before, text_before = _text(before, index == 0)
        match = _BREAKS.search(new, cursor)
        stop_at = match.end() if match and end_before else len(new)
        after = new[cursor:stop_at]
        cursor = stop_at
        end_after, text_after = _text(after, index == 0)
        assert end_after == end_before, f"line {index + 1}: line break {end_before!r} -> {end_after!r}"
        want = text_before
        candidates = [text_after]
        if index in spans:
            want = _without_owned_spans(text_before)  # an edited line's spans are all pmsync's to replace
            for status in spans[index]:
                if status is not None:
                    rendered = render(status)
                    at = [m.start() for m in re.finditer(re.escape(rendered), text_after)]
                    assert at, f"line {index + 1}: the span {rendered!r} is missing from {text_after!r}"
                    candidates = [text_after[:p] + text_after[p + len(rendered) :] for p in at]
        if index in boxes:
            want = _unboxed(want)
            candidates = [_unboxed(c) for c in candidates]
        assert want in candidates, f"line {index + 1}: {text_before!r} -> {text_after!r}"
    assert cursor == len(new), f"bytes added at the end: {new[cursor:]!r}"


# -- the properties ----------------------------------------------------------------------------------


@FUZZ
@given(documents())
def test_extraction_never_raises(data: bytes) -> None:
    pm = extract_document(PATH, data, CONFIG)
    lines = len(_split(data)) if data else 1
    for item in pm.items:
        assert 1 <= item.line <= item.end_line <= lines, (item.line, item.end_line, lines)
        assert 1 <= item.anchor_line <= lines
        assert item.title.strip()
    assert pm.incident.label.startswith("incident:") and len(pm.incident.label) <= 50


@FUZZ
@given(documents(calendar=False), st.data())
def test_span_and_box_edits_change_only_what_pmsync_owns(data: bytes, draw: st.DataObject) -> None:
    pm = extract_document(PATH, data, CONFIG)
    edits: list[Edit] = []
    anchors: set[int] = set()
    for item in pm.items:
        if item.anchor_line in anchors or item.anchor_shared:
            continue
        anchors.add(item.anchor_line)
        if draw.draw(st.booleans()):
            number = draw.draw(st.integers(1, 10**9 - 1))
            status = draw.draw(
                st.one_of(
                    st.none(),
                    st.builds(Status, st.just(number), st.just(f"{HTML}/issues/{number}"), STATES, DATES, LOGINS),
                )
            )
            edits.append(SpanEdit(item.anchor_line, status, item.cell))
        if item.list_entry and draw.draw(st.booleans()):
            edits.append(BoxEdit(item.line, draw.draw(st.booleans())))
    new = apply_edits(data, edits)
    assert_only_owned_changes(data, new, edits)
    extract_document(PATH, new, CONFIG)  # and what was written reads again without error


def _issues(keys: list[str], states: list[str], assignees: list[str | None]) -> list[RemoteIssue]:
    now = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    issues = []
    for number, (key, state, login) in enumerate(zip(keys, states, assignees, strict=True), start=1):
        issues.append(
            RemoteIssue(
                number=number,
                id=1000 + number,
                title=key,
                body="text\n\n" + Marker("item", PATH, key, "fuzz").encode(),
                state="open" if state == "open" else "closed",
                state_reason=None if state == "open" else state,
                labels=("pmsync",),
                assignees=(login,) if login else (),
                milestone=None,
                html_url=f"{HTML}/issues/{number}",
                created_at=now,
                updated_at=now,
                closed_at=None if state == "open" else now,
            )
        )
    return issues


@FUZZ
@given(documents(calendar=False), st.data())
def test_pull_edits_change_only_what_pmsync_owns(data: bytes, draw: st.DataObject) -> None:
    pm = extract_document(PATH, data, CONFIG)
    keys = list(dict.fromkeys(item.key for item in pm.items))
    states = draw.draw(
        st.lists(st.sampled_from(["open", "completed", "not_planned"]), min_size=len(keys), max_size=len(keys))
    )
    assignees = draw.draw(st.lists(LOGINS, min_size=len(keys), max_size=len(keys)))
    issues = _issues(keys, states, assignees)
    update = plan_document(
        pm,
        PATH,
        PullSettings(REPO, HTML),
        IssueIndex.of(issues),
        decode(data).text.split("\n"),
    )
    replacements = [update.table] if update.table else []
    new = apply_edits(data, update.edits, replacements)
    assert_only_owned_changes(data, new, update.edits, update.table)
    extract_document(PATH, new, CONFIG)
