"""GitHub changed under pmsync's feet: issues deleted, transferred or locked, the
managed label renamed, a milestone deleted, the repository archived, a token
that cannot write or is unknown.

Each gets a clear message (one line naming what and what to do, never a
traceback), the documented exit code, and the rest of the run goes on where
that makes sense.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.ghdouble import Fault, GitHubDouble
from tests.helpers import Run, run_cli, use_github_double

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.ghdouble import Issue

REPO = "acme/postmortems"
OTHER = "acme/elsewhere"
WEB = "https://github.com"
LEAP = Path(__file__).parents[1] / "fixtures" / "corpus" / "060_2i2c-leap-outage-mixed-tasks.md"
PAYMENTS = """\
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
| Document the failover | carol | 2024-03-20 |
"""


class Env:
    def __init__(self, double: GitHubDouble, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.double = double
        self.root = root
        self.capsys = capsys

    def setup(self, documents: dict[str, bytes], **push: Any) -> Env:
        self.double.add_repo(REPO, private=True, assignees=["alice", "bob", "carol"])
        (self.root / "postmortems").mkdir()
        for name, data in documents.items():
            (self.root / "postmortems" / name).write_bytes(data)
        config = {"repository": REPO, "paths": ["postmortems/*.md"], "push": {"write_delay": 0, **push}}
        (self.root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        return self

    def run(self, *argv: str) -> Run:
        run = run_cli(self.capsys, *argv)  # fails on a traceback or an internal error
        errors = [line for line in run.err_lines if line.startswith("Error:")]
        assert len(errors) <= 1, run.err
        return run

    def read(self, name: str) -> bytes:
        return (self.root / "postmortems" / name).read_bytes()

    def documents(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((self.root / "postmortems").iterdir())}

    def replace(self, name: str, old: str, new: str) -> None:
        data = self.read(name)
        assert data.count(old.encode()) == 1, old
        (self.root / "postmortems" / name).write_bytes(data.replace(old.encode(), new.encode()))

    def add_item_after(self, name: str, words: str, line: str) -> None:
        """A new list item on the line after the one holding `words` (and its link)."""
        lines = self.read(name).split(b"\n")
        index = next(i for i, text in enumerate(lines) if words.encode() in text)
        lines.insert(index + 1, line.encode())
        (self.root / "postmortems" / name).write_bytes(b"\n".join(lines))

    def issues(self, repo: str = REPO) -> list[Issue]:
        return self.double.issues(repo)

    def number_of(self, name: str, words: str) -> int:
        line = next(line for line in self.read(name).decode().splitlines() if words in line)
        match = re.search(r"\[#(\d+)\]", line)
        assert match, line
        return int(match[1])

    def while_held(self, operation: str, action: Callable[[], object]) -> threading.Thread:
        """Hold the next `operation` request for a moment and do `action` meanwhile,
        as if a person acted on GitHub between pmsync's listing and its write."""
        self.double.inject(Fault(delay=0.4), match=operation)

        def watch() -> None:
            deadline = time.monotonic() + 30
            while not any(r.fault is not None for r in list(self.double.requests)):
                if time.monotonic() > deadline:
                    return
                time.sleep(0.002)
            action()

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        return thread


@pytest.fixture
def env(
    github_double: GitHubDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Env:
    use_github_double(monkeypatch, github_double.url)
    monkeypatch.chdir(tmp_path)
    return Env(github_double, tmp_path, capsys)


def leap(env: Env, **push: Any) -> Env:
    env.setup({"leap.md": LEAP.read_bytes()}, **{"file_done": True, **push})
    assert env.run("push").code == 0
    return env


# -- issues deleted or moved ---------------------------------------------------------------------


def test_deleted_issue_is_skipped_with_how_to_file_it_again(env: Env) -> None:
    leap(env)
    gone = env.number_of("leap.md", "Write an incident report")
    env.double.delete_issue(REPO, gone)
    env.replace("leap.md", "Update `deployer` system", "Update the `deployer` system")  # another item moves on
    documents = env.documents()

    run = env.run("push")
    assert run.code == 0, run.err
    lines = [line for line in run.out_lines if f"#{gone}" in line]
    assert lines, f"nothing says #{gone} is gone: the run did not notice the deletion\n{run.out}"
    assert "skip" in lines[0] and "remove the link to file it again" in lines[0], lines[0]
    assert len(env.issues()) == 4  # nothing filed again behind the person's back
    assert any(w.method == "PATCH" for w in env.double.writes())  # the edited item was updated
    assert env.read("leap.md") == documents["leap.md"]

    # Doing what the message says files it again.
    data = re.sub(rb" \xc2\xb7 \[#%d\]\([^)]*\)(?: \xc2\xb7 open)?" % gone, b"", env.read("leap.md"))
    (env.root / "postmortems" / "leap.md").write_bytes(data)
    assert env.run("push").code == 0
    assert len(env.issues()) == 5
    assert env.number_of("leap.md", "Write an incident report") not in (gone, 0)


def test_issue_deleted_between_listing_and_update_fails_that_item_only(env: Env) -> None:
    leap(env)
    gone = env.number_of("leap.md", "Write an incident report")
    kept = env.number_of("leap.md", "Update `deployer` system")
    env.replace("leap.md", "Write an incident report", "Write and publish an incident report")
    env.replace("leap.md", "Update `deployer` system", "Update the `deployer` system")
    documents = env.documents()
    env.double.reset_log()
    # The first update is held while a person deletes its issue: GitHub then answers 410.
    watcher = env.while_held("issues/update", lambda: env.double.delete_issue(REPO, gone))

    run = env.run("push")
    watcher.join(timeout=10)
    assert run.code == 1
    assert [r.status for r in env.double.calls("issues/update")] == [410, 200]
    failed = [line for line in run.out_lines if "FAILED" in line]
    assert len(failed) == 1 and f"#{gone}" in failed[0] and "deleted" in failed[0], run.out
    assert "link" in failed[0], f"the failure does not say how to file the item again: {failed[0]}"
    assert env.double.issue(REPO, kept).title.startswith("Update the `deployer` system")  # the other item went on
    assert env.read("leap.md") == documents["leap.md"]


def test_transferred_issue_is_skipped_and_left_alone(env: Env) -> None:
    leap(env)
    env.double.add_repo(OTHER, private=True)
    moved = env.number_of("leap.md", "Write an incident report")
    target = env.double.transfer_issue(REPO, moved, OTHER)
    before = (target.title, target.body, target.state, list(target.labels))
    documents = env.documents()

    run = env.run("push")
    assert run.code == 0, run.err
    lines = [line for line in run.out_lines if f"#{moved}" in line]
    assert lines, f"nothing says #{moved} moved: the run did not notice the transfer\n{run.out}"
    assert "skip" in lines[0] and "transferred" in lines[0], lines[0]
    assert len(env.issues()) == 4
    assert (target.title, target.body, target.state, list(target.labels)) == before
    assert env.documents() == documents


def test_issue_transferred_between_listing_and_update_is_not_linked_by_a_wrong_number(env: Env) -> None:
    """GitHub answers 301 for a moved issue; whatever pmsync does with it, the
    document must not end up linking another issue of this repository."""
    leap(env)
    env.double.add_repo(OTHER, private=True)
    moved = env.number_of("leap.md", "Write an incident report")
    for n in range(3):  # the other repository's numbers run ahead of ours
        env.double.add_issue(OTHER, f"unrelated {n}")
    env.replace("leap.md", "Write an incident report", "Write and publish an incident report")
    watcher = env.while_held("issues/update", lambda: env.double.transfer_issue(REPO, moved, OTHER))

    run = env.run("push")
    watcher.join(timeout=10)
    assert run.code == 1
    linked = env.number_of("leap.md", "Write and publish an incident report")
    assert linked == moved, f"the item now links #{linked}, an issue that is not the one it was filed as"
    assert all(issue.number != linked for issue in env.issues())  # #moved left this repository


# -- the managed label ----------------------------------------------------------------------------


def test_renamed_managed_label_files_nothing_and_says_which_label(env: Env) -> None:
    leap(env)
    env.double.client().get_repo(REPO).get_label("pmsync").edit("postmortem-followup", "5319e7")
    env.add_item_after("leap.md", "Write an incident report", "- [ ] Add a new item")
    documents = env.documents()
    env.double.reset_log()

    run = env.run("push")
    assert run.code == 1, f"the run went ahead without the label (exit {run.code}):\n{run.out}"
    assert run.err_lines[0].startswith("Error: ") and "'pmsync'" in run.err_lines[0], run.err
    assert "label" in run.err
    assert env.double.writes() == []
    assert env.documents() == documents

    for command in ("sync", "pull"):
        run = env.run(command)
        assert run.code in (1, 0)
        assert env.double.writes() == []
        assert env.documents() == documents, f"{command} changed a document while the label was missing"


# -- milestones -------------------------------------------------------------------------------------


def test_deleted_milestone_is_created_again(env: Env) -> None:
    leap(env, milestone="incident")
    repo = env.double.repo(REPO)
    ((number, milestone),) = repo.milestones.items()
    del repo.milestones[number]  # deleted on GitHub: its issues lose it
    for issue in env.issues():
        issue.milestone = None
    env.add_item_after("leap.md", "Write an incident report", "- [ ] Add a new item")

    run = env.run("push")
    assert run.code == 0, run.err
    (again,) = repo.milestones.values()
    assert again.title == milestone.title
    new = next(issue for issue in env.issues() if issue.title == "Add a new item")
    assert new.milestone == again.number


# -- the repository and the token ------------------------------------------------------------------


def test_repository_archived_during_a_run(env: Env) -> None:
    env.setup({"leap.md": LEAP.read_bytes()})
    documents = env.documents()
    watcher = env.while_held("issues/create-label", lambda: env.double.archive(REPO))

    run = env.run("push")
    watcher.join(timeout=10)
    assert run.code == 1
    errors = [line for line in run.err_lines if line.startswith("Error:")]
    assert len(errors) == 1 and "archived" in errors[0], run.err
    assert env.issues() == []
    assert env.documents() == documents

    run = env.run("sync")
    assert run.code == 1 and "archived" in run.err
    assert env.documents() == documents


@pytest.mark.parametrize("command", [("sync",), ("overdue", "--today", "2024-03-15", "--label")])
def test_token_that_cannot_write_exits_4_naming_the_permission(env: Env, command: tuple[str, ...]) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    if command[0] == "overdue":
        assert env.run("push").code == 0
    documents = env.documents()
    env.double.add_token("read-only", login="reader", write=False)
    env.double.reset_log()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "read-only")
        run = env.run(*command)
    assert run.code == 4
    assert run.err_lines[0].startswith("Error: ") and "403" in run.err_lines[0]
    assert "issues: write" in run.err
    assert all(r.status == 403 for r in env.double.writes())
    assert env.documents() == documents


@pytest.mark.parametrize(
    "command",
    [("pull",), ("sync",), ("overdue", "--today", "2024-03-15"), ("report", "--today", "2024-03-15")],
    ids=lambda c: c[0],
)
def test_unknown_token_exits_4_in_one_line(env: Env, command: tuple[str, ...]) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    documents = env.documents()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "ghp_revoked0000000000000000000000000000")
        run = env.run(*command)
    assert run.code == 4
    assert run.err_lines[0] == "Error: GitHub rejected the token (401 Bad credentials)"
    assert len(run.err_lines) == 2 and run.err_lines[1].startswith("hint: ")
    assert env.double.writes() == []
    assert env.documents() == documents


# -- locked issues ------------------------------------------------------------------------------------


def test_reminder_refused_on_a_locked_issue_is_reported_and_the_others_go_on(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    canary = env.number_of("payments.md", "Add a canary")
    keys = env.number_of("payments.md", "Rotate the signing keys")
    env.double.client().get_repo(REPO).get_issue(canary).lock("resolved")
    # GitHub refuses the Actions bot's comment on a locked conversation.
    refusal = {"message": "Unable to create comment because issue is locked.", "documentation_url": "", "status": "403"}
    env.double.inject(Fault(status=403, body=refusal), match=("POST", f"/repos/{REPO}/issues/{canary}/comments"))

    run = env.run("overdue", "--today", "2024-03-15", "--remind")
    assert run.code == 1, run.err  # something could not be done: not an authentication failure (4)
    problems = [line for line in run.err_lines if f"#{canary}" in line and "locked" in line]
    assert len(problems) == 1, run.err
    reminded = [c.body for c in env.double.issue(REPO, keys).comments if "pmsync:reminder" in c.body]
    assert len(reminded) == 1, "the next overdue issue was not reminded"
    assert [c for c in env.double.issue(REPO, canary).comments if "pmsync:reminder" in c.body] == []
