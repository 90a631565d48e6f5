"""`pmsync pull` and `pmsync sync` through real PyGithub against the GitHub double:
status written back, three-way state sync, conflicts, idempotency, check mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pmsync.cli import main
from tests.ghdouble import GitHubDouble

REPO = "acme/pm"
DOC = """---
title: Checkout outage
date: 2024-03-11
---
# Checkout outage

## Action Items

- Add alerting on payment error rate @alice due 2024-04-01
- Write the failover runbook @bob
- Load test the checkout path before launches @carol
"""
TABLE_DOC = """# Cache stampede

## Action items

| Action Item | Owner | Status | Bug |
| --- | --- | --- | --- |
| Add jitter to cache expiry | alice | TODO | |
| Shard the session cache | bob | TODO | |
"""


@pytest.fixture
def workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble
) -> tuple[Path, GitHubDouble]:
    github_double.add_repo(REPO, private=True, assignees=["alice", "bob", "carol", "dave"])
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "checkout.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "pmsync.yaml").write_text(f"repository: {REPO}\npush:\n  write_delay: 0\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    return tmp_path, github_double


def _doc(root: Path, name: str = "checkout.md") -> str:
    return (root / "postmortems" / name).read_text(encoding="utf-8")


def _line(root: Path, needle: str, name: str = "checkout.md") -> str:
    return next(line for line in _doc(root, name).splitlines() if needle in line)


def _number(line: str) -> int:
    match = re.search(r"\[#(\d+)\]", line)
    assert match, line
    return int(match.group(1))


def test_closed_issue_is_pulled_into_the_document(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    assert main(["push"]) == 0
    number = _number(_line(root, "failover runbook"))
    double.close_issue(REPO, number, reason="completed")
    closed_on = double.issue(REPO, number).closed_at
    assert closed_on is not None

    assert main(["pull"]) == 0

    line = _line(root, "failover runbook")
    assert line.startswith("- [x] Write the failover runbook @bob")
    assert line.endswith(f"· [#{number}](https://github.com/{REPO}/issues/{number}) · done {closed_on.date()}")
    # The other items are open task items now, and pmsync changed nothing else.
    assert _line(root, "payment error rate").startswith("- [ ] Add alerting")
    assert "## Action Items" in _doc(root)


def test_ticked_box_closes_the_issue_as_completed(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    assert main(["sync"]) == 0
    path = root / "postmortems" / "checkout.md"
    path.write_text(path.read_text().replace("- [ ] Load test", "- [x] Load test"), encoding="utf-8")
    number = _number(_line(root, "Load test"))
    double.reset_log()

    assert main(["sync"]) == 0

    issue = double.issue(REPO, number)
    assert (issue.state, issue.state_reason) == ("closed", "completed")
    assert [(r.method, r.path) for r in double.writes()] == [("PATCH", f"/repos/{REPO}/issues/{number}")]
    assert _line(root, "Load test").endswith(f"· done {issue.closed_at.date()}")  # type: ignore[union-attr]


def test_not_planned_on_github_shows_wont_do_and_stays_so(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    assert main(["sync"]) == 0
    number = _number(_line(root, "failover runbook"))
    double.close_issue(REPO, number, reason="not_planned")

    assert main(["sync"]) == 0
    line = _line(root, "failover runbook")
    assert line.startswith("- [x] ") and " · won't do " in line
    double.reset_log()
    assert main(["sync"]) == 0
    assert double.writes() == []
    assert double.issue(REPO, number).state_reason == "not_planned"


def test_wont_do_in_the_document_closes_as_not_planned(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    (root / "postmortems" / "cache.md").write_text(TABLE_DOC, encoding="utf-8")
    assert main(["sync"]) == 0
    path = root / "postmortems" / "cache.md"
    number = _number(_line(root, "Shard the session cache", "cache.md"))
    path.write_text(path.read_text().replace("| bob | TODO |", "| bob | won't do |"), encoding="utf-8")

    assert main(["sync"]) == 0

    issue = double.issue(REPO, number)
    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    row = _line(root, "Shard the session cache", "cache.md")
    # The link and status sit in the Bug column cell; the row keeps its cells.
    assert row.count("|") == 5 and f"[#{number}]" in row.split("|")[4] and "won't do" in row


def test_reopened_on_github_is_not_closed_again(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    assert main(["sync"]) == 0
    path = root / "postmortems" / "checkout.md"
    path.write_text(path.read_text().replace("- [ ] Load test", "- [x] Load test"), encoding="utf-8")
    assert main(["sync"]) == 0
    number = _number(_line(root, "Load test"))
    double.reopen_issue(REPO, number)

    assert main(["sync"]) == 0

    assert double.issue(REPO, number).state == "open"
    assert _line(root, "Load test").startswith("- [ ] ") and _line(root, "Load test").endswith("· open")


def test_change_on_both_sides_is_a_conflict_and_nothing_moves(
    workspace: tuple[Path, GitHubDouble], capsys: pytest.CaptureFixture[str]
) -> None:
    root, double = workspace
    assert main(["sync"]) == 0
    number = _number(_line(root, "failover runbook"))
    path = root / "postmortems" / "checkout.md"
    path.write_text(path.read_text().replace("- [ ] Write the failover", "- [x] Write the failover"), encoding="utf-8")
    double.close_issue(REPO, number, reason="not_planned")
    before = path.read_bytes()
    capsys.readouterr()
    double.reset_log()

    assert main(["sync", "--format", "json"]) == 0

    captured = capsys.readouterr()
    assert '"kind": "conflict"' in captured.out
    assert "conflict: postmortems/checkout.md:" in captured.err
    assert double.writes() == []
    assert double.issue(REPO, number).state_reason == "not_planned"
    assert path.read_bytes() == before


def test_second_sync_makes_no_write_and_changes_no_file(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    assert main(["sync"]) == 0
    path = root / "postmortems" / "checkout.md"
    content, mtime = path.read_bytes(), path.stat().st_mtime_ns
    double.reset_log()

    assert main(["sync"]) == 0

    assert double.writes() == []
    assert [r.method for r in double.requests] == ["GET", "GET"]  # the repository, one listing page
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == mtime


def test_pull_check_exits_8_and_writes_nothing(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    assert main(["sync"]) == 0
    assert main(["pull", "--check"]) == 0
    double.close_issue(REPO, _number(_line(root, "payment error rate")), reason="completed")
    path = root / "postmortems" / "checkout.md"
    before = path.read_bytes()

    assert main(["pull", "--check"]) == 8
    assert main(["pull", "--diff"]) == 8
    assert main(["pull", "--dry-run"]) == 0

    assert path.read_bytes() == before
    assert main(["pull"]) == 0
    assert main(["pull", "--check"]) == 0


def test_pull_dry_run_prints_the_diff(workspace: tuple[Path, GitHubDouble], capsys: pytest.CaptureFixture[str]) -> None:
    root, double = workspace
    assert main(["push"]) == 0
    number = _number(_line(root, "failover runbook"))
    double.close_issue(REPO, number, reason="completed")
    capsys.readouterr()

    assert main(["pull", "--dry-run"]) == 0

    out = capsys.readouterr().out
    assert "--- a/postmortems/checkout.md" in out
    assert re.search(r"^\+- \[x\] Write the failover runbook", out, re.M)
    assert re.search(r"^-- Write the failover runbook", out, re.M)


def test_assignee_other_than_the_owner_is_shown(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    assert main(["sync"]) == 0
    number = _number(_line(root, "failover runbook"))
    double.edit_issue(REPO, number, assignees=["dave"])

    assert main(["pull"]) == 0

    assert _line(root, "failover runbook").endswith("· open · @dave")
    # And the document does not undo the reassignment on GitHub.
    double.reset_log()
    assert main(["sync"]) == 0
    assert double.issue(REPO, number).assignees == ["dave"]
    assert double.writes() == []


def test_status_table_between_markers(workspace: tuple[Path, GitHubDouble]) -> None:
    root, double = workspace
    path = root / "postmortems" / "checkout.md"
    path.write_text(
        DOC + "\n## Status\n\n<!-- pmsync:status -->\n<!-- /pmsync:status -->\n\nNotes after the table.\n",
        encoding="utf-8",
    )
    assert main(["sync"]) == 0
    number = _number(_line(root, "failover runbook"))
    double.close_issue(REPO, number, reason="completed")
    assert main(["pull"]) == 0

    text = _doc(root)
    table = text.split("<!-- pmsync:status -->\n", 1)[1].split("<!-- /pmsync:status -->", 1)[0]
    rows = [row for row in table.splitlines() if row.strip()]
    assert rows[0] == "| Item | Issue | Owner | Due | State |"
    assert len(rows) == 2 + 3
    assert any(f"[#{number}]" in row and "| done " in row for row in rows)
    assert text.endswith("Notes after the table.\n")
    # The generated rows are not read back as action items.
    assert main(["scan", "--format", "json"]) == 0
    before = path.read_bytes()
    assert main(["pull"]) == 0
    assert path.read_bytes() == before


def test_crlf_bom_document_keeps_its_bytes(workspace: tuple[Path, GitHubDouble]) -> None:
    root, _double = workspace
    path = root / "postmortems" / "checkout.md"
    original = b"\xef\xbb\xbf" + DOC.replace("\n", "\r\n").encode("utf-8") + b"\r\nTrailing \xff byte  \r\n"
    path.write_bytes(original)
    path.chmod(0o640)

    assert main(["sync"]) == 0

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert data.endswith(b"Trailing \xff byte  \r\n")
    assert path.stat().st_mode & 0o777 == 0o640
    # Removing what pmsync wrote gives back the original bytes.
    stripped = re.sub(rb" \xc2\xb7 \[#\d+\]\([^)]*\)(?: \xc2\xb7 [a-z' 0-9-]+)*", b"", data)
    stripped = stripped.replace(b"- [ ] ", b"- ")
    assert stripped == original


def test_sync_and_pull_json_name_the_documents_written_and_the_items_changed(
    workspace: tuple[Path, GitHubDouble], capsys: pytest.CaptureFixture[str]
) -> None:
    root, double = workspace
    capsys.readouterr()
    assert main(["sync", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["create"] == 3
    assert data["written"] == ["postmortems/checkout.md"]
    assert data["not_written"] == []
    # The pull half turned the list items into task items (boxes, not spans: no item "changed").
    assert data["pull"] == {
        "repository": REPO,
        "dry_run": False,
        "changes": [],
        "conflicts": [],
        "out_of_date": ["postmortems/checkout.md"],
        "written": ["postmortems/checkout.md"],
        "not_written": [],
    }

    number = _number(_line(root, "failover runbook"))
    double.close_issue(REPO, number, reason="completed")
    assert main(["pull", "--format", "json"]) == 0
    pulled = json.loads(capsys.readouterr().out)
    assert pulled["repository"] == REPO and pulled["dry_run"] is False
    assert pulled["written"] == ["postmortems/checkout.md"] == pulled["out_of_date"]
    assert [c["path"] for c in pulled["changes"]] == ["postmortems/checkout.md"]
    assert pulled["changes"] == [{"path": "postmortems/checkout.md", "change": f"10: #{number} completed"}]
