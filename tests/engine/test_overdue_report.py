"""Due dates, `pmsync overdue` (labels, reminders, digest) and `pmsync report`,
with a fixed --today, over documents and the GitHub double."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pmsync.cli import main
from pmsync.config import Config, DeadlineSettings
from pmsync.engine.deadlines import deadline
from pmsync.engine.report import percentile
from pmsync.extract import extract_document
from tests.ghdouble import GitHubDouble

REPO = "acme/pm"
DOC = """---
title: Payment outage
date: 2024-03-01
severity: SEV2
---
# Payment outage

## Action Items

| Action Item | Owner | Priority | Due |
| --- | --- | --- | --- |
| Rotate the signing keys | alice | P1 | 2024-03-10 |
| Add a canary for the payment API | bob | P0 | |
| Document the failover | carol | | |
| Alert on settlement lag | alice | | within two weeks |
| Split the payments database | dave | | 2024-06-01 |
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "payments.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "pmsync.yaml").write_text(
        f"repository: {REPO}\npush:\n  write_delay: 0\ndeadlines:\n  priority:\n    P0: 7\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def _online(monkeypatch: pytest.MonkeyPatch, double: GitHubDouble) -> None:
    double.add_repo(REPO, private=True, assignees=["alice", "bob", "carol", "dave"])
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", double.url)


def test_due_date_precedence() -> None:
    pm = extract_document("p.md", DOC.encode(), Config())
    settings = DeadlineSettings(priority=(("P0", 7),))
    found = {item.title: deadline(item, pm.incident, settings) for item in pm.items}
    assert found["Rotate the signing keys"] is not None
    # Written on the item wins over P1 and SEV2.
    assert (found["Rotate the signing keys"].date, found["Rotate the signing keys"].source) == (
        dt.date(2024, 3, 10),
        "document",
    )
    # No date written: the priority's deadline, before the severity's.
    assert found["Add a canary for the payment API"] is not None
    assert found["Add a canary for the payment API"].date == dt.date(2024, 3, 8)
    assert found["Add a canary for the payment API"].source == "priority"
    # Neither: SEV2 is 30 days after the incident.
    assert found["Document the failover"] is not None
    assert (found["Document the failover"].date, found["Document the failover"].source) == (
        dt.date(2024, 3, 31),
        "severity",
    )
    # A relative phrase counts from the incident date.
    assert found["Alert on settlement lag"] is not None
    assert found["Alert on settlement lag"].date == dt.date(2024, 3, 15)


def test_no_deadline_without_severity_or_date() -> None:
    pm = extract_document("p.md", b"# X\n\n## Action Items\n\n- Do a thing\n", Config())
    assert deadline(pm.items[0], pm.incident, DeadlineSettings()) is None


def test_overdue_offline_table_sorted_by_lateness(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overdue", "--offline", "--today", "2024-04-01", "--within", "7"]) == 0
    out = capsys.readouterr().out
    overdue = out.split("\n\n")[0].splitlines()
    assert overdue[1].split() == ["LATE", "ISSUE", "OWNER", "DUE", "ITEM", "WHERE"]
    lines = overdue[2:]
    assert [line.split()[0] for line in lines] == ["24d", "22d", "17d", "1d"]
    assert "Add a canary" in lines[0] and "Rotate the signing keys" in lines[1]
    assert "Document the failover" in lines[3]
    assert "Overdue on 2024-04-01: 4 of 5 open items" in out


def test_overdue_json_and_due_soon(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overdue", "--offline", "--today", "2024-05-28", "--within", "7", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["today"] == "2024-05-28"
    assert [e["title"] for e in data["due_soon"]] == ["Split the payments database"]
    assert data["due_soon"][0]["days_late"] == -4
    sources = {e["title"]: e["due_source"] for e in data["overdue"]}
    assert sources == {
        "Rotate the signing keys": "document",
        "Add a canary for the payment API": "priority",
        "Alert on settlement lag": "document",
        "Document the failover": "severity",
    }


def test_overdue_markdown_and_job_summary(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = workspace / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["overdue", "--offline", "--today", "2024-04-01", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Overdue postmortem action items (2024-04-01)")
    assert "| 22 | Rotate the signing keys | alice | 2024-03-10 | Payment outage |  |" in out
    assert summary.read_text(encoding="utf-8").startswith("## Overdue postmortem action items")


def test_exit_code_only_when_something_is_overdue(workspace: Path) -> None:
    assert main(["overdue", "--offline", "--today", "2024-04-01", "--exit-code"]) == 1
    assert main(["overdue", "--offline", "--today", "2024-03-05", "--exit-code"]) == 0


def test_closed_issue_is_not_overdue(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble
) -> None:
    _online(monkeypatch, github_double)
    assert main(["push"]) == 0
    github_double.close_issue(REPO, 1, reason="completed")  # "Rotate the signing keys"
    capsys.readouterr()
    assert main(["overdue", "--today", "2024-04-01", "--format", "json"]) == 0
    titles = [e["title"] for e in json.loads(capsys.readouterr().out)["overdue"]]
    assert "Rotate the signing keys" not in titles and len(titles) == 3


def test_label_added_and_removed(workspace: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble) -> None:
    _online(monkeypatch, github_double)
    assert main(["push"]) == 0
    assert main(["overdue", "--today", "2024-03-12", "--label"]) == 0
    labelled = {i.number for i in github_double.issues(REPO) if "overdue" in i.labels}
    assert labelled == {1, 2}  # rotate keys (due 03-10), canary (P0: 03-08)

    github_double.close_issue(REPO, 1, reason="completed")
    assert main(["overdue", "--today", "2024-04-01", "--label"]) == 0
    labelled = {i.number for i in github_double.issues(REPO) if "overdue" in i.labels}
    assert labelled == {2, 3, 4}
    github_double.reset_log()
    assert main(["overdue", "--today", "2024-04-01", "--label"]) == 0
    assert github_double.writes() == []


def test_reminders_once_per_threshold(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble
) -> None:
    _online(monkeypatch, github_double)
    assert main(["push"]) == 0

    def reminders(number: int) -> list[str]:
        return [c.body for c in github_double.issue(REPO, number).comments if "pmsync:reminder" in c.body]

    assert main(["overdue", "--today", "2024-03-11", "--remind"]) == 0  # keys 1 day late
    assert len(reminders(1)) == 1 and "@alice" in reminders(1)[0] and "1 days overdue" in reminders(1)[0]
    assert main(["overdue", "--today", "2024-03-12", "--remind"]) == 0  # same threshold: nothing new
    assert len(reminders(1)) == 1
    github_double.reset_log()
    assert main(["overdue", "--today", "2024-03-13", "--remind"]) == 0
    assert github_double.writes() == []
    assert not [r for r in github_double.requests if r.path.endswith("/comments")]  # marker says: done
    assert main(["overdue", "--today", "2024-03-17", "--remind"]) == 0  # 7 days: the second threshold
    assert len(reminders(1)) == 2 and "<!-- pmsync:reminder v1 7 -->" in reminders(1)[1]
    assert main(["overdue", "--today", "2024-04-20", "--remind"]) == 0  # 41 days: the 30-day one
    assert main(["overdue", "--today", "2024-04-21", "--remind"]) == 0
    assert len(reminders(1)) == 3


def test_reminder_after_lost_marker_update_is_not_repeated(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble
) -> None:
    """The run died after commenting, before recording it in the issue's marker."""
    _online(monkeypatch, github_double)
    assert main(["push"]) == 0
    body_before = github_double.issue(REPO, 1).body
    assert main(["overdue", "--today", "2024-03-11", "--remind"]) == 0
    github_double.edit_issue(REPO, 1, body=body_before)  # as if the marker update never happened
    assert main(["overdue", "--today", "2024-03-11", "--remind"]) == 0
    comments = [c for c in github_double.issue(REPO, 1).comments if "pmsync:reminder" in c.body]
    assert len(comments) == 1


def test_digest_issue_edited_in_place(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble
) -> None:
    _online(monkeypatch, github_double)
    assert main(["push"]) == 0
    assert main(["overdue", "--today", "2024-04-01", "--digest"]) == 0
    digests = [i for i in github_double.issues(REPO) if i.title == "Overdue postmortem action items"]
    assert len(digests) == 1
    body = digests[0].body
    assert "### @alice" in body and "## By incident" in body and "**Payment outage**: 4 overdue" in body
    # the backlog drawn as a Mermaid chart, which GitHub renders in the issue
    assert "<!-- pmsync:chart -->\n```mermaid\n" in body and "xychart-beta" in body
    assert body.count("    line [") == 2  # open, overdue
    github_double.reset_log()
    assert main(["overdue", "--today", "2024-04-02", "--digest"]) == 0  # a day on, nothing else changed
    assert github_double.writes() == []  # the chart alone does not rewrite the digest every day
    github_double.close_issue(REPO, 1, reason="completed")
    assert main(["overdue", "--today", "2024-04-01", "--digest"]) == 0
    digests = [i for i in github_double.issues(REPO) if i.title == "Overdue postmortem action items"]
    assert len(digests) == 1 and "**Payment outage**: 3 overdue" in digests[0].body
    assert "<!-- pmsync:chart -->" in digests[0].body
    # The digest is not an action item: push leaves it alone.
    github_double.reset_log()
    assert main(["push"]) == 0
    assert github_double.writes() == []


def test_report_by_hand_computed_values(
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    github_double: GitHubDouble,
) -> None:
    _online(monkeypatch, github_double)
    (workspace / "postmortems" / "empty.md").write_text("# Quiet day\n\nNothing to follow up.\n", encoding="utf-8")
    github_double.clock = dt.datetime(2024, 3, 2, 9, 0, tzinfo=dt.UTC)
    assert main(["push"]) == 0
    github_double.clock = dt.datetime(2024, 3, 9, 12, 0, tzinfo=dt.UTC)
    github_double.close_issue(REPO, 1, reason="completed")  # keys: due 03-10, closed 03-09, in time, 7 days
    github_double.clock = dt.datetime(2024, 3, 22, 12, 0, tzinfo=dt.UTC)
    github_double.close_issue(REPO, 2, reason="completed")  # canary: due 03-08, closed 03-22, late, 20 days
    github_double.close_issue(REPO, 5, reason="not_planned")  # split db: won't do
    capsys.readouterr()

    assert main(["report", "--today", "2024-04-01", "--format", "json", "--chart", "backlog.svg"]) == 0

    data = json.loads(capsys.readouterr().out)
    overall = data["overall"]
    assert overall["items"] == 5
    assert overall["done"] == 2
    assert overall["wont_do"] == 1
    assert overall["open"] == 2
    assert overall["overdue"] == 2  # failover (03-31) and settlement lag (03-15)
    assert overall["percent_done_in_time"] == 50.0
    assert overall["median_days_to_close"] == 13.5  # (7 + 20) / 2
    assert overall["p90_days_to_close"] == 18.7  # 7 + 0.9 * 13
    assert overall["missing_owner"] == 0 and overall["missing_due"] == 0
    assert data["without_items"] == ["postmortems/empty.md"]
    assert [i["id"] for i in data["incidents"]] == ["payments"]
    backlog = {day: open_items for day, open_items, _ in data["backlog"]}
    assert backlog["2024-03-02"] == 5 and backlog["2024-03-09"] == 4 and backlog["2024-03-22"] == 2
    svg = (workspace / "backlog.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and 'class="series open"' in svg and 'class="series overdue"' in svg


def test_report_since_filters_incidents(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--offline", "--since", "2024-06-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["items"] == 0
    assert main(["report", "--offline", "--format", "markdown", "--today", "2024-04-01"]) == 0
    out = capsys.readouterr().out
    assert "| Payment outage | 5 | 0 | 5 | 4 | 0 |" in out


def test_percentile_matches_linear_interpolation() -> None:
    assert percentile([], 50) is None
    assert percentile([4], 90) == 4
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 90) == 46.0
