"""Every real postmortem survives push + pull + pull against the GitHub double:
its items read the same afterwards, and the second pull changes no byte.

The documents are the openly licensed part of the labelled corpus, copied into
tests/fixtures/corpus (see SOURCES.tsv there), plus the whole corpus when the
shared folder sits next to the checkout, as it does in CI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from pmsync.cli import main
from pmsync.config import Config
from pmsync.extract import extract_document
from tests.ghdouble import GitHubDouble

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "corpus" / "docs"
DOCUMENTS = sorted(
    {p.name: p for p in [*(SHARED.glob("*") if SHARED.is_dir() else []), *(HERE / "fixtures" / "corpus").glob("*.*")]
     if p.suffix != ".tsv"}.values()
)  # fmt: skip
REPO = "acme/pm"


def _identity(data: bytes) -> list[tuple[str, str, int, int]]:
    pm = extract_document("postmortems/doc.md", data, Config())
    return [(i.key, i.title, i.line, i.end_line) for i in pm.items]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_push_pull_pull_keeps_the_items(
    document: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    github_double: GitHubDouble,
    capsys: pytest.CaptureFixture[str],
) -> None:
    github_double.add_repo(REPO, private=True)
    (tmp_path / "postmortems").mkdir()
    path = tmp_path / "postmortems" / "doc.md"
    shutil.copyfile(document, path)
    config = {"repository": REPO, "paths": ["postmortems/*.md"], "push": {"write_delay": 0, "max_creates": 500}}
    (tmp_path / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    original = path.read_bytes()
    before = _identity(original)

    assert main(["push", "--include-drafts", "--format", "json"]) == 0
    filed = json.loads(capsys.readouterr().out)["summary"]["create"]
    # Some issues move on GitHub between runs: one closed, one not planned.
    issues = github_double.issues(REPO)
    if issues:
        github_double.close_issue(REPO, issues[0].number, reason="completed")
    if len(issues) > 1:
        github_double.close_issue(REPO, issues[-1].number, reason="not_planned")
    assert main(["pull"]) == 0
    after_first = path.read_bytes()
    assert main(["pull"]) == 0
    capsys.readouterr()

    assert path.read_bytes() == after_first, "the second pull changed the document"
    assert _identity(after_first) == before, "push and pull changed what the document's items are"
    assert len(github_double.issues(REPO)) == filed
    assert (after_first != original) == (filed > 0), "links are written exactly when issues were filed"
    github_double.reset_log()
    assert main(["sync", "--include-drafts"]) == 0
    assert github_double.writes() == []
    assert path.read_bytes() == after_first
