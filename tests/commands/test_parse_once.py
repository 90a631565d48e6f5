"""A document is parsed once per run, and once more each time pmsync writes it
(to check the write changed no item): never again for what the run already read."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pmsync.cli import main
from pmsync.documents import files, save, scan
from pmsync.extract import extract_document
from tests.ghdouble import GitHubDouble

REPO = "acme/pm"
DOCS = {
    "checkout.md": "# Checkout outage\n\n## Action Items\n\n- Alert on payment errors @alice\n- Write a runbook\n",
    "cache.md": "# Cache stampede\n\n## Action items\n\n- [ ] Add jitter to cache expiry @bob\n",
    "quiet.md": "# Quiet\n\n## Timeline\n\n10:00 paged.\n",
}


@pytest.fixture
def counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble
) -> tuple[Counter[str], Counter[str]]:
    github_double.add_repo(REPO, private=True, assignees=["alice", "bob"])
    (tmp_path / "postmortems").mkdir()
    for name, text in DOCS.items():
        (tmp_path / "postmortems" / name).write_text(text, encoding="utf-8")
    (tmp_path / "pmsync.yaml").write_text(f"repository: {REPO}\npush:\n  write_delay: 0\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    parses: Counter[str] = Counter()
    writes: Counter[str] = Counter()

    def parse(path: str, data: bytes, config: Any) -> Any:
        parses[Path(path).name] += 1
        return extract_document(path, data, config)

    def write(path: Path, data: bytes, *, expected: bytes) -> None:
        writes[path.name] += 1
        files.write_atomic(path, data, expected=expected)

    monkeypatch.setattr(scan, "extract_document", parse)
    monkeypatch.setattr(save, "extract_document", parse)
    monkeypatch.setattr(save, "write_atomic", write)
    return parses, writes


def test_a_sync_parses_each_document_once_plus_once_per_write(counted: tuple[Counter[str], Counter[str]]) -> None:
    parses, writes = counted

    assert main(["--jobs", "1", "sync"]) == 0

    assert writes["checkout.md"] >= 1 and writes["cache.md"] >= 1  # push wrote links, so the check parses ran
    assert writes["quiet.md"] == 0
    assert parses == Counter({name: 1 + writes[name] for name in DOCS})


def test_a_sync_with_nothing_to_do_parses_nothing(counted: tuple[Counter[str], Counter[str]]) -> None:
    parses, writes = counted
    assert main(["--jobs", "1", "sync"]) == 0
    parses.clear()
    writes.clear()

    assert main(["--jobs", "1", "sync"]) == 0

    assert writes == Counter()
    assert parses == Counter()  # what the first sync wrote went into the scan cache as it read it back
