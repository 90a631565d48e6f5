"""`pmsync push` end to end: real PyGithub against the GitHub double, real
documents (copies of corpus postmortems and the project's examples) in a
temporary checkout. Every test checks what GitHub ends up holding, what the
documents end up saying, and which requests were sent."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from pmsync.documents.writeback import SpanEdit, apply_edits
from pmsync.github.content import parse_marker
from tests.ghdouble import Fault, GitHubDouble
from tests.helpers import Run, run_cli, use_github_double

if TYPE_CHECKING:
    from tests.ghdouble import Issue

REPO = "acme/postmortems"
WEB = "https://github.com"
ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
EXAMPLES = ROOT / "examples" / "postmortems"

WEBHOOK = "2026-03-14-webhook-delivery-backlog.md"  # table: owners, P1-P3, a Done status
SEARCH = "2026-06-02-search-index-truncated.md"  # TOML front matter, task list with [x]
CONFIG = "2026-09-08-config-service-outage.md"  # grouped bold-title bullets, owners
LOCKOUTS = "2026-11-02-login-lockouts.md"  # status: draft; owners are names, not logins
EKS = "003_dfds-bad-eks-ami.md"  # indented sub-bullets
KEYBASE = "013_chia-keybase-perms-crlf.md"  # CRLF, plain lines under a heading
LEAP = "060_2i2c-leap-outage-mixed-tasks.md"  # [ ] and [x] task items
CLOUDFLARE = "062_learningequality-cloudflare-owner-checklist.md"
SHARED_LINE = "2024-03-02-queue-stall.md"  # CRLF, two items in one paragraph line
SHARED_LINE_TEXT = (
    "# Queue stall\r\n\r\nOn 2024-03-02 the consumer stalled for an hour.\r\n\r\n## Action items\r\n\r\n"
    "We will add a retry limit to the consumer. We will also page on queue depth above 10,000.\r\n"
)
SRE_TABLE = "sre-style-table.md"  # written below: a Type column (kind labels), DONE/TODO status

ALL_DOCS = (WEBHOOK, SEARCH, CONFIG, LOCKOUTS, EKS, KEYBASE, LEAP, CLOUDFLARE, SRE_TABLE)
# Everyone who owns an item in ALL_DOCS, except amina, yokafor and the SRE table's owners.
ASSIGNABLE = (
    "rmensah",
    "kwame",
    "lchen",
    "tgarcia",
    "snakamura",
    "hfischer",
    "ebakker",
    "ncarter",
    "priya-k",
    "dkowalski",
)

# In the style of the Google SRE book's example postmortem (text written for these tests).
SRE_TABLE_TEXT = """\
# Shard rebalancer outage

**Date:** 2024-05-07

## Summary

The shard rebalancer moved every shard of the orders store at once.

## Action Items

| Action Item                                    | Type     | Owner    | Bug               |
| ---------------------------------------------- | -------- | -------- | ----------------- |
| Update the playbook for cascading failures     | mitigate | jdoe1    | n/a DONE          |
| Cap concurrent shard moves at two per cluster  | prevent  | asmith2  | Bug #5551 TODO    |
| Schedule a rebalancer failure drill            | process  | jdoe1    | n/a TODO          |
| Alert when more than 10% of shards are moving  | detect   | bwong3   | Bug #5552 TODO    |
| Plug the connection leak in the shard router   | prevent  | asmith2  | Bug #5553 DONE    |

## Lessons Learned

Rebalancing is a change like any other.
"""

GROUP_KINDS = {"prevent": "prevent", "detect": "detect", "mitigate": "mitigate", "mitigation": "mitigate"}

SPAN = re.compile(
    r" · \[#(?P<number>\d+)\]\((?P<url>https://github\.com/acme/postmortems/issues/(?P=number))\)"
    r" · (?P<state>open|done(?: \d{4}-\d{2}-\d{2})?|won't do(?: \d{4}-\d{2}-\d{2})?)"
)


def source(name: str) -> bytes:
    if name == SRE_TABLE:
        return SRE_TABLE_TEXT.encode()
    if name == SHARED_LINE:
        return SHARED_LINE_TEXT.encode()
    for folder in (CORPUS, EXAMPLES):
        if (folder / name).is_file():
            return (folder / name).read_bytes()
    raise FileNotFoundError(name)


def unlinked(data: bytes) -> bytes:
    """The document with every pmsync span taken out again."""
    lines = re.split(rb"\r\n|\r|\n", data)
    edits = [SpanEdit(number, None) for number, line in enumerate(lines, 1) if " · [#".encode() in line]
    return apply_edits(data, edits)


class Env:
    """A checkout with postmortems, a pmsync.yaml and a repository in the double."""

    def __init__(self, double: GitHubDouble, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.double = double
        self.root = root
        self.docs = root / "postmortems"
        self.capsys = capsys

    def setup(
        self,
        *names: str,
        assignees: tuple[str, ...] = ASSIGNABLE,
        private: bool = True,
        **push: Any,
    ) -> Env:
        self.double.add_repo(REPO, private=private, assignees=assignees)
        self.docs.mkdir(parents=True, exist_ok=True)
        for name in names:
            (self.docs / name).write_bytes(source(name))
        self.configure(**push)
        return self

    def configure(self, **push: Any) -> None:
        config = {
            "repository": REPO,
            "paths": ["postmortems/*.md"],
            "push": {"write_delay": 0, "max_creates": 200, "file_done": True, **push},
        }
        (self.root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")

    # -- running pmsync -----------------------------------------------------------

    def push(self, *args: str) -> Run:
        return run_cli(self.capsys, "push", *args)

    def push_json(self, *args: str) -> tuple[Run, dict[str, Any]]:
        run = self.push("--format", "json", *args)
        return run, json.loads(run.out)

    def scan(self) -> list[dict[str, Any]]:
        run = run_cli(self.capsys, "scan", "--format", "json")
        assert run.code == 0, run.err
        documents: list[dict[str, Any]] = json.loads(run.out)["documents"]
        return documents

    # -- documents ------------------------------------------------------------------

    def read(self, name: str) -> bytes:
        return (self.docs / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        (self.docs / name).write_bytes(data)

    def replace(self, name: str, old: str, new: str) -> None:
        data = self.read(name)
        assert data.count(old.encode()) == 1, f"{old!r} is not once in {name}"
        self.write(name, data.replace(old.encode(), new.encode()))

    def documents(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in sorted(self.docs.iterdir())}

    def tree(self) -> dict[str, tuple[bytes, int, int]]:
        """Every file under the checkout but pmsync's own git-ignored state folder
        (.pmsync: lock, cache): bytes, mtime and mode."""
        found = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and ".pmsync" not in path.relative_to(self.root).parts:
                stat = path.stat()
                found[str(path.relative_to(self.root))] = (path.read_bytes(), stat.st_mtime_ns, stat.st_mode)
        return found

    # -- GitHub ---------------------------------------------------------------------

    def issues(self) -> list[Issue]:
        return self.double.issues(REPO)

    def issue(self, number: int) -> Issue:
        return self.double.issue(REPO, number)

    def item_issues(self) -> dict[tuple[str, str], list[Issue]]:
        """Issues by the (document, item key) their marker names."""
        found: dict[tuple[str, str], list[Issue]] = {}
        for issue in self.issues():
            marker = parse_marker(issue.body)
            if marker is not None and marker.kind == "item":
                found.setdefault((marker.path, marker.key), []).append(issue)
        return found

    def titled(self, prefix: str) -> Issue:
        found = [issue for issue in self.issues() if issue.title.startswith(prefix)]
        assert len(found) == 1, [issue.title for issue in self.issues()]
        return found[0]

    def number_of(self, name: str, prefix: str) -> int:
        """The issue number linked next to the item that starts with `prefix`."""
        for document in self.scan():
            if Path(document["path"]).name != name:
                continue
            for item in document["items"]:
                if item["title"].startswith(prefix):
                    match = re.search(r"/issues/(\d+)$", item["issue"] or "")
                    assert match, item
                    return int(match[1])
        raise AssertionError(f"no item {prefix!r} in {name}")


@pytest.fixture
def env(
    github_double: GitHubDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Env:
    use_github_double(monkeypatch, github_double.url)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
    return Env(github_double, tmp_path, capsys)


def operations(double: GitHubDouble) -> list[str | None]:
    return [record.operation for record in double.requests]


def assert_linked(env: Env, documents: list[dict[str, Any]]) -> None:
    """Every item's lines carry a complete span with its issue's number and state."""
    for document in documents:
        text = (env.root / document["path"]).read_bytes().decode("utf-8", "surrogateescape")
        lines = re.split(r"\r\n|\r|\n", text)
        for item in document["items"]:
            text = "\n".join(lines[item["line"] - 1 : item["end_line"]])
            spans = list(SPAN.finditer(text))
            assert len(spans) == 1, f"{document['path']}:{item['line']}: {text!r}"
            assert item["issue"] == spans[0]["url"]


# -- the first push ----------------------------------------------------------------------


def test_first_push_files_one_issue_per_item(env: Env) -> None:
    env.setup(*ALL_DOCS)
    before = env.scan()
    run = env.push()
    assert run.code == 0, run.err

    drafts = {d["path"] for d in before if d["incident"]["status"] == "draft"}
    assert drafts == {f"postmortems/{LOCKOUTS}"}
    expected = {(d["path"], item["key"]): (d, item) for d in before if d["path"] not in drafts for item in d["items"]}
    filed = env.item_issues()
    assert len(env.issues()) == len(expected) == 38
    assert set(filed) == set(expected)
    assert all(len(issues) == 1 for issues in filed.values())

    priorities = kinds = 0
    for identity, (document, item) in expected.items():
        issue = filed[identity][0]
        labels = {"pmsync", document["incident"]["label"]}
        if item["priority"]:
            labels.add(f"priority:{item['priority']}")
            priorities += 1
        kind = item["kind"] or GROUP_KINDS.get((item["group"] or "").lower().rstrip(":"))  # a `Prevent` group
        if kind:
            labels.add(f"kind:{kind}")
            kinds += 1
        assert set(issue.labels) == labels, item["title"]
        assert issue.title == " ".join(item["title"].split()).rstrip(".")
        owner = (item["owner"] or "").lstrip("@")
        # Work done before it was filed (push.file_done) is filed unassigned: nobody is notified.
        assert issue.assignees == ([owner] if owner in ASSIGNABLE and not item["done"] else [])
        if item["done"]:
            assert (issue.state, issue.state_reason) == ("closed", "completed"), item["title"]
        else:
            assert issue.state == "open", item["title"]
    assert priorities == 5 and kinds == 11  # 5 by a Type column, 6 by a `Prevent`/`Detect`/`Mitigate` group

    # Owners who cannot be assigned: a warning each, and the issue filed anyway.
    for login in ("amina", "yokafor", "jdoe1", "asmith2", "bwong3"):
        assert f"@{login} cannot be assigned in {REPO}" in run.err
    assert env.titled("Write a runbook for draining a webhook backlog").assignees == []

    after = env.scan()
    assert_linked(env, [d for d in after if d["path"] not in drafts])
    lockouts = next(d for d in after if d["path"] in drafts)
    assert all(item["issue"] is None for item in lockouts["items"])
    assert env.read(LOCKOUTS) == source(LOCKOUTS)
    for name in ALL_DOCS:
        assert unlinked(env.read(name)) == source(name), f"{name}: bytes outside the spans changed"


def test_done_rows_and_ticked_boxes_are_filed_closed_as_completed(env: Env) -> None:
    env.setup(SRE_TABLE, LEAP, SEARCH)
    assert env.push().code == 0
    for prefix in (
        "Update the playbook for cascading failures",
        "Plug the connection leak in the shard router",
        "Update `deployer` system",
        "Update primary engineer's shell configuration",
        "Pin the indexer image to a digest",
    ):
        issue = env.titled(prefix)
        assert (issue.state, issue.state_reason) == ("closed", "completed"), prefix
    table = env.read(SRE_TABLE).decode()
    assert re.search(r"\| jdoe1    \| n/a DONE · \[#\d+\]\([^)]+\) · done          \|", table)
    assert re.search(r"\| n/a TODO · \[#\d+\]\([^)]+\) · open          \|", table)
    leap = env.read(LEAP).decode()
    assert re.search(r"- \[x\] Update primary engineer's shell .+ contexts\. · \[#\d+\]\([^)]+\) · done\n", leap)
    assert re.search(r"- \[ \] Write an incident report · \[#\d+\]\([^)]+\) · open\n", leap)
    assert sum(issue.state == "open" for issue in env.issues()) == 10


# -- nothing changed: nothing written ----------------------------------------------------


def test_second_push_writes_nothing(env: Env) -> None:
    env.setup(*ALL_DOCS)
    assert env.push().code == 0
    documents = env.documents()
    issues_before = [(i.number, i.title, i.body, i.state, i.updated_at) for i in env.issues()]
    env.double.reset_log()

    run = env.push()
    assert run.code == 0, run.err
    assert env.double.writes() == []
    assert env.documents() == documents
    assert [(i.number, i.title, i.body, i.state, i.updated_at) for i in env.issues()] == issues_before
    assert "0 to create, 0 to update, 0 to close" in run.out


def test_noop_push_reads_only_the_repository_and_the_issue_listing(env: Env) -> None:
    env.setup(WEBHOOK, SEARCH, LEAP, KEYBASE, EKS, assignees=(*ASSIGNABLE, "amina"))
    assert env.push().code == 0
    env.double.reset_log()
    assert env.push().code == 0
    assert operations(env.double) == ["repos/get", "issues/list-for-repo"]
    listing = env.double.requests[1]
    # One listing of the managed issues (with `since` once there are more than a page
    # of them: pmsync.state.json holds the rest of the snapshot).
    assert {k: v for k, v in listing.query.items() if k != "since"} == {
        "state": "all",
        "labels": "pmsync",
        "per_page": "100",
    }


def test_noop_push_with_an_unassignable_owner_reads_no_more(env: Env) -> None:
    # amina owns an item but cannot be assigned: nothing about it changed since the
    # last push, so there is nothing to look up again.
    env.setup(WEBHOOK)
    assert env.push().code == 0
    env.double.reset_log()
    run = env.push()
    assert run.code == 0
    assert env.double.writes() == []
    assert operations(env.double) == ["repos/get", "issues/list-for-repo"]


def test_items_sharing_one_line_each_keep_their_own_issue(env: Env) -> None:
    env.setup(SHARED_LINE)
    before = env.scan()[0]["items"]
    assert len(before) == 2 and before[0]["line"] == before[1]["line"]
    assert env.push().code == 0
    titles = {issue.number: issue.title for issue in env.issues()}
    assert len(titles) == 2
    documents = env.documents()
    env.double.reset_log()

    run = env.push()
    assert run.code == 0, run.err
    assert env.double.writes() == []
    assert env.documents() == documents
    assert {issue.number: issue.title for issue in env.issues()} == titles
    assert all(issue.state == "open" for issue in env.issues())


def test_heading_item_with_closing_hashes_is_linked(env: Env) -> None:
    env.setup()
    text = (
        "# Ingest stall\n\nOn 2024-09-09 the ingest pipeline stalled.\n\n## Action items\n\n"
        "### Validate every config file in CI ###\n\nAgainst its schema, on every pull request.\n"
    )
    env.write("ingest.md", text.encode())
    run = env.push()
    assert run.code == 0, run.err
    assert len(env.issues()) == 1
    assert SPAN.search(env.read("ingest.md").decode())
    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []


# -- document-side changes ---------------------------------------------------------------


def test_editing_an_item_updates_its_issue_with_one_patch(env: Env) -> None:
    env.setup(CONFIG, LEAP)
    assert env.push().code == 0
    number = env.number_of(CONFIG, "Refuse a cache TTL of zero")
    env.replace(CONFIG, "Refuse a cache TTL of zero in the client library.", "Refuse a cache TTL below one second.")
    env.replace(CONFIG, "previous value and log a warning instead.", "previous value and page the owner instead.")
    env.double.reset_log()

    run = env.push()
    assert run.code == 0, run.err
    writes = env.double.writes()
    assert [(w.method, w.path) for w in writes] == [("PATCH", f"/repos/{REPO}/issues/{number}")]
    issue = env.issue(number)
    assert issue.title == "Refuse a cache TTL below one second"
    assert "page the owner instead" in (issue.body or "")
    assert "log a warning" not in (issue.body or "")
    assert len(env.issues()) == 11

    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []


def test_ticking_a_task_box_closes_the_issue_as_completed(env: Env) -> None:
    env.setup(LEAP)
    assert env.push().code == 0
    number = env.number_of(LEAP, "Write an incident report")
    env.replace(LEAP, "- [ ] Write an incident report", "- [x] Write an incident report")
    env.double.reset_log()

    assert env.push().code == 0
    writes = env.double.writes()
    assert len(writes) == 1 and writes[0].path == f"/repos/{REPO}/issues/{number}"
    assert writes[0].body["state"] == "closed"
    assert (env.issue(number).state, env.issue(number).state_reason) == ("closed", "completed")
    assert re.search(
        rf"- \[x\] Write an incident report · \[#{number}\]\([^)]+\) · done \d{{4}}-", env.read(LEAP).decode()
    )

    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []


def test_wont_do_in_a_status_column_closes_as_not_planned(env: Env) -> None:
    env.setup(WEBHOOK)
    assert env.push().code == 0
    number = env.number_of(WEBHOOK, "Raise the worker autoscaling ceiling")
    env.replace(WEBHOOK, "| 2026-04-30 | P2 | Open · [#", "| 2026-04-30 | P2 | Won't do · [#")
    env.double.reset_log()

    assert env.push().code == 0
    assert [w.path for w in env.double.writes()] == [f"/repos/{REPO}/issues/{number}"]
    assert (env.issue(number).state, env.issue(number).state_reason) == ("closed", "not_planned")
    assert f"| Won't do · [#{number}]({WEB}/{REPO}/issues/{number}) · won't do 20" in env.read(WEBHOOK).decode()


# -- three-way: people's edits on GitHub ---------------------------------------------------


def test_title_edited_on_github_is_kept_while_a_document_edit_goes_through(env: Env) -> None:
    env.setup(CONFIG)
    assert env.push().code == 0
    human = env.number_of(CONFIG, "Reject unknown and deprecated keys")
    edited = env.number_of(CONFIG, "Alert on config service connection pool")
    env.double.edit_issue(REPO, human, title="Config linter: reject renamed keys (was: unknown keys)")
    env.replace(CONFIG, "Page at 80% for more", "Page at 75% for more")
    env.double.reset_log()

    run = env.push()
    assert run.code == 0, run.err
    assert [(w.method, w.path) for w in env.double.writes()] == [("PATCH", f"/repos/{REPO}/issues/{edited}")]
    assert env.issue(human).title == "Config linter: reject renamed keys (was: unknown keys)"
    assert "Page at 75%" in (env.issue(edited).body or "")

    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []
    assert env.issue(human).title == "Config linter: reject renamed keys (was: unknown keys)"


def test_an_edit_on_both_sides_is_a_conflict_and_nothing_changes(env: Env) -> None:
    env.setup(CONFIG)
    assert env.push().code == 0
    number = env.number_of(CONFIG, "Roll shared library upgrades out in stages")
    env.double.edit_issue(REPO, number, title="Staged rollouts for shared libraries")
    env.replace(CONFIG, "**Roll shared library upgrades out in stages.**", "**Roll library upgrades out in waves.**")
    documents = env.documents()
    body = env.issue(number).body
    env.double.reset_log()

    run, plan = env.push_json()
    conflicts = [a for a in plan["actions"] if a["kind"] == "conflict"]
    assert [(a["number"], a["title"]) for a in conflicts] == [(number, "Roll library upgrades out in waves.")]
    assert plan["summary"]["conflict"] == 1
    assert env.double.writes() == []
    assert env.issue(number).title == "Staged rollouts for shared libraries"
    assert env.issue(number).body == body
    assert env.documents() == documents
    assert run.code == 0


def test_a_body_edit_on_both_sides_is_a_conflict(env: Env) -> None:
    env.setup(CONFIG)
    assert env.push().code == 0
    number = env.number_of(CONFIG, "Refuse a cache TTL of zero")
    human_body = "Rewritten by a person on GitHub.\n\n" + (env.issue(number).body or "")
    env.double.edit_issue(REPO, number, body=human_body)
    env.replace(CONFIG, "previous value and log a warning instead.", "previous value and page the owner instead.")
    documents = env.documents()
    env.double.reset_log()

    run, plan = env.push_json()
    assert [(a["kind"], a["number"]) for a in plan["actions"] if a["kind"] != "noop"] == [("conflict", number)]
    assert env.double.writes() == []
    assert env.issue(number).body == human_body
    assert env.documents() == documents
    assert run.code == 0


def test_moving_items_down_the_document_writes_nothing(env: Env) -> None:
    env.setup(CONFIG, LEAP)
    assert env.push().code == 0
    env.replace(
        CONFIG, "## Summary\n", "## Summary\n\nA paragraph added in review,\nthree lines long,\nabove every item.\n"
    )
    env.double.reset_log()
    run = env.push()
    assert run.code == 0, run.err
    assert env.double.writes() == []


def test_rerun_after_the_document_was_not_saved_adopts_every_issue(env: Env) -> None:
    # As if the first run died after filing everything but before saving the documents.
    env.setup(LEAP, WEBHOOK)
    assert env.push().code == 0
    linked = env.documents()
    for name in (LEAP, WEBHOOK):
        env.write(name, source(name))
    env.double.reset_log()

    run, plan = env.push_json()
    assert run.code == 0, run.err
    assert plan["summary"]["create"] == 0 and plan["summary"]["adopt"] == 10
    assert env.double.writes() == []
    assert len(env.issues()) == 10
    assert env.documents() == linked  # the same spans as the uninterrupted run, dates included


# -- dry run, offline -----------------------------------------------------------------------


def test_dry_run_sends_no_write_and_touches_no_file(env: Env) -> None:
    env.setup(WEBHOOK, LEAP, KEYBASE)
    tree = env.tree()
    run = env.push("--dry-run")
    assert run.code == 0, run.err
    assert env.double.writes() == []
    assert env.tree() == tree
    assert "dry run" in run.out
    creates = [line for line in run.out_lines if line.strip().startswith("create ")]
    assert len(creates) == 12
    assert any("Write an incident report" in line for line in creates)
    assert "12 to create" in run.out
    assert env.issues() == []

    # After a push, a dry run shows an update and still sends nothing.
    assert env.push().code == 0
    env.replace(LEAP, "Write an incident report", "Write and publish an incident report")
    tree = env.tree()
    env.double.reset_log()
    run = env.push("--dry-run")
    assert run.code == 0
    assert env.double.writes() == []
    assert env.tree() == tree
    assert re.search(r"update\s+#\d+ 'Write and publish an incident report'", run.out)


def test_offline_needs_no_token_and_no_network(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    env.setup(WEBHOOK, LEAP)
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("PATH", "")  # no `gh` to ask for a token either
    tree = env.tree()
    run = env.push("--offline")
    assert run.code == 0, run.err
    assert env.double.requests == []
    assert env.tree() == tree
    assert "10 to create" in run.out


# -- refusals ---------------------------------------------------------------------------------


def test_public_repository_is_refused_unless_allowed(env: Env) -> None:
    env.setup(LEAP, private=False)
    run = env.push()
    assert run.code == 2
    assert "public" in run.err
    assert env.double.writes() == []
    assert env.read(LEAP) == source(LEAP)

    env.configure(allow_public=True)
    assert env.push().code == 0
    assert len(env.issues()) == 5


def test_more_creates_than_the_cap_need_yes(env: Env) -> None:
    env.setup(LEAP, KEYBASE, max_creates=6)
    run = env.push()
    assert run.code == 1
    assert "max_creates" in run.err and "--yes" in run.err
    assert env.double.writes() == []
    assert env.read(LEAP) == source(LEAP)

    assert env.push("--yes").code == 0
    assert len(env.issues()) == 7


def test_draft_postmortem_is_skipped_unless_included(env: Env) -> None:
    env.setup(LOCKOUTS, LEAP)
    run, plan = env.push_json()
    assert run.code == 0
    skipped = [a for a in plan["actions"] if a["kind"] == "skip"]
    assert len(skipped) == 5 and all("draft" in a["detail"] for a in skipped)
    assert len(env.issues()) == 5
    assert env.read(LOCKOUTS) == source(LOCKOUTS)

    run = env.push("--include-drafts")
    assert run.code == 0
    assert len(env.issues()) == 10
    assert "is not a GitHub login" in run.err  # "Owner: Ingrid Lind"
    assert all(issue.assignees == [] for issue in env.issues())


# -- removal, orphans, duplicates ------------------------------------------------------------


def test_removed_item_is_reported_as_orphan_and_closed_only_when_configured(env: Env) -> None:
    env.setup(CLOUDFLARE, LEAP)
    assert env.push().code == 0
    number = env.number_of(CLOUDFLARE, "Avoid using toplevel wildcards")
    data = env.read(CLOUDFLARE)
    line = next(line for line in data.splitlines(keepends=True) if b"Avoid using toplevel wildcards" in line)
    env.write(CLOUDFLARE, data.replace(line, b"\n"))  # the other items keep their line numbers
    env.double.reset_log()

    run, plan = env.push_json()
    assert run.code == 0
    orphans = [a for a in plan["actions"] if a["kind"] == "orphan"]
    assert [a["number"] for a in orphans] == [number]
    assert env.double.writes() == []
    assert env.issue(number).state == "open"

    env.configure(close_orphans=True)
    run = env.push()
    assert run.code == 0, run.err
    issue = env.issue(number)
    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    assert len(issue.comments) == 1 and "not planned" in issue.comments[0].body
    assert sum(i.state == "open" for i in env.issues()) == 5  # the others are untouched

    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []


def test_duplicate_marker_closes_the_newer_issue(env: Env) -> None:
    env.setup(LEAP)
    assert env.push().code == 0
    original = env.issue(env.number_of(LEAP, "Write an incident report"))
    duplicate = env.double.add_issue(REPO, original.title, body=original.body, labels=list(original.labels))
    documents = env.documents()

    run = env.push()
    assert run.code == 0, run.err
    assert (duplicate.state, duplicate.state_reason) == ("closed", "duplicate")
    assert len(duplicate.comments) == 1 and f"#{original.number}" in duplicate.comments[0].body
    assert original.state == "open" and original.comments == []
    assert env.documents() == documents


def test_duplicate_linked_from_the_document_is_the_one_kept(env: Env) -> None:
    # Two runs filed the same item; the document that was saved links the newer issue.
    env.setup(LEAP)
    assert env.push().code == 0
    older = env.issue(env.number_of(LEAP, "Write an incident report"))
    newer = env.double.add_issue(REPO, older.title, body=older.body, labels=list(older.labels))
    env.replace(
        LEAP,
        f"[#{older.number}]({WEB}/{REPO}/issues/{older.number})",
        f"[#{newer.number}]({WEB}/{REPO}/issues/{newer.number})",
    )

    run, plan = env.push_json()
    assert run.code == 0
    assert [a["kind"] for a in plan["actions"] if a["number"] == older.number] == ["close_duplicate"]
    assert newer.state == "open", "the issue the document links was closed"
    assert (older.state, older.state_reason) == ("closed", "duplicate")
    assert not [a for a in plan["actions"] if a["kind"] == "orphan"]


# -- milestones and parent issues --------------------------------------------------------------


def test_milestone_per_incident(env: Env) -> None:
    env.setup(WEBHOOK, SEARCH, milestone="incident")
    assert env.push().code == 0
    milestones = {m.number: m for m in env.double.repo(REPO).milestones.values()}
    assert sorted(m.title for m in milestones.values()) == [
        "Postmortem: Payment webhook delivery backlog",
        "Postmortem: Product search served a truncated index",
    ]
    for issue in env.issues():
        assert issue.milestone is not None
        expected = "webhook" if "incident:2026-03-14-webhook-delivery-backlog" in issue.labels else "search"
        assert expected in milestones[issue.milestone].title.lower()
    webhook = next(m for m in milestones.values() if "webhook" in m.title)
    assert webhook.due_on is not None and webhook.due_on.date().isoformat() == "2027-01-29"  # the latest due date

    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []


def test_parent_issue_per_incident_with_items_as_sub_issues(env: Env) -> None:
    env.setup(LEAP, KEYBASE, parent_issue=True)
    assert env.push().code == 0
    parents = [i for i in env.issues() if (m := parse_marker(i.body)) is not None and m.kind == "parent"]
    assert len(parents) == 2
    for parent in parents:
        incident = next(label for label in parent.labels if label.startswith("incident:"))
        children = [i for i in env.issues() if incident in i.labels and i is not parent]
        assert sorted(s.number for s in parent.sub_issues) == sorted(c.number for c in children)
        assert len(children) in (2, 5)
    assert len(env.issues()) == 9

    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []


# -- crash safety --------------------------------------------------------------------------------

CRASH_DOCS = (LEAP, KEYBASE, CLOUDFLARE)  # 10 new items, two of them done
CRASH_ITEMS = 10


def assert_converged(env: Env) -> None:
    """One issue per item, every item linked, documents whole, no temp file left."""
    documents = [d for d in env.scan() if d["items"]]
    keys = {(d["path"], item["key"]) for d in documents for item in d["items"]}
    assert len(keys) == CRASH_ITEMS
    counts = Counter(
        (marker.path, marker.key)
        for issue in env.issues()
        if (marker := parse_marker(issue.body)) is not None and marker.kind == "item"
    )
    assert all(count == 1 for count in counts.values()), f"duplicate issues: {counts}"
    assert set(counts) == keys
    assert len(env.issues()) == CRASH_ITEMS
    assert_linked(env, documents)
    for name in CRASH_DOCS:
        assert unlinked(env.read(name)) == source(name)
    assert not [p for p in env.root.rglob("*") if "pmsync-tmp" in p.name]
    for document in documents:
        for item in document["items"]:
            number = int(item["issue"].rsplit("/", 1)[1])
            issue = env.issue(number)
            assert issue.state == ("closed" if item["done"] else "open"), item["title"]


def assert_whole(env: Env) -> None:
    """A document is either as it was or has whole spans: never half written."""
    for name in CRASH_DOCS:
        data = env.read(name)
        assert unlinked(data) == source(name)
        text = data.decode("utf-8", "surrogateescape")
        assert text.count(" · [#") == len(SPAN.findall(text))


@pytest.mark.parametrize(
    ("fault", "k"),
    [
        *(pytest.param(Fault(status=502, after=True), k, id=f"502-after-create-{k}") for k in range(1, 11)),
        *(pytest.param(Fault(drop=True, after=True), k, id=f"drop-after-create-{k}") for k in (1, 5, 10)),
    ],
)
def test_create_that_fails_after_filing_never_duplicates(env: Env, fault: Fault, k: int) -> None:
    env.setup(*CRASH_DOCS)
    env.double.inject(fault, at=k, match="issues/create")
    run = env.push()
    assert run.code == 1
    assert_whole(env)

    run = env.push()
    assert run.code == 0, run.err
    assert_converged(env)
    env.double.reset_log()
    assert env.push().code == 0
    assert env.double.writes() == []


def _clean_run(root: Path) -> tuple[list[tuple[Any, ...]], dict[str, bytes]]:
    """Issues and documents after an uninterrupted push of CRASH_DOCS."""
    double = GitHubDouble().start()
    try:
        double.add_repo(REPO, private=True, assignees=ASSIGNABLE)
        (root / "postmortems").mkdir(parents=True)
        for name in CRASH_DOCS:
            (root / "postmortems" / name).write_bytes(source(name))
        config = {"repository": REPO, "paths": ["postmortems/*.md"], "push": {"write_delay": 0, "file_done": True}}
        (root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pmsync", "push"],
            cwd=root,
            env=_child_env(double),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return _state(double), {name: (root / "postmortems" / name).read_bytes() for name in CRASH_DOCS}
    finally:
        double.stop()
        double.assert_no_violations()


def _state(double: GitHubDouble) -> list[tuple[Any, ...]]:
    return sorted(
        (i.number, i.title, i.body, i.state, i.state_reason, tuple(sorted(i.labels))) for i in double.issues(REPO)
    )


def _child_env(double: GitHubDouble) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
    env.update(
        GITHUB_TOKEN="test-token",
        GITHUB_API_URL=double.url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    )
    return env


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[Any, ...]], dict[str, bytes]]:
    return _clean_run(tmp_path_factory.mktemp("clean"))


@pytest.mark.parametrize(
    ("operation", "at"),
    [("issues/create", 1), ("issues/create", 4), ("issues/create", 9), ("issues/update", 1)],
    ids=["after-0-creates", "after-3-creates", "after-8-creates", "after-create-before-its-close"],
)
def test_killed_push_converges_to_a_clean_run(
    env: Env, clean_run: tuple[list[tuple[Any, ...]], dict[str, bytes]], operation: str, at: int
) -> None:
    """SIGKILL while the `at`-th such request is in flight: GitHub still applies it,
    the client never learns its answer, and no document is saved."""
    clean_issues, clean_documents = clean_run
    env.setup(*CRASH_DOCS)
    env.double.inject(Fault(delay=0.3), at=at, match=operation)
    child = subprocess.Popen(
        [sys.executable, "-m", "pmsync", "push"],
        cwd=env.root,
        env=_child_env(env.double),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not any(r.fault is not None for r in env.double.requests):
            assert child.poll() is None, "pmsync ended before the request to interrupt"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        held = next(r for r in env.double.requests if r.fault is not None)
        creates_seen = len(env.double.calls("issues/create"))
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while held.status is None:  # GitHub finishes what it was asked, client or not
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert len(env.issues()) == creates_seen
    assert_whole(env)

    run = env.push()
    assert run.code == 0, run.err
    assert_converged(env)
    assert _state(env.double) == clean_issues
    assert {name: env.read(name) for name in CRASH_DOCS} == clean_documents
