"""Property: whatever the document, what `pull` inserts is all that changes.

Hypothesis writes documents with CRLF or LF, a BOM or not, bytes that are not
UTF-8 outside the items, tabs and trailing spaces; pull's edits are computed
against issues for every item; removing the spans and restoring the task boxes
must give back the original bytes exactly, and the items must read the same.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsync.config import Config
from pmsync.documents.writeback import BoxEdit, SpanEdit, apply_edits
from pmsync.engine.pull import PullSettings, plan_document
from pmsync.extract import extract_document
from pmsync.extract.text import decode
from pmsync.github.content import Marker
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue

REPO = "acme/pm"
HTML = f"https://github.com/{REPO}"
CONFIG = Config()
WORDS = st.sampled_from(
    [
        "Add",
        "alerting",
        "on",
        "lag",
        "Rotate",
        "keys",
        "runbook",
        "für",
        "日本",
        "cache",
        "@alice",
        "`code`",
        "**bold**",
    ]
)
TEXT = st.lists(WORDS, min_size=2, max_size=8).map(" ".join)
NOISE = st.sampled_from([b"\xff", b"\xc3", b"\t", b"  ", b"\x00", b"caf\xc3\xa9", b""])


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    lines: list[bytes] = [b"# Incident " + draw(TEXT).encode(), b"", draw(NOISE) + b"Summary text" + draw(NOISE), b""]
    lines += [b"## Action Items", b""]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["bullet", "task", "numbered"]))
        text = draw(TEXT).encode()
        if kind == "task":
            lines.append(b"- [ ] " + text + draw(st.sampled_from([b"", b"  ", b"\t"])))
        elif kind == "numbered":
            lines.append(b"1. " + text)
        else:
            lines.append(b"* " + text)
    if draw(st.booleans()):
        lines += [b"", b"| Action Item | Owner | Bug |", b"| --- | --- | --- |"]
        for _ in range(draw(st.integers(1, 3))):
            lines.append(b"| " + draw(TEXT).encode() + b" | bob | |")
    lines += [b"", b"## Timeline", b"", draw(NOISE) + b"- 10:00 things happened" + draw(NOISE)]
    body = newline.join(lines) + (newline if draw(st.booleans()) else b"")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + body


def _issues(keys: list[str], states: list[str]) -> list[RemoteIssue]:
    now = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    issues = []
    for number, (key, state) in enumerate(zip(keys, states, strict=True), start=1):
        marker = Marker("item", "doc.md", key, "doc")
        issues.append(
            RemoteIssue(
                number=number,
                id=1000 + number,
                title=key,
                body="text\n\n" + marker.encode(),
                state="open" if state == "open" else "closed",
                state_reason=None if state == "open" else state,
                labels=("pmsync",),
                assignees=(),
                milestone=None,
                html_url=f"{HTML}/issues/{number}",
                created_at=now,
                updated_at=now,
                closed_at=None if state == "open" else now,
            )
        )
    return issues


_SPAN = re.compile(
    rb" \xc2\xb7 \[#\d+\]\([^)\s]+\)(?: \xc2\xb7 (?:open|done \d{4}-\d\d-\d\d|won't do \d{4}-\d\d-\d\d))?"
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_pull_changes_only_what_it_owns(data: bytes, draw: st.DataObject) -> None:
    before = extract_document("doc.md", data, CONFIG)
    keys = [item.key for item in before.items]
    states = draw.draw(
        st.lists(st.sampled_from(["open", "completed", "not_planned"]), min_size=len(keys), max_size=len(keys))
    )
    issues = _issues(keys, states)
    update = plan_document(
        before,
        "doc.md",
        PullSettings(REPO, HTML),
        IssueIndex.of(issues),
        decode(data).text.split("\n"),
    )
    pulled = apply_edits(data, update.edits)

    after = extract_document("doc.md", pulled, CONFIG)
    assert [(i.key, i.title, i.line) for i in after.items] == [(i.key, i.title, i.line) for i in before.items]
    for item, state in zip(after.items, states, strict=True):
        assert item.issue is not None and item.issue.bound
        assert item.agreed_state == state
    # Undo: drop the spans, and give each item whose box pull changed its old box back.
    boxes = {edit.line: edit for edit in update.edits if isinstance(edit, BoxEdit)}
    restore = [SpanEdit(edit.line, None) for edit in update.edits if isinstance(edit, SpanEdit)]
    undone = apply_edits(pulled, restore)
    original_lines = data.splitlines(keepends=True)
    undone_lines = undone.splitlines(keepends=True)
    assert len(original_lines) == len(undone_lines)
    for index, (old, new) in enumerate(zip(original_lines, undone_lines, strict=True)):
        if index + 1 in boxes:
            # Only the task box differs: "- " became "- [x] " (or a box flipped).
            assert re.sub(rb"\[[ xX]\] ?", b"", new, count=1) == re.sub(rb"\[[ xX]?\] ?", b"", old, count=1)
        else:
            assert new == old
    assert not _SPAN.search(undone)
