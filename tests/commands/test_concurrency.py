"""Runs at the same time: two syncs in one checkout, and two checkouts of the
same postmortems (a manual push during the scheduled Action).

In one checkout the lock (.pmsync/lock) must make one run wait for the other,
and the two together must file each item once. Two checkouts share no lock, so
both may file an item; the next run must then close the extra issue as a
duplicate (saying which one stays open), link the one that stays, and no later
run, from either checkout, may leave an item without its open issue.

The runs are real `python -m pmsync` processes; the double holds the first
create for a moment so that both runs have listed the issues before either
files one (the race the lock and the duplicate check exist for). Each process
has its own token, so the request log tells whose request was whose.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from pmsync.config import Config
from pmsync.documents.files import Lock
from pmsync.extract import extract_document
from pmsync.github.content import parse_marker
from tests.ghdouble import Fault, GitHubDouble
from tests.helpers import run_cli

if TYPE_CHECKING:
    from tests.ghdouble import Issue

REPO = "acme/postmortems"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "postmortems"
CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
DOCS = {
    "2026-06-02-search-index-truncated.md": EXAMPLES,  # a task list with one done item
    "013_chia-keybase-perms-crlf.md": CORPUS,  # CRLF
    "060_2i2c-leap-outage-mixed-tasks.md": CORPUS,  # [ ] and [x]
}
ITEMS = 12  # in DOCS
HOLD = 1.0  # seconds the double holds the first create, so that both runs list before anything is filed
LINK = re.compile(r"\[#(\d+)\]\(https://github\.com/acme/postmortems/issues/(\d+)\)")


def checkout(root: Path) -> Path:
    (root / "postmortems").mkdir(parents=True)
    for name, folder in DOCS.items():
        (root / "postmortems" / name).write_bytes((folder / name).read_bytes())
    config = {
        "repository": REPO,
        "paths": ["postmortems/*.md"],
        "push": {"write_delay": 0, "max_creates": 100, "file_done": True},
    }
    (root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return root


# pmsync as it was before the lease (engine/lease.py): two such runners could both file an
# item, and the duplicates they left are what a later run must close.
WITHOUT_LEASE = (
    "import sys, pmsync.engine.lease as lease;"
    "lease.Lease.__enter__ = lambda self: self; lease.Lease.__exit__ = lambda self, *exc: None;"
    "from pmsync.cli import run; sys.argv[0] = 'pmsync'; run()"
)


def start(
    double: GitHubDouble, root: Path, token: str, command: str = "sync", *, lease: bool = True
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
    env.update(
        GITHUB_TOKEN=token,
        GITHUB_API_URL=double.url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "pmsync", command] if lease else [sys.executable, "-c", WITHOUT_LEASE, command],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err and "internal error" not in err, err
    return process.returncode, out + err


def by_identity(double: GitHubDouble) -> dict[tuple[str, str], list[Issue]]:
    found: dict[tuple[str, str], list[Issue]] = {}
    for issue in double.issues(REPO):
        marker = parse_marker(issue.body)
        if marker is not None and marker.kind == "item":
            found.setdefault((marker.path, marker.key), []).append(issue)
    return found


def open_duplicates(double: GitHubDouble) -> list[tuple[str, str]]:
    return sorted(k for k, issues in by_identity(double).items() if sum(i.state == "open" for i in issues) > 1)


def linked(root: Path, double: GitHubDouble) -> dict[tuple[str, str], int]:
    """The issue each item of the checkout links, checked to carry that item's marker."""
    found: dict[tuple[str, str], int] = {}
    for name in DOCS:
        data = (root / "postmortems" / name).read_bytes()
        pm = extract_document(f"postmortems/{name}", data, Config())
        original = extract_document(f"postmortems/{name}", (DOCS[name] / name).read_bytes(), Config())
        assert [(i.key, i.title, i.line) for i in pm.items] == [(i.key, i.title, i.line) for i in original.items]
        for item in pm.items:
            if item.anchor_shared:
                continue
            assert item.issue is not None and item.issue.bound, f"{name}:{item.line} has no issue link"
            marker = parse_marker(double.issue(REPO, item.issue.number).body)
            assert marker is not None
            assert (marker.path, marker.key) == (f"postmortems/{name}", item.key), f"{name}:{item.line}"
            found[(marker.path, item.key)] = item.issue.number
    return found


def who(record_headers: dict[str, str]) -> str:
    return record_headers.get("authorization", "").rsplit(" ", 1)[-1]


@pytest.fixture
def double(github_double: GitHubDouble) -> GitHubDouble:
    github_double.add_repo(REPO, private=True)
    github_double.add_token("token-a")
    github_double.add_token("token-b")
    return github_double


# -- one checkout, two runs ---------------------------------------------------------------------


def test_two_syncs_in_one_checkout_take_turns_and_file_each_item_once(double: GitHubDouble, tmp_path: Path) -> None:
    root = checkout(tmp_path / "repo")
    double.inject(Fault(delay=HOLD), match="issues/create")
    first, second = start(double, root, "token-a"), start(double, root, "token-b")
    codes = [finish(first)[0], finish(second)[0]]
    assert codes == [0, 0]

    # The lock: one run's writes all come before the other's.
    writers = [who(r.headers) for r in double.writes()]
    turns = [w for i, w in enumerate(writers) if i == 0 or writers[i - 1] != w]
    assert len(turns) <= 2, f"the two runs' writes interleave: {turns}"

    # And between them, one issue per item.
    issues = by_identity(double)
    assert len(issues) == ITEMS
    assert open_duplicates(double) == [], (
        f"{len(double.issues(REPO))} issues for {ITEMS} items: the second run planned before it took the lock"
    )
    linked(root, double)
    assert not list(root.rglob("*.pmsync-tmp"))


def test_a_run_kept_waiting_for_the_lock_says_so_in_one_line(
    double: GitHubDouble,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = checkout(tmp_path / "repo")
    for name in ("GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", double.url)
    monkeypatch.chdir(root)
    # Another run holds the lock for longer than this one waits (600 s in real life).
    monkeypatch.setattr(Lock.__init__, "__kwdefaults__", {"timeout": 0.3})
    (root / ".pmsync").mkdir()
    with (root / ".pmsync" / "lock").open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        capsys.readouterr()
        from pmsync.cli import main

        code = main(["push"])
        err = capsys.readouterr().err
    assert code == 1
    assert "internal error" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "another pmsync run" in errors[0], err
    assert double.writes() == []
    for name, folder in DOCS.items():
        assert (root / "postmortems" / name).read_bytes() == (folder / name).read_bytes()


# -- two checkouts, no shared lock ------------------------------------------------------------------


def race(double: GitHubDouble, files_first: tuple[Path, str, str], files_second: tuple[Path, str, str]) -> None:
    """Two runs without the lease (as before it): both list the issues before either
    files one, and one files all of its issues before the other files any: the run
    that files second is started first and frozen (SIGSTOP) at its first write, a
    label, until the other has finished."""
    double.inject(Fault(delay=0.2), match="issues/create-label")
    later = start(double, *files_second, lease=False)
    deadline = time.monotonic() + 60
    while not any(r.fault is not None for r in list(double.requests)):
        assert later.poll() is None and time.monotonic() < deadline, "the run never reached its first write"
        time.sleep(0.005)
    os.kill(later.pid, signal.SIGSTOP)
    try:
        assert finish(start(double, *files_first, lease=False))[0] == 0
    finally:
        os.kill(later.pid, signal.SIGCONT)
    assert finish(later)[0] == 0
    # Every item was filed from each checkout.
    assert len(by_identity(double)) == ITEMS
    assert all(len(issues) == 2 for issues in by_identity(double).values())


@pytest.fixture
def checkouts(double: GitHubDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The scheduled Action's checkout and a laptop's, of the same postmortems."""
    for name in ("GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", double.url)
    return checkout(tmp_path / "action"), checkout(tmp_path / "laptop")


@pytest.mark.parametrize("action_first", [True, False], ids=["action-filed-first", "action-filed-second"])
def test_a_later_run_closes_the_duplicates_and_links_the_kept_issue(
    double: GitHubDouble,
    checkouts: tuple[Path, Path],
    action_first: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    action, laptop = checkouts
    scheduled, manual = (action, "token-a", "sync"), (laptop, "token-b", "push")
    race(double, *((scheduled, manual) if action_first else (manual, scheduled)))
    kept_by_action = linked(action, double)

    monkeypatch.chdir(action)
    run = run_cli(capsys, "sync")  # the Action's next scheduled run
    assert run.code == 0, run.err
    assert open_duplicates(double) == [], "the later run did not close the duplicates"
    closed_as_duplicate = 0
    for identity, issues in by_identity(double).items():
        kept = double.issue(REPO, kept_by_action[identity])
        for issue in issues:
            if issue is kept:
                continue
            assert issue.state == "closed", identity
            if kept.state == "open":  # (a done item was filed closed by both runs: nothing to close)
                assert issue.state_reason == "duplicate", identity
                assert any(f"#{kept.number}" in c.body for c in issue.comments), [c.body for c in issue.comments]
                closed_as_duplicate += 1
    assert closed_as_duplicate >= ITEMS - 3
    assert linked(action, double) == kept_by_action  # the document links the kept issues

    # Converged: one more run writes nothing.
    double.reset_log()
    assert run_cli(capsys, "sync").code == 0
    assert double.writes() == []


def test_a_stale_checkout_never_leaves_an_item_without_its_open_issue(
    double: GitHubDouble,
    checkouts: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After the Action's next run closed the laptop's issues as duplicates, the
    laptop's documents (still linking those issues: say its branch, checked out
    afresh for a pull request) are pushed again."""
    action, laptop = checkouts
    race(double, (action, "token-a", "sync"), (laptop, "token-b", "push"))
    monkeypatch.chdir(action)
    assert run_cli(capsys, "sync").code == 0
    assert open_duplicates(double) == []
    open_before = {k: [i.number for i in v if i.state == "open"] for k, v in by_identity(double).items()}

    branch = checkout(laptop.parent / "branch")
    for name in DOCS:
        (branch / "postmortems" / name).write_bytes((laptop / "postmortems" / name).read_bytes())
    monkeypatch.chdir(branch)
    run = run_cli(capsys, "push")
    assert run.code == 0
    assert open_duplicates(double) == []
    for identity, issues in by_identity(double).items():
        still_open = [i.number for i in issues if i.state == "open"]
        assert still_open == open_before[identity], (
            f"{identity}: open issues went from {open_before[identity]} to {still_open} "
            "(the stale checkout kept the issue closed as a duplicate and closed the kept one)"
        )


def test_item_counts_match_the_documents() -> None:
    """Guards the constant the tests above rely on."""
    total = sum(
        len(extract_document(f"postmortems/{n}", (f / n).read_bytes(), Config()).items) for n, f in DOCS.items()
    )
    assert total == ITEMS


# -- two checkouts with the lease (issue 16): nothing is filed twice ---------------------------------

TRIALS = 6


def test_two_runners_on_two_clones_never_file_an_item_twice(tmp_path: Path) -> None:
    """Two `pmsync sync` processes on two clones, started together, over several trials
    and both orders: the run that is about to file takes the lease on GitHub, the other
    waits, lists what changed and adopts it. 0 duplicates, and 0 double notifications:
    each item's issue is created (and so assigned) exactly once."""
    for trial in range(TRIALS):
        with GitHubDouble() as double:
            double.add_repo(REPO, private=True, assignees=["alice", "bob", "carol", "yuvipanda", "jnywong"])
            double.add_token("token-a")
            double.add_token("token-b")
            # Hold the first create a moment: both runs have listed (and planned) before anything is filed.
            double.inject(Fault(delay=0.1 + 0.2 * (trial % 3)), match="issues/create")
            first, second = checkout(tmp_path / f"{trial}" / "action"), checkout(tmp_path / f"{trial}" / "laptop")
            if trial % 2:
                first, second = second, first
            runs = [start(double, first, "token-a"), start(double, second, "token-b")]
            results = [finish(process) for process in runs]
            assert [code for code, _ in results] == [0, 0], results
            identities = by_identity(double)
            assert len(identities) == ITEMS
            twice = {k: [i.number for i in v] for k, v in identities.items() if len(v) > 1}
            assert twice == {}, f"trial {trial}: filed twice: {twice}"
            creates = double.calls("issues/create")
            assert len(creates) == ITEMS, f"trial {trial}: {len(creates)} creates for {ITEMS} items"
            assignments = [
                r
                for r in double.requests
                if r.method == "PATCH" and isinstance(r.body, dict) and r.body.get("assignees")
            ]
            assert assignments == [], "an issue was assigned again after it was filed"
            assert linked(first, double) == linked(second, double)
            double.assert_no_violations()
