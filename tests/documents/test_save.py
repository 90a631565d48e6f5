"""Saving a document with pmsync's spans: only a real change, only when its items
read the same before and after, never over an edit made during the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsync.config import Config
from pmsync.documents import save
from pmsync.documents.files import ChangedOnDisk
from pmsync.documents.save import Written, repo_path, save_with_spans, unified_diff
from pmsync.documents.scan import content_digest
from pmsync.documents.writeback import SpanEdit
from pmsync.extract import extract_document
from pmsync.links import Status

CONFIG = Config()
DOC = b"# Outage\n\n## Action items\n\n- Add an alert on lag @amy\n- Write the runbook\n"
LINK = SpanEdit(5, Status(7, "https://github.com/acme/pm/issues/7", "open", None, None))


def _saved(tmp_path: Path, data: bytes = DOC) -> Path:
    path = tmp_path / "pm.md"
    path.write_bytes(data)
    return path


def test_a_save_writes_the_span_and_returns_the_document_as_read_back(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    original = extract_document(str(path), DOC, CONFIG)

    written = save_with_spans(str(path), DOC, [LINK], CONFIG, original, None, as_scanned=True)

    new = path.read_bytes()
    assert (
        new.splitlines()[4]
        == b"- Add an alert on lag @amy \xc2\xb7 [#7](https://github.com/acme/pm/issues/7) \xc2\xb7 open"
    )
    assert written == Written(extract_document(str(path), new, CONFIG), content_digest(str(path), new))


def test_spans_already_there_write_nothing(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    save_with_spans(str(path), DOC, [LINK], CONFIG, None, None)
    data = path.read_bytes()
    assert save_with_spans(str(path), data, [LINK], CONFIG, None, None) is None
    assert path.read_bytes() == data


def test_a_document_whose_items_changed_since_the_scan_is_left_alone(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    original = extract_document(str(path), DOC.replace(b"the runbook", b"the failover runbook"), CONFIG)

    problem = save_with_spans(str(path), DOC, [LINK], CONFIG, original, None)

    assert problem == "it changed on disk during the run; left alone (run pmsync again)"
    assert path.read_bytes() == DOC


def test_an_edit_landing_while_saving_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def edited_meanwhile(path: Path, data: bytes, *, expected: bytes) -> None:
        raise ChangedOnDisk(f"{path.name} changed while pmsync was saving it")

    path = _saved(tmp_path)
    monkeypatch.setattr(save, "write_atomic", edited_meanwhile)

    problem = save_with_spans(str(path), DOC, [LINK], CONFIG, None, None)

    assert problem == "pm.md changed while pmsync was saving it; left alone (run pmsync again)"


def test_a_document_that_cannot_be_written_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(path: Path, data: bytes, *, expected: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    path = _saved(tmp_path)
    monkeypatch.setattr(save, "write_atomic", refused)

    assert save_with_spans(str(path), DOC, [LINK], CONFIG, None, None) == "cannot write: Permission denied"


def test_a_relative_path_is_saved_under_the_root(tmp_path: Path) -> None:
    _saved(tmp_path)
    written = save_with_spans("pm.md", DOC, [LINK], CONFIG, None, tmp_path)
    assert isinstance(written, Written)
    assert b"[#7]" in (tmp_path / "pm.md").read_bytes()


def test_repo_path_is_relative_to_the_config_folder_or_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(root=tmp_path, source=tmp_path / "pmsync.yaml")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path / "docs")
    assert repo_path("postmortems/a.md", config) == "postmortems/a.md"  # paths in the config start at its folder
    assert repo_path(str(tmp_path / "postmortems" / "b.md"), config) == "postmortems/b.md"
    assert repo_path("/elsewhere/c.md", config) == "/elsewhere/c.md"
    assert repo_path("a.md", Config(root=tmp_path)) == "docs/a.md"  # no config file: from where pmsync runs


def test_unified_diff_ends_every_line() -> None:
    assert unified_diff("a.md", b"one\ntwo", b"one\nthree") == (
        "--- a/a.md\n+++ b/a.md\n@@ -1,2 +1,2 @@\n one\n-two\n+three\n"
    )
