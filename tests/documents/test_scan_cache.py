"""Cost tracks what changed: the extraction cache and parallel parsing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import fields, replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks.generate import generate_corpus
from pmsync import extract
from pmsync.cli import main
from pmsync.config import Config
from pmsync.documents import scan as scan_module
from pmsync.documents.scan import scan
from pmsync.model import Diagnostic, Incident, IssueRef, Item, Postmortem

REPO = "acme/pm"


@pytest.fixture
def corpus(tmp_path: Path) -> Config:
    generate_corpus(tmp_path / "postmortems", 40, seed=5, target_bytes=1500)
    return Config(paths=("postmortems/**/*.md",), root=tmp_path)


def _view(result_postmortems: tuple[object, ...]) -> list[object]:
    return list(result_postmortems)


def test_warm_scan_parses_nothing_and_gives_the_same_result(corpus: Config) -> None:
    cold = scan([], corpus, jobs=1)
    assert cold.parsed == 40
    warm = scan([], corpus, jobs=1)
    assert warm.parsed == 0
    assert _view(warm.postmortems) == _view(cold.postmortems)


def test_changed_document_is_parsed_again(corpus: Config) -> None:
    scan([], corpus, jobs=1)
    target = sorted((corpus.root / "postmortems").rglob("*.md"))[3]
    target.write_text(target.read_text(encoding="utf-8") + "\n- TODO: one more thing\n", encoding="utf-8")
    again = scan([], corpus, jobs=1)
    assert again.parsed == 1
    changed = next(pm for pm in again.postmortems if pm.path.endswith(target.name))
    assert changed.items[-1].title == "one more thing"


def test_config_change_invalidates_the_cache(corpus: Config) -> None:
    scan([], corpus, jobs=1)
    other = Config(paths=corpus.paths, root=corpus.root, followup_words=("Suivi",))
    assert scan([], other, jobs=1).parsed == 40


def test_other_extraction_code_invalidates_the_cache(
    corpus: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Installs from a git ref keep one version number across commits: the code itself keys the cache.
    code = tmp_path / "extract"
    shutil.copytree(Path(extract.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(scan_module, "extract", SimpleNamespace(__file__=str(code / "__init__.py")))
    assert scan([], corpus, jobs=1).parsed == 40
    assert scan([], corpus, jobs=1).parsed == 0
    items = code / "items.py"
    items.write_text(items.read_text(encoding="utf-8") + "\n# a later commit\n", encoding="utf-8")
    assert scan([], corpus, jobs=1).parsed == 40


def test_damaged_cache_is_rebuilt(corpus: Config) -> None:
    first = scan([], corpus, jobs=1)
    cache = next((corpus.root / ".pmsync" / "cache").glob("scan-*.pickle"))
    cache.write_bytes(b"not a pickle")
    again = scan([], corpus, jobs=1)
    assert again.parsed == 40 and _view(again.postmortems) == _view(first.postmortems)
    assert (corpus.root / ".pmsync" / ".gitignore").read_text(encoding="utf-8") == "*\n"


def test_parallel_parse_equals_serial(corpus: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pmsync.documents.scan.PARALLEL_THRESHOLD", 1)
    serial = scan([], corpus, jobs=1, use_cache=False)
    parallel = scan([], corpus, jobs=2, use_cache=False)
    assert _view(parallel.postmortems) == _view(serial.postmortems)


def test_jobs_option(corpus: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(corpus.root)
    (corpus.root / "pmsync.yaml").write_text("paths: ['postmortems/**/*.md']\n", encoding="utf-8")
    assert main(["--jobs", "2", "scan", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["documents"]) == 40
    assert main(["--jobs", "0", "scan"]) == 2


def test_the_cache_keeps_every_field_of_every_item() -> None:
    """Cached items are rebuilt field by field, by name: every field must come back."""
    ref = IssueRef(7, "acme/pm", "https://github.com/acme/pm/issues/7", bound=True)
    item = Item(
        key="k1", title="Alert on lag", text="Alert on lag @jdoe", group="Monitoring", owner="@jdoe",
        due=dt.date(2024, 5, 1), priority="P1", kind="detect", done=True, wont_do=True, issue=ref,
        line=12, end_line=13, section="Action items", due_text="by May 1", due_unparseable=True,
        anchor_line=13, agreed_state="completed", shown_assignee="amy", cell=3, list_entry=True,
        checkbox=True, anchor_shared=True, status_said="open", words_agreed=True,
    )  # fmt: skip
    unset = [f.name for f in fields(Item) if getattr(item, f.name) == f.default or getattr(item, f.name) is None]
    assert unset == []  # a new Item field must be given a value here, so the round trip below covers it
    incident = Incident("2024-03-11-outage", "Outage", dt.date(2024, 3, 11), "SEV1", "reviewed", "incident:x")
    pm = Postmortem(
        "p.md", incident, (item, replace(item, key="k2", issue=None)), (Diagnostic("p.md", 3, "warning", "c", "m"),)
    )

    assert scan_module._unpack(scan_module._pack(pm)) == pm


def test_a_cache_entry_of_another_shape_is_parsed_again(corpus: Config) -> None:
    first = scan([], corpus)
    cache = scan_module.ScanCache(corpus.root / ".pmsync", scan_module._fingerprint(corpus))
    path = first.postmortems[0].path
    digest, packed = cache.entries[path]
    cache.entries[path] = (digest, (packed[0], packed[1][:-1], packed[2], packed[3]))  # an incident field short
    cache.changed = True
    cache.save(prune=False)

    again = scan([], corpus)

    assert again.parsed == 1
    assert again.postmortems == first.postmortems
