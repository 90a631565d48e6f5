"""Byte-exact write-back: only pmsync's span changes, every other byte stays."""

from __future__ import annotations

import os
import re
import stat
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmsync.documents.files import ChangedOnDisk, write_atomic
from pmsync.documents.writeback import SpanEdit, apply_edits
from pmsync.links import Status, find_spans

if TYPE_CHECKING:
    from pathlib import Path

BOM = b"\xef\xbb\xbf"


def status(number: int, state: str | None = "open") -> Status:
    return Status(number, f"https://github.com/acme/pm/issues/{number}", state)  # type: ignore[arg-type]


def split(data: bytes) -> list[bytes]:
    """Lines with their own line break, by the breaks pmsync uses (LF, CRLF, CR)."""
    lines, start = [], 0
    for match in re.finditer(rb"\r\n|\r|\n", data):
        lines.append(data[start : match.end()])
        start = match.end()
    lines.append(data[start:])
    return lines


def ending(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")) :]


def round_trip(data: bytes, edits: list[SpanEdit]) -> bytes:
    """Apply `edits`; check untouched lines, line breaks, idempotence and removal."""
    out = apply_edits(data, edits)
    before, after = split(data), split(out)
    assert len(before) == len(after)
    edited = {edit.line - 1 for edit in edits}
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        if index not in edited:
            assert new == old, f"line {index + 1} changed"
            continue
        assert ending(new) == ending(old), f"line {index + 1} lost its line break"
        edit = next(e for e in edits if e.line - 1 == index)
        assert edit.status is not None
        text = new.rstrip(b"\r\n").decode("utf-8", "surrogateescape")
        spans = find_spans(text, index)
        assert [s.ref.number for s in spans] == [edit.status.number], text
    assert apply_edits(out, edits) == out, "applying the same edits again changed the document"
    assert apply_edits(out, [SpanEdit(e.line, None, e.cell) for e in edits]) == data
    return out


# -- one shape at a time -----------------------------------------------------------------


def test_crlf_document_keeps_crlf() -> None:
    data = b"# Outage\r\n\r\n## Action items\r\n\r\n- Add alerting\r\n- Rotate keys\r\n\r\nThe end.\r\n"
    out = round_trip(data, [SpanEdit(5, status(1)), SpanEdit(6, status(2, "completed"))])
    assert b"- Add alerting \xc2\xb7 [#1](https://github.com/acme/pm/issues/1) \xc2\xb7 open\r\n" in out
    assert out.count(b"\r\n") == data.count(b"\r\n") and out.count(b"\n") == data.count(b"\n")


def test_cr_only_and_mixed_line_breaks() -> None:
    data = b"## Action items\r- one\r\n- two\n- three\r"
    round_trip(data, [SpanEdit(2, status(1)), SpanEdit(3, status(2)), SpanEdit(4, status(3))])


def test_bom_stays_first() -> None:
    data = BOM + b"- Item on the first line\n- second\n"
    out = round_trip(data, [SpanEdit(1, status(7))])
    assert out.startswith(BOM + b"- Item on the first line \xc2\xb7 [#7]")
    assert out.count(BOM) == 1


def test_tabs_and_trailing_spaces() -> None:
    data = b"-\tTabbed\titem\t\n- Trailing spaces   \n  - nested\t \n"
    out = round_trip(data, [SpanEdit(1, status(1)), SpanEdit(2, status(2)), SpanEdit(3, status(3))])
    lines = split(out)
    assert lines[0].startswith(b"-\tTabbed\titem") and lines[0].endswith(b"\t\n")
    assert lines[1].endswith(b"   \n")


def test_invalid_utf8_elsewhere_and_on_the_edited_line() -> None:
    data = b"# Caf\xe9 outage\n\n\xff\xfe garbage \x80\n- Fix the caf\xe9 \xc3 encoder\n- Plain item\n\xed\xa0\x80 end"
    out = round_trip(data, [SpanEdit(4, status(11)), SpanEdit(5, status(12))])
    assert split(out)[3].startswith(b"- Fix the caf\xe9 \xc3 encoder \xc2\xb7 [#11]")


def test_no_final_newline() -> None:
    data = b"## Follow-ups\n- first\n- last item without newline"
    out = round_trip(data, [SpanEdit(3, status(3, "not_planned"))])
    assert out.endswith(b"\xc2\xb7 won't do")


def test_table_row_span_goes_in_its_cell() -> None:
    data = (
        b"| Action Item | Owner | Bug |\n"
        b"| ----------- | ----- | --- |\n"
        b"| Update playbook | jennifer | n/a DONE          |\n"
        b"| Plug leak | agoogler | Bug #5554825 TODO |\n"
        b"Rotate | bob | open\n"
    )
    edits = [SpanEdit(3, status(1, "completed"), cell=2), SpanEdit(4, status(2), cell=2), SpanEdit(5, status(3), 2)]
    out = round_trip(data, edits)
    lines = split(out)
    span = "· [#1](https://github.com/acme/pm/issues/1) · done"
    assert lines[2] == f"| Update playbook | jennifer | n/a DONE {span}          |\n".encode()
    assert lines[3].endswith("Bug #5554825 TODO · [#2](https://github.com/acme/pm/issues/2) · open |\n".encode())
    assert lines[4] == "Rotate | bob | open · [#3](https://github.com/acme/pm/issues/3) · open\n".encode()


def test_span_in_a_middle_cell() -> None:
    data = b"| Rotate keys | open | @bob |\n"
    out = round_trip(data, [SpanEdit(1, status(4), cell=1)])
    assert out == "| Rotate keys | open · [#4](https://github.com/acme/pm/issues/4) · open | @bob |\n".encode()


def test_headings() -> None:
    data = b"# Outage\n\n### Better config validation\n\nSetext item\n-----------\n"
    out = round_trip(data, [SpanEdit(3, status(1)), SpanEdit(5, status(2))])
    assert split(out)[2] == "### Better config validation · [#1](https://github.com/acme/pm/issues/1) · open\n".encode()
    assert split(out)[5] == b"-----------\n"


def test_heading_with_closing_hashes() -> None:
    # "### Title ###": the closing sequence is not part of the heading's text.
    round_trip(b"## Action items\n\n### Validate configs in CI ###\n", [SpanEdit(3, status(1))])


def test_hard_break_lines() -> None:
    data = b"- First line of the item\\\n  continues here  \n- Two-space break  \n  more\n"
    out = round_trip(data, [SpanEdit(2, status(1)), SpanEdit(3, status(2))])
    lines = split(out)
    assert lines[0] == b"- First line of the item\\\n"
    assert lines[1].endswith(b"\xc2\xb7 open  \n")
    assert lines[2].endswith(b"\xc2\xb7 open  \n")


def test_backslash_hard_break_on_the_edited_line() -> None:
    out = round_trip(b"- Item with a hard break\\\n  next line\n", [SpanEdit(1, status(9))])
    assert split(out)[0].endswith(b"\xc2\xb7 open\\\n")


def test_changing_a_span_rewrites_only_the_span() -> None:
    data = b"- Add alerting\r\n- Rotate keys\r\n"
    linked = apply_edits(data, [SpanEdit(1, status(1)), SpanEdit(2, status(2))])
    done = apply_edits(linked, [SpanEdit(1, Status(1, "https://github.com/acme/pm/issues/1", "completed"))])
    assert split(done)[1] == split(linked)[1]
    assert split(done)[0] == "- Add alerting · [#1](https://github.com/acme/pm/issues/1) · done\r\n".encode()
    assert apply_edits(done, [SpanEdit(1, None), SpanEdit(2, None)]) == data


def test_no_edits_is_the_same_object() -> None:
    data = b"- a\r\n"
    assert apply_edits(data, []) is data


# -- generated documents ----------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="·|\\#\r\n\x85\u2028\u2029",
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() != "")
TRAIL = st.sampled_from(["", " ", "  ", "\t", "\\"])


@st.composite
def line_kinds(draw: st.DrawFn) -> tuple[str, bytes, int | None]:
    """(kind, line without its break, table cell for the span or None)."""
    kind = draw(st.sampled_from(["item", "task", "table", "heading", "text", "bytes"]))
    if kind == "item":
        return kind, f"{draw(st.sampled_from(['-', '*', '1.', '  -']))} {draw(TEXT)}{draw(TRAIL)}".encode(), None
    if kind == "task":
        return kind, f"- [{draw(st.sampled_from([' ', 'x']))}] {draw(TEXT)}{draw(TRAIL)}".encode(), None
    if kind == "table":
        cells = draw(st.lists(TEXT, min_size=2, max_size=4))
        pad = draw(st.sampled_from(["", " ", "      "]))
        row = "| " + " | ".join(cells) + pad + " |"
        return kind, row.encode(), draw(st.integers(0, len(cells) - 1))
    if kind == "heading":
        return kind, f"{'#' * draw(st.integers(1, 6))} {draw(TEXT)}".encode(), None
    if kind == "text":
        return kind, draw(TEXT).encode(), None
    raw = draw(st.binary(max_size=30)).replace(b"\r", b"").replace(b"\n", b"")
    return kind, raw, None


@st.composite
def documents(draw: st.DrawFn) -> tuple[bytes, list[SpanEdit]]:
    lines = draw(st.lists(line_kinds(), min_size=1, max_size=25))
    breaks = draw(st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(lines), max_size=len(lines)))
    if draw(st.booleans()):  # one line-break style for the whole file, as most files have
        breaks = [breaks[0]] * len(lines)
    if not draw(st.booleans()):
        breaks[-1] = b""
    data = b"".join(line + brk for (_, line, _), brk in zip(lines, breaks, strict=True))
    if draw(st.booleans()):
        data = BOM + data
    editable = [i for i, (kind, _, _) in enumerate(lines) if kind != "bytes"]
    chosen = draw(st.lists(st.sampled_from(editable), unique=True)) if editable else []
    states = st.sampled_from([None, "open", "completed", "not_planned"])
    edits = [
        SpanEdit(index + 1, status(draw(st.integers(1, 99999)), draw(states)), lines[index][2]) for index in chosen
    ]
    return data, edits


@settings(max_examples=300, deadline=None)
@given(documents())
def test_generated_documents_round_trip(document: tuple[bytes, list[SpanEdit]]) -> None:
    data, edits = document
    round_trip(data, edits)


# -- atomic writes -------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "doc.md")


def test_write_atomic_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_bytes(b"old\r\n")
    path.chmod(0o640)
    write_atomic(path, b"new\r\n", expected=b"old\r\n")
    assert path.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []

    path.chmod(0o755)
    write_atomic(path, b"newer", expected=b"new\r\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o755


def test_write_atomic_refuses_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_bytes(b"edited by a person meanwhile\n")
    with pytest.raises(ChangedOnDisk):
        write_atomic(path, b"pmsync's version\n", expected=b"what pmsync read\n")
    assert path.read_bytes() == b"edited by a person meanwhile\n"
    assert _leftovers(tmp_path) == []


def test_write_atomic_refuses_a_file_gone(tmp_path: Path) -> None:
    with pytest.raises(ChangedOnDisk):
        write_atomic(tmp_path / "doc.md", b"x", expected=b"y")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_failure_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "doc.md"
    path.write_bytes(b"old\n")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new\n", expected=b"old\n")
    assert path.read_bytes() == b"old\n"
    assert _leftovers(tmp_path) == []
