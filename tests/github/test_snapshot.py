"""Cost tracks what changed on GitHub: the incremental listing that pmsync.state.json
makes possible, and a full listing whenever the saved snapshot cannot be trusted."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import generate_corpus
from pmsync.cli import main
from tests.ghdouble import Fault, GitHubDouble

REPO = "acme/pm"


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble) -> tuple[Path, GitHubDouble]:
    github_double.add_repo(REPO, private=True, default_labels=False)
    generate_corpus(tmp_path / "postmortems", 30, seed=9, target_bytes=1500)
    config = {
        "repository": REPO,
        "paths": ["postmortems/**/*.md"],
        "push": {"write_delay": 0, "max_creates": 1000, "max_closes": 1000, "include_drafts": True},
    }
    (tmp_path / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    assert main(["sync"]) == 0
    assert len(github_double.issues(REPO)) > 150  # more than one listing page
    return tmp_path, github_double


def test_noop_sync_on_a_fresh_checkout_costs_two_requests(
    synced: tuple[Path, GitHubDouble], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, double = synced
    state = root / "pmsync.state.json"
    saved = state.read_bytes()
    shutil.rmtree(root / ".pmsync")  # a fresh checkout: no cache
    double.add_token("new-token", write=True)  # and a new token, as on a new Actions runner
    monkeypatch.setenv("GITHUB_TOKEN", "new-token")
    double.reset_log()

    assert main(["sync"]) == 0

    assert len(double.requests) <= 2
    assert double.writes() == []
    assert state.read_bytes() == saved  # rewritten only when something changed


def test_sync_after_changes_reads_a_page_per_hundred_changes(synced: tuple[Path, GitHubDouble]) -> None:
    root, double = synced
    changed = 0
    for path in sorted((root / "postmortems").rglob("*.md"))[:6]:
        lines = path.read_text(encoding="utf-8").split("\n")
        for index, line in enumerate(lines):
            if " · [#" in line and line.lstrip().startswith(("- ", "* ", "1.")) and changed < 8:
                lines[index] = line.replace("] ", "] Revised: ", 1) if "] " in line[:8] else line
                changed += lines[index] != line
        path.write_text("\n".join(lines), encoding="utf-8")
    assert changed == 8
    double.reset_log()

    assert main(["sync"]) == 0

    writes = len(double.writes())
    reads = len(double.requests) - writes
    assert writes == changed
    assert reads <= math.ceil(changed / 100) + 2


def test_change_on_github_is_seen_through_the_incremental_listing(synced: tuple[Path, GitHubDouble]) -> None:
    root, double = synced
    number = double.issues(REPO)[5].number
    double.close_issue(REPO, number, reason="completed")
    double.reset_log()

    assert main(["sync"]) == 0

    listing = [r for r in double.requests if r.operation == "issues/list-for-repo"]
    assert len(listing) == 1 and "since" in listing[0].query
    text = "".join(p.read_text(encoding="utf-8") for p in (root / "postmortems").rglob("*.md"))
    assert f"issues/{number}) · done " in text


def test_uncertain_write_drops_the_state_and_the_next_run_lists_in_full(
    synced: tuple[Path, GitHubDouble],
) -> None:
    root, double = synced
    doc = sorted((root / "postmortems").rglob("*.md"))[0]
    doc.write_text(
        doc.read_text(encoding="utf-8") + "\n\n## Action Items\n\n- Add a brand new check\n", encoding="utf-8"
    )
    double.inject(Fault(status=502, after=True), match="issues/create")  # filed, but the answer is lost
    assert main(["push"]) == 1
    assert not (root / "pmsync.state.json").exists()
    double.reset_log()

    assert main(["push"]) == 0

    listing = [r for r in double.requests if r.operation == "issues/list-for-repo"]
    assert listing and all("since" not in r.query for r in listing)
    assert sum(1 for i in double.issues(REPO) if i.title == "Add a brand new check") == 1
    assert (root / "pmsync.state.json").exists()
