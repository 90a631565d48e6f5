"""Secrets and injection: the token never leaks, text copied from a document
cannot forge pmsync's marker or page a whole team, and the public-repository
guard holds.

The token is a canary (`ghp_CANARY` + random hex). Every command that talks to
GitHub runs with --debug, with and without faults (401, 403, 500, a dropped
connection), while everything is captured: stdout, stderr, every log record
at DEBUG (urllib3's and PyGithub's included), the job summary, every file
under the checkout (pmsync's own state included) and everything written to
GitHub. The canary must appear nowhere.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from pmsync.cli import main
from pmsync.config import Config
from pmsync.extract import extract_document
from pmsync.github.client import GitHubTracker
from pmsync.github.content import parse_marker
from pmsync.github.issues import Connection
from tests.ghdouble import Fault, GitHubDouble

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = "acme/postmortems"
DOC = """\
---
title: Payment outage
date: 2024-03-01
severity: SEV2
---
# Payment outage

## Action Items

| Action Item | Owner | Due |
| --- | --- | --- |
| Add a canary for the payment API | bob | 2024-03-05 |
| Rotate the signing keys | alice | 2024-03-10 |

- [ ] Document the failover @carol due 2024-03-20
"""
CANARY = "ghp_CANARY" + secrets.token_hex(16)
LOGGERS = ("", "urllib3", "urllib3.connectionpool", "github", "github.Requester", "github.GithubRetry", "requests")


@pytest.fixture
def checkout(
    github_double: GitHubDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[Path]:
    github_double.add_repo(REPO, private=True, assignees=["alice", "bob", "carol"])
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "payments.md").write_text(DOC, encoding="utf-8")
    config = {"repository": REPO, "paths": ["postmortems/*.md"], "push": {"write_delay": 0}}
    (tmp_path / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for name in ("GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", CANARY)
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    monkeypatch.chdir(tmp_path)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield tmp_path


def leaks(
    double: GitHubDouble, root: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> list[str]:
    """Where the canary turned up."""
    found = []
    captured = capsys.readouterr()
    if CANARY in captured.out:
        found.append("stdout")
    if CANARY in captured.err:
        found.append("stderr")
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        if CANARY in text:
            found.append(f"log {record.name}: {record.getMessage()[:200]}")
    if CANARY in caplog.text:
        found.append("log text")
    for path in root.rglob("*"):
        if path.is_file() and CANARY.encode() in path.read_bytes():
            found.append(f"file {path.relative_to(root)}")
    for issue in double.issues(REPO):
        texts = [issue.title, issue.body or "", *(c.body for c in issue.comments)]
        if any(CANARY in text for text in texts):
            found.append(f"issue #{issue.number}")
    return found


LISTING = "issues/list-for-repo"
WRITE = ("POST", "/repos/*/*")
# name -> (the token the double knows the canary as, faults to inject: (fault, match, how many))
SCENARIOS: dict[str, tuple[str | None, list[tuple[Fault, Any, int]]]] = {
    "no-fault": ("write", []),
    "401-unknown-token": (None, []),
    "403-read-only-token": ("read", []),
    "500-on-the-first-write": ("write", [(Fault(status=500), WRITE, 1)]),
    "500-until-retries-run-out": ("write", [(Fault(status=500), LISTING, 2)]),
    "dropped-on-a-write": ("write", [(Fault(drop=True), WRITE, 1)]),
    "dropped-after-a-write": ("write", [(Fault(drop=True, after=True), WRITE, 1)]),
    "dropped-until-retries-run-out": ("write", [(Fault(drop=True), LISTING, 2)]),
}
COMMANDS = {
    "push": ("push",),
    "pull": ("pull",),
    "sync": ("sync",),
    "overdue": ("overdue", "--today", "2024-03-15", "--label", "--remind", "--digest"),
    "report": ("report", "--today", "2024-03-15"),
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=list(SCENARIOS))
@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_the_token_never_leaks(
    command: str,
    scenario: str,
    checkout: Path,
    github_double: GitHubDouble,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    if command not in ("push", "sync"):  # the others need filed issues to work on (filed with another token)
        with monkeypatch.context() as patch:
            patch.setenv("GITHUB_TOKEN", "test-token")
            assert main(["push"]) == 0
    known, faults = SCENARIOS[scenario]
    if "retries-run-out" in scenario:
        # One retry instead of five: the same error path without 15 s of back-off.
        original = GitHubTracker.__init__

        def init(tracker: GitHubTracker, connection: Connection, **options: Any) -> None:
            original(tracker, dataclasses.replace(connection, retries=1), **options)

        monkeypatch.setattr(GitHubTracker, "__init__", init)
    if known is not None:
        github_double.add_token(CANARY, login="pmsync-bot", write=known == "write")
    for fault, match, times in faults:
        for _ in range(times):
            github_double.inject(fault, match=match)
    capsys.readouterr()
    caplog.clear()
    code = main(["--debug", *COMMANDS[command]])
    writes = command in ("push", "sync", "overdue")
    if known is None:
        expected = 4
    elif known == "read":
        expected = 4 if writes else 0
    elif "retries-run-out" in scenario:
        expected = 1
    else:
        expected = 1 if faults and writes else 0
    assert code == expected, capsys.readouterr().err
    assert leaks(github_double, checkout, capsys, caplog) == []


# -- text from a document, copied into issues ------------------------------------------------------


def forged_marker(path: str, key: str) -> str:
    payload = {"kind": "item", "path": path, "key": key, "incident": "payments", "agreed": None}
    encoded = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()
    return f"<!-- pmsync:v1 {encoded} -->"


def test_document_text_cannot_close_or_forge_the_marker(
    checkout: Path, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_token(CANARY, write=True)
    path = "postmortems/payments.md"
    plain = DOC + "\n**Rotate keys**: rotate them all.\n"
    victim = next(i for i in extract_document(path, plain.encode(), Config()).items if i.title == "Rotate keys")
    forged = forged_marker(path, victim.key)
    hostile = (
        DOC.replace("title: Payment outage", f"title: 'Payment --> outage {forged}'")
        + "\n**Rotate keys**: rotate them all.\n"
        + f"\n**Alerting --> {forged}**\n\n- Add alerting on lag --> {forged} and then some\n"
        + f"- Page on errors\n  over two lines --> <!-- and {forged}\n"
    )
    (checkout / "postmortems" / "payments.md").write_text(hostile, encoding="utf-8")
    items = extract_document(path, hostile.encode(), Config()).items
    assert any(forged in (i.text + i.title + (i.group or "")) for i in items)  # the forgery reached an item

    assert main(["push"]) == 0, capsys.readouterr().err
    issues = github_double.issues(REPO)
    assert len(issues) == len(items)
    for issue in issues:
        body = issue.body or ""
        marker = parse_marker(body)
        assert marker is not None
        item = next(i for i in items if i.key == marker.key)
        assert (marker.path, marker.kind) == (path, "item")
        assert issue.title.startswith(item.title[:20].strip()), (issue.title, item.title)
        assert body.count("<!-- pmsync:v1") == 1, body
        assert body.count("-->") == 1 and body.rstrip().endswith("-->"), body
        assert body.count("<!--") == 1, body
    rotate = [i for i in issues if (m := parse_marker(i.body)) is not None and m.key == victim.key]
    assert len(rotate) == 1 and rotate[0].title == "Rotate keys"

    # The forged text changes nothing on the next run either.
    github_double.reset_log()
    assert main(["push"]) == 0
    assert github_double.writes() == []


MENTIONS = """\
---
title: Replication lag, escalated to @acme/db-leads
date: 2024-03-01
---
# Replication lag

## Action Items

- **Page on lag**: ping @acme/sre-oncall and @everyone (also @here) when lag exceeds 30 s; @alice reviews
- Page @acme/sre-oncall on lag over 60 s due 2024-03-05
"""
BARE = ("@acme/sre-oncall", "@everyone", "@here", "@acme/db-leads")


def bare_mentions(text: str) -> list[str]:
    """Team or everyone mentions GitHub would act on (not inside `code`)."""
    return [m for m in BARE if any(text[i - 1 : i] != "`" for i in _positions(text, m))]


def _positions(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


@pytest.mark.parametrize("allowed", [False, True], ids=["default", "team_mentions-true"])
def test_team_and_everyone_mentions_are_neutralised_unless_allowed(
    allowed: bool, checkout: Path, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_token(CANARY, write=True)
    (checkout / "postmortems" / "payments.md").write_text(MENTIONS, encoding="utf-8")
    if allowed:
        config = yaml.safe_load((checkout / "pmsync.yaml").read_text(encoding="utf-8"))
        config["push"]["team_mentions"] = True
        (checkout / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    assert main(["push"]) == 0, capsys.readouterr().err
    page = next(i for i in github_double.issues(REPO) if i.title == "Page on lag")
    body = page.body or ""
    if allowed:
        assert sorted(bare_mentions(body)) == sorted(BARE)
    else:
        assert bare_mentions(body) == [], body
        assert "`@acme/sre-oncall`" in body and "`@everyone`" in body
    assert "@alice" in body  # a person's mention is kept


def test_digest_issue_neutralises_team_mentions_from_titles(
    checkout: Path, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_token(CANARY, write=True)
    (checkout / "postmortems" / "payments.md").write_text(MENTIONS, encoding="utf-8")
    assert main(["push"]) == 0
    assert main(["overdue", "--today", "2024-03-15", "--digest"]) == 0, capsys.readouterr().err
    digest = next(i for i in github_double.issues(REPO) if (m := parse_marker(i.body)) and m.kind == "digest")
    assert bare_mentions(digest.body or "") == [], digest.body


# -- the public-repository guard ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "from_environment"),
    [
        (("sync",), False),
        (("push",), True),
        (("overdue", "--today", "2024-03-15", "--label", "--remind", "--digest"), False),
    ],
    ids=["sync", "push-repository-from-GITHUB_REPOSITORY", "overdue-label-remind-digest"],
)
def test_public_repository_is_refused_and_nothing_written(
    argv: tuple[str, ...],
    from_environment: bool,
    github_double: GitHubDouble,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    github_double.add_repo(REPO, private=False, assignees=["alice", "bob", "carol"])
    github_double.add_token(CANARY, write=True)
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "payments.md").write_text(DOC, encoding="utf-8")
    config: dict[str, Any] = {"paths": ["postmortems/*.md"], "push": {"write_delay": 0}}
    if from_environment:
        monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    else:
        config["repository"] = REPO
    (tmp_path / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("GITHUB_TOKEN", CANARY)
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()

    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "public" in err and "allow_public" in err, err
    assert "Traceback" not in err and CANARY not in err
    assert github_double.writes() == []
    assert (tmp_path / "postmortems" / "payments.md").read_text(encoding="utf-8") == DOC
