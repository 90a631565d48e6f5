"""A team's first week with pmsync (issue 14), end to end through real PyGithub
against the GitHub double: importing postmortems that record finished work,
offline runs after online ones, paths that match nothing, GitHub's refusals,
group headings that name the kind of work."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.commands.test_push import REPO, WEBHOOK, Env, _child_env
from tests.commands.test_push import env as env  # the fixture: a checkout and a repository in the double
from tests.ghdouble import Fault
from tests.helpers import run_cli
from tests.test_json_schemas import _valid as valid

IMPORTED = "2024-03-01-cache-stampede.md"
IMPORTED_TEXT = """\
# Cache stampede

**Date:** 2024-03-01

## Action items

- [x] Add jitter to cache expiry @rmensah due 2024-03-10 (done 2024-03-05)
- [x] Alert on cache hit rate @kwame due 2024-03-08 ✅ 2024-03-15
- [ ] Write a runbook for cache warmup @lchen due 2024-04-01

### Prevent

- Cap concurrent refreshes per key @kwame

### Detect

- Add a dashboard for refresh latency @lchen
"""


def imported(env: Env, **push: Any) -> Env:
    env.setup(**push)
    env.configure(**{"file_done": False, **push})
    env.write(IMPORTED, IMPORTED_TEXT.encode())
    return env


def report(env: Env, *args: str) -> dict[str, Any]:
    run = run_cli(env.capsys, "report", "--format", "json", "--today", "2024-06-01", *args)
    assert run.code == 0, run.err
    overall: dict[str, Any] = json.loads(run.out)["overall"]
    return overall


def backlog_from_the_document(env: Env, *args: str) -> None:
    """The backlog chart counts the done items from the incident to the document's days,
    never to the import day (after the `--today` of the report, so they would stay open)."""
    run = run_cli(env.capsys, "report", "--format", "json", "--today", "2024-06-01", *args)
    assert run.code == 0, run.err
    days = {day: (open_, late) for day, open_, late in json.loads(run.out)["backlog"]}
    assert max(days) == "2024-06-01"
    assert days["2024-03-04"][0] - days["2024-03-05"][0] == 1  # jitter, done 2024-03-05
    assert days["2024-03-14"][0] - days["2024-03-15"][0] == 1  # alert, done 2024-03-15
    assert days["2024-03-14"][1] - days["2024-03-15"][1] == 1  # ... overdue from 03-09 until then
    assert days["2024-03-01"][0] - days["2024-06-01"][0] == 2  # only the two done items left it


# -- 1. importing postmortems that already record finished work --------------------------------


def test_done_items_are_not_filed_by_default_and_report_uses_the_document_dates(env: Env) -> None:
    imported(env)
    run = env.push()
    assert run.code == 0, run.err
    assert re.search(r"skip\s+'Add jitter to cache expiry.*\(done in document\)", run.out), run.out
    assert re.search(r"skip\s+'Alert on cache hit rate.*\(done in document\)", run.out), run.out
    assert sorted(issue.title for issue in env.issues()) == [
        "Add a dashboard for refresh latency",
        "Cap concurrent refreshes per key",
        "Write a runbook for cache warmup",
    ]
    text = env.read(IMPORTED).decode()
    assert "Add jitter to cache expiry @rmensah due 2024-03-10 (done 2024-03-05)\n" in text  # left as written
    # Done by the document's days: 2024-03-05 (due 03-10, in time), 2024-03-15 (due 03-08, late),
    # 4 and 14 days after the incident; never 0 days, never the day of the import.
    figures = report(env)
    assert (figures["done"], figures["percent_done_in_time"], figures["median_days_to_close"]) == (2, 50.0, 9.0)
    assert report(env, "--offline")["median_days_to_close"] == 9.0
    backlog_from_the_document(env)
    backlog_from_the_document(env, "--offline")


def test_file_done_files_them_closed_unassigned_unmentioned_and_dated_from_the_document(env: Env) -> None:
    imported(env, file_done=True)
    run = env.push()
    assert run.code == 0, run.err
    jitter, alert = env.titled("Add jitter to cache expiry"), env.titled("Alert on cache hit rate")
    for issue in (jitter, alert):
        assert (issue.state, issue.state_reason, issue.assignees) == ("closed", "completed", [])
        assert "@rmensah" not in issue.body and "@kwame" not in issue.body  # a mention would notify
    for write in env.double.writes():
        body = write.body if isinstance(write.body, dict) else {}
        if "Add jitter" in str(body.get("title")) or "Alert on cache" in str(body.get("title")):
            assert not body.get("assignees"), write  # never assigned, not even for a moment
    assert env.titled("Write a runbook for cache warmup").assignees == ["lchen"]
    text = env.read(IMPORTED).decode()
    assert re.search(r"\(done 2024-03-05\) · \[#\d+\]\([^)]+\) · done 2024-03-05\n", text), text
    assert re.search(r"✅ 2024-03-15 · \[#\d+\]\([^)]+\) · done 2024-03-15\n", text), text
    figures = report(env)
    assert (figures["done"], figures["percent_done_in_time"], figures["median_days_to_close"]) == (2, 50.0, 9.0)
    backlog_from_the_document(env)  # filed closed on the import day, charted by the document's days

    # The next sync keeps them as they are: no assignee, no body written after all.
    env.double.reset_log()
    again = run_cli(env.capsys, "sync")
    assert again.code == 0, again.err
    assert env.double.writes() == []
    after = env.read(IMPORTED).decode()
    assert [line for line in after.splitlines() if "done 2024-03" in line] == [
        line for line in text.splitlines() if "done 2024-03" in line
    ]


# -- 2. offline after online ---------------------------------------------------------------------


def test_offline_push_after_an_online_push_treats_linked_items_as_linked(env: Env) -> None:
    imported(env)
    assert env.push().code == 0
    env.double.reset_log()
    run = env.push("--offline")
    assert run.code == 0, run.err
    assert env.double.requests == []
    assert "not among the issues" not in run.out and "remove the link" not in run.out
    assert "0 to create" in run.out and "3 unchanged" in run.out, run.out
    verbose = env.push("--offline", "--verbose")
    assert re.search(r"unchanged\s+#\d+ 'Write a runbook.*linked \(offline", verbose.out), verbose.out


def test_overdue_offline_shows_the_links_the_document_holds(env: Env) -> None:
    imported(env)
    assert env.push().code == 0
    number = env.titled("Write a runbook for cache warmup").number
    run = run_cli(env.capsys, "overdue", "--offline", "--today", "2024-06-01", "--format", "json")
    assert run.code == 0, run.err
    (entry,) = json.loads(run.out)["overdue"]
    assert (entry["issue"], entry["url"]) == (number, f"https://github.com/{REPO}/issues/{number}")
    table = run_cli(env.capsys, "overdue", "--offline", "--today", "2024-06-01")
    assert f"#{number}" in table.out


# -- 3. a path that matches nothing --------------------------------------------------------------

COMMANDS = [
    ("scan",),
    ("check",),
    ("push",),
    ("push", "--offline"),
    ("pull",),
    ("sync",),
    ("overdue",),
    ("overdue", "--offline"),
    ("report",),
    ("report", "--offline"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_on_a_missing_path_exits_2_naming_it(env: Env, command: tuple[str, ...]) -> None:
    imported(env)
    env.double.reset_log()
    run = run_cli(env.capsys, *command, "postmortms/")
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == ["Error: no document matches postmortms/: check the path for a typo"]
    assert env.double.requests == []


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_on_a_paths_glob_matching_nothing_exits_2_naming_it(env: Env, command: tuple[str, ...]) -> None:
    imported(env)
    config = (env.root / "pmsync.yaml").read_text(encoding="utf-8")
    (env.root / "pmsync.yaml").write_text(config.replace("postmortems/*.md", "postmortem/*.md"), encoding="utf-8")
    run = run_cli(env.capsys, *command)
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [
        "Error: no document matches `paths:` postmortem/*.md in pmsync.yaml: check it for a typo, or name files"
    ]


# -- 4. one friendly line for GitHub's refusals -----------------------------------------------------


@pytest.mark.parametrize(
    "command", [("push",), ("sync",), ("pull",), ("report",), ("overdue",), ("overdue", "--label")], ids=" ".join
)
def test_a_repository_the_token_cannot_see_is_one_friendly_line_in_every_command(
    env: Env, command: tuple[str, ...]
) -> None:
    imported(env)
    config = (env.root / "pmsync.yaml").read_text(encoding="utf-8")
    (env.root / "pmsync.yaml").write_text(config.replace(REPO, "acme/hidden"), encoding="utf-8")
    run = run_cli(env.capsys, *command)
    assert run.code == 2, run.err
    assert run.err_lines == [
        "Error: repository acme/hidden not found, or the token cannot see it",
        "hint: check `repository` in pmsync.yaml (or GITHUB_REPOSITORY) and the token's access",
    ]


# -- 11. group headings name the kind ------------------------------------------------------------


def test_prevent_and_detect_group_headings_set_kind_labels(env: Env) -> None:
    imported(env)
    assert env.push().code == 0
    assert "kind:prevent" in env.titled("Cap concurrent refreshes per key").labels
    assert "kind:detect" in env.titled("Add a dashboard for refresh latency").labels
    assert not [label for label in env.titled("Write a runbook").labels if label.startswith("kind:")]


# -- 5. conflicts are not silent ---------------------------------------------------------------------


def conflicting(env: Env) -> tuple[int, int]:
    """Two conflicts: a title retitled on both sides, and a state changed on both sides."""
    imported(env)
    assert run_cli(env.capsys, "sync").code == 0
    titled = env.titled("Cap concurrent refreshes").number
    closed = env.titled("Write a runbook for cache warmup").number
    env.double.edit_issue(REPO, titled, title="Per-key refresh limit")
    text = env.read(IMPORTED).decode()
    text = text.replace("Cap concurrent refreshes per key", "Cap concurrent refreshes per cache key")
    env.double.edit_issue(REPO, closed, state="closed", state_reason="not_planned")
    text = text.replace("- [ ] Write a runbook for cache warmup", "- [x] Write a runbook for cache warmup")
    env.write(IMPORTED, text.encode())
    return titled, closed


def test_a_conflict_is_reported_in_text_json_and_annotations_with_how_to_resolve(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    titled, closed = conflicting(env)
    documents = env.documents()
    env.double.reset_log()
    run = run_cli(env.capsys, "sync")
    assert run.code == 0, run.err
    assert env.double.writes() == [] and env.documents() == documents
    lines = [line for line in run.err_lines if line.startswith("conflict: ")]
    assert len(lines) == 2, run.err  # each once, though push and pull both see the state conflict
    path = f"postmortems/{IMPORTED}"
    assert lines[0].startswith(f"conflict: {path}:9: #{closed} is won't do on GitHub but the document says done")
    assert lines[1].startswith(f"conflict: {path}:13: #{titled}: title changed on both sides; left as they are")
    assert f"`pmsync sync --take document {path}:13`" in lines[1] and "--take github" in lines[1]

    data = json.loads(run_cli(env.capsys, "sync", "--format", "json").out)
    valid("sync", data)  # conflicts as objects, and the pull's conflict_details, are in the schema
    assert [(c["number"], c["line"]) for c in data["conflicts"]] == [(closed, 9), (titled, 13)]
    assert all("pmsync sync --take" in c["resolve"] for c in data["conflicts"])
    pushed = json.loads(run_cli(env.capsys, "push", "--format", "json").out)
    valid("push", pushed)
    assert [(c["number"], c["line"]) for c in pushed["conflicts"]] == [(closed, 9), (titled, 13)]
    pulled = json.loads(run_cli(env.capsys, "pull", "--format", "json").out)
    valid("pull", pulled)
    assert [(c["number"], c["path"]) for c in pulled["conflict_details"]] == [(closed, path)]
    assert pulled["conflicts"] == [f"{path}:9: {pulled['conflict_details'][0]['message']}"]

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    annotated = run_cli(env.capsys, "sync")
    warnings = [line for line in annotated.err_lines if line.startswith("::warning ")]
    assert len(warnings) == 2
    assert warnings[1].startswith(f"::warning file={path},line=13,title=pmsync conflict::#{titled}: title changed")

    failing = run_cli(env.capsys, "sync", "--fail-on-conflict")
    assert failing.code == 1
    assert env.double.writes() == [] and env.documents() == documents


def test_take_resolves_the_conflicts_named_and_only_those(env: Env) -> None:
    titled, closed = conflicting(env)
    path = f"postmortems/{IMPORTED}"
    env.double.reset_log()
    run = run_cli(env.capsys, "sync", "--take", "document", f"{path}:13")
    assert run.code == 0, run.err
    assert env.issue(titled).title == "Cap concurrent refreshes per cache key"
    assert env.issue(closed).state_reason == "not_planned"  # not named: still a conflict
    assert [line for line in run.err_lines if line.startswith("conflict: ")] == [
        line for line in run.err_lines if f"#{closed}" in line and line.startswith("conflict: ")
    ]

    run = run_cli(env.capsys, "sync", "--take", "github", f"#{closed}")
    assert run.code == 0, run.err
    assert env.issue(closed).state_reason == "not_planned"  # GitHub's side kept
    text = env.read(IMPORTED).decode()
    assert re.search(rf"- \[x\] Write a runbook for cache warmup .*· \[#{closed}\]\([^)]+\) · won't do", text), text

    env.double.reset_log()
    quiet = run_cli(env.capsys, "sync", "--fail-on-conflict")
    assert quiet.code == 0, quiet.err
    assert not [line for line in quiet.err_lines if "conflict" in line]
    assert env.double.writes() == []


def test_take_github_for_a_field_keeps_githubs_value_and_ends_the_conflict(env: Env) -> None:
    titled, _ = conflicting(env)
    env.double.reset_log()
    assert run_cli(env.capsys, "sync", "--take", "github").code == 0
    assert env.issue(titled).title == "Per-key refresh limit"
    env.double.reset_log()
    again = run_cli(env.capsys, "sync", "--fail-on-conflict")
    assert again.code == 0, again.err
    assert env.double.writes() == []
    assert env.issue(titled).title == "Per-key refresh limit"


# -- 6. runs from the wrong place ----------------------------------------------------------------------


def git(env: Env, *args: str) -> str:
    identity = ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false"]
    result = subprocess.run(["git", *identity, *args], cwd=env.root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def committed(env: Env) -> Env:
    imported(env)
    git(env, "init", "--quiet", "--initial-branch=main")
    git(env, "add", ".")
    git(env, "commit", "--quiet", "-m", "Postmortems")
    return env


def test_pmsyncs_own_spans_are_not_uncommitted_changes(env: Env) -> None:
    committed(env)
    assert env.push().code == 0
    run = run_cli(env.capsys, "sync")  # links written by the push, boxes by this sync: pmsync's own text
    assert run.code == 0, run.err
    assert run_cli(env.capsys, "sync").code == 0
    assert "M postmortems/" in git(env, "status", "--porcelain")  # not committed yet: still fine


@pytest.mark.parametrize("command", ["push", "sync"])
def test_uncommitted_postmortem_edits_are_refused_unless_allowed(env: Env, command: str) -> None:
    committed(env)
    assert env.push().code == 0
    env.replace(IMPORTED, "Add a dashboard for refresh latency", "Add a dashboard for refresh latency per region")
    env.double.reset_log()
    run = run_cli(env.capsys, command)
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [
        f"Error: refusing to {command}: postmortems/{IMPORTED} has uncommitted changes "
        "(commit them first, or pass --allow-dirty)"
    ]
    assert env.double.requests == []  # nothing sent
    allowed = run_cli(env.capsys, command, "--allow-dirty")
    assert allowed.code == 0, allowed.err
    assert env.titled("Add a dashboard for refresh latency per region")

    # A box ticked by a person (its span still says open) is their edit, not pmsync's.
    git(env, "commit", "--quiet", "-am", "Links and the edit")
    text = env.read(IMPORTED).decode().replace("- [ ] Write a runbook", "- [x] Write a runbook")
    text = text.replace("- Write a runbook", "- [x] Write a runbook")
    env.write(IMPORTED, text.encode())
    assert run_cli(env.capsys, command).code == 2


def test_a_new_postmortem_not_yet_committed_is_refused(env: Env) -> None:
    committed(env)
    env.write("2024-05-01-new.md", b"# New\n\n## Action items\n\n- Add a canary @kwame\n")
    run = env.push()
    assert run.code == 2
    assert "postmortems/2024-05-01-new.md has uncommitted changes" in run.err
    assert env.issues() == []
    assert env.push("--dry-run").code == 0  # reading the plan is always fine


def test_a_branch_other_than_the_default_is_refused_unless_allowed(env: Env) -> None:
    committed(env)
    git(env, "checkout", "--quiet", "-b", "review/cache")
    env.double.reset_log()
    run = env.push()
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [
        "Error: refusing to push from review/cache: issues follow the default branch main "
        "(switch to main, or pass --any-branch)"
    ]
    assert env.double.writes() == []
    assert env.push("--any-branch").code == 0
    assert len(env.issues()) == 3


def test_in_actions_the_branch_check_uses_the_events_ref(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    committed(env)
    git(env, "checkout", "--quiet", "--detach")  # as actions/checkout leaves a pull request's merge commit
    event = env.root.parent / "event.json"
    event.write_text(json.dumps({"repository": {"default_branch": "trunk"}}), encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_REF_NAME", "12/merge")
    monkeypatch.setenv("GITHUB_BASE_REF", "trunk")
    run = run_cli(env.capsys, "sync")
    assert run.code == 2
    assert run.err_lines == [
        "Error: refusing to sync from a pull request into trunk: issues follow the default branch trunk "
        "(switch to trunk, or pass --any-branch)"
    ]
    monkeypatch.delenv("GITHUB_BASE_REF")
    monkeypatch.setenv("GITHUB_REF_NAME", "trunk")  # a scheduled run on the default branch
    assert run_cli(env.capsys, "sync").code == 0
    assert len(env.issues()) == 3


# -- 7. confirm before writing, as gh does -------------------------------------------------------------


def on_a_terminal(env: Env, *args: str, answer: bytes | None) -> tuple[int, str]:
    """Run pmsync with a terminal as stdin and stderr; answer its question when it asks one."""
    main, child_end = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pmsync", *args],
        cwd=env.root,
        env=_child_env(env.double) | {"NO_COLOR": "1"},
        stdin=child_end,
        stdout=subprocess.DEVNULL,
        stderr=child_end,
    )
    os.close(child_end)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            seen += chunk
            if answer is not None and seen.rstrip().endswith(b"[y/N]:"):
                os.write(main, answer)
                answer = None
        elif process.poll() is not None:
            break
    code = process.wait(timeout=30)
    os.close(main)
    return code, seen.decode("utf-8", "replace").replace("\r\n", "\n")


def test_on_a_terminal_push_asks_first_and_no_writes_nothing(env: Env) -> None:
    imported(env)
    documents = env.documents()
    code, terminal = on_a_terminal(env, "push", answer=b"n\n")
    assert "Create 3 issues in acme/postmortems? [y/N]:" in terminal, terminal
    assert "create     'Write a runbook for cache warmup'" in terminal  # the plan, before the question
    assert code == 2, terminal
    assert "Error: cancelled: nothing was written" in terminal
    assert env.double.writes() == [] and env.issues() == []
    assert env.documents() == documents

    code, terminal = on_a_terminal(env, "push", answer=b"y\n")
    assert code == 0, terminal
    assert len(env.issues()) == 3
    env.replace(IMPORTED, "Add a dashboard for refresh latency", "Add a dashboard for refresh latency per region")
    code, terminal = on_a_terminal(env, "sync", "--yes", answer=None)  # --yes: no question
    assert code == 0 and "[y/N]" not in terminal, terminal
    assert env.titled("Add a dashboard for refresh latency per region")


def test_without_a_terminal_there_is_no_question(env: Env) -> None:
    imported(env)
    assert env.push().code == 0  # stdin is not a terminal under pytest
    assert len(env.issues()) == 3


def test_an_interrupt_says_what_was_already_done(env: Env) -> None:
    imported(env)
    env.double.inject(Fault(delay=1.0), at=3, match="issues/create")
    child = subprocess.Popen(
        [sys.executable, "-m", "pmsync", "push"],
        cwd=env.root,
        env=_child_env(env.double),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(r.fault is not None for r in env.double.requests):
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 130, err
    assert "Error: interrupted: created #1–#2; their links are written" in err, err
    assert "Traceback" not in err
    text = env.read(IMPORTED).decode()
    assert text.count(" · [#") == 2
    assert env.push().code == 0  # the next run adopts the issue GitHub filed as the interrupt came
    assert len(env.issues()) == 3 and env.read(IMPORTED).decode().count(" · [#") == 3


# -- 8. orphans -----------------------------------------------------------------------------------------


def test_orphans_are_listed_once_with_title_document_and_the_command_that_closes_them(env: Env) -> None:
    imported(env)
    assert env.push().code == 0
    number = env.titled("Add a dashboard for refresh latency").number
    lines = env.read(IMPORTED).decode().splitlines(keepends=True)
    env.write(IMPORTED, "".join(line for line in lines if "Add a dashboard for refresh" not in line).encode())

    run = env.push()
    assert run.code == 0, run.err
    orphan_lines = [line for line in run.out_lines if f"#{number}" in line]
    assert len(orphan_lines) == 1, run.out
    assert re.search(rf"orphan\s+#{number} 'Add a dashboard for refresh latency'", orphan_lines[0])
    assert f"its item is no longer in postmortems/{IMPORTED}" in orphan_lines[0]
    assert "None" not in run.out
    assert (
        f"1 issues track items no longer in their documents (#{number}): close them as not planned "
        "with `pmsync sync --close-orphans`, or put the items back"
    ) in run.err_lines
    _, data = env.push_json()
    valid("push", data)
    (orphan,) = [a for a in data["actions"] if a["kind"] == "orphan"]
    assert (orphan["number"], orphan["title"], orphan["path"]) == (
        number,
        "Add a dashboard for refresh latency",
        f"postmortems/{IMPORTED}",
    )

    planned = run_cli(env.capsys, "sync", "--dry-run", "--close-orphans", "--format", "json")
    assert planned.code == 0, planned.err
    data = json.loads(planned.out)
    valid("sync", data)
    (closing,) = [a for a in data["actions"] if a["kind"] == "close_orphan"]
    assert (closing["number"], closing["title"]) == (number, "Add a dashboard for refresh latency")
    closed = run_cli(env.capsys, "sync", "--close-orphans")
    assert closed.code == 0, closed.err
    assert (env.issue(number).state, env.issue(number).state_reason) == ("closed", "not_planned")


# -- 10. tables with a status column ---------------------------------------------------------------------


MARK = " <!-- pmsync:cell -->"  # ends a span written when the Status cell said its state


def linked_table(env: Env) -> tuple[int, int]:
    """The webhook postmortem (a table with a Status column) pushed and committed:
    (the ceiling row's issue, "Open"; the retries row's issue, "In progress")."""
    env.setup(WEBHOOK)
    git(env, "init", "--quiet", "--initial-branch=main")
    git(env, "add", ".")
    git(env, "commit", "--quiet", "-m", "Postmortem")
    assert env.push().code == 0
    ceiling = env.number_of(WEBHOOK, "Raise the worker autoscaling ceiling")
    retries = env.number_of(WEBHOOK, "Move retries to a separate queue")
    git(env, "add", ".")
    git(env, "commit", "--quiet", "-m", "Postmortem with links")
    return ceiling, retries


def row_of(env: Env, number: int) -> str:
    return next(line for line in env.read(WEBHOOK).decode().splitlines() if f"[#{number}]" in line)


def test_a_status_column_holds_the_status_under_the_three_way_rules(env: Env) -> None:
    ceiling, retries = linked_table(env)

    # Closed on GitHub: pull writes it into the Status cell, not beside the author's "Open".
    env.double.edit_issue(REPO, ceiling, state="closed", state_reason="completed")
    assert run_cli(env.capsys, "sync").code == 0
    row = row_of(env, ceiling)
    assert re.search(rf"\| P2 \| Done · \[#{ceiling}\]\([^)]+\) · done \d{{4}}-\d\d-\d\d{MARK} \|$", row), row
    assert "Open" not in row
    # A cell whose words already agree ("In progress" for an open issue) is left as written.
    assert f"| In progress · [#{retries}]" in env.read(WEBHOOK).decode()
    assert row_of(env, retries).endswith(f" · open{MARK} |")
    # pmsync's own cell is not an uncommitted change: the next sync runs.
    assert run_cli(env.capsys, "sync").code == 0

    # The author writing "Done" in the cell closes the issue, as ticking a box does.
    env.replace(WEBHOOK, f"| In progress · [#{retries}]", f"| Done · [#{retries}]")
    git(env, "commit", "--quiet", "-am", "Retries done")
    assert run_cli(env.capsys, "sync").code == 0
    assert (env.issue(retries).state, env.issue(retries).state_reason) == ("closed", "completed")
    row = row_of(env, retries)
    assert re.search(rf"\| Done · \[#{retries}\]\([^)]+\) · done \d{{4}}-\d\d-\d\d{MARK} \|$", row), row


def test_an_old_open_beside_a_done_span_is_not_a_reopen_and_pull_tidies_it(env: Env) -> None:
    """`Open · [#3] · done`, as pmsync before the Status cell rules left it: the span has
    no mark that the words ever said its state, so "Open" is the author's old word, not an edit."""
    ceiling, _ = linked_table(env)
    env.double.edit_issue(REPO, ceiling, state="closed", state_reason="completed")
    row = row_of(env, ceiling)
    assert row.endswith(f"| Open · [#{ceiling}](https://github.com/{REPO}/issues/{ceiling}) · open{MARK} |"), row
    closed = env.issue(ceiling).closed_at
    assert closed is not None
    day = closed.date().isoformat()
    env.replace(WEBHOOK, row, row.replace(f" · open{MARK} |", f" · done {day} |"))
    git(env, "commit", "--quiet", "-am", "Written by an earlier pmsync")

    env.double.reset_log()
    dry = env.push("--dry-run")
    assert dry.code == 0, dry.err
    assert not re.search(rf"reopen\s+#{ceiling}\b", dry.out), dry.out
    run = run_cli(env.capsys, "sync")
    assert run.code == 0, run.err
    assert env.double.writes() == []
    assert env.issue(ceiling).state == "closed"
    assert row_of(env, ceiling).endswith(
        f"| P2 | Done · [#{ceiling}](https://github.com/{REPO}/issues/{ceiling}) · done {day}{MARK} |"
    )
    # Tidied once: the next sync has nothing to write on either side.
    documents = env.documents()
    assert run_cli(env.capsys, "sync").code == 0
    assert env.documents() == documents and env.double.writes() == []


def done_row(env: Env) -> int:
    """The ceiling row closed on GitHub and pulled: `Done · [#N] · done <mark>`, committed."""
    ceiling, _ = linked_table(env)
    env.double.edit_issue(REPO, ceiling, state="closed", state_reason="completed")
    assert run_cli(env.capsys, "sync").code == 0
    assert re.search(rf"\| Done · \[#{ceiling}\]\([^)]+\) · done [\d-]+{MARK} \|$", row_of(env, ceiling))
    git(env, "commit", "--quiet", "-am", "Pulled")
    return ceiling


def test_the_author_writing_open_in_the_status_cell_reopens_the_issue(env: Env) -> None:
    ceiling = done_row(env)
    env.replace(WEBHOOK, f"| Done · [#{ceiling}]", f"| Open · [#{ceiling}]")
    git(env, "commit", "--quiet", "-am", "Not finished after all")

    env.double.reset_log()
    dry = env.push("--dry-run")
    assert dry.code == 0, dry.err
    assert re.search(rf"reopen\s+#{ceiling}\b", dry.out), dry.out
    assert env.double.writes() == [] and env.issue(ceiling).state == "closed"

    run = run_cli(env.capsys, "sync")
    assert run.code == 0, run.err
    assert env.issue(ceiling).state == "open"
    assert row_of(env, ceiling).endswith(
        f"| P2 | Open · [#{ceiling}](https://github.com/{REPO}/issues/{ceiling}) · open{MARK} |"
    )
    env.double.reset_log()
    assert run_cli(env.capsys, "sync").code == 0
    assert env.double.writes() == [] and env.issue(ceiling).state == "open"


def test_open_in_the_status_cell_and_a_change_on_github_is_a_conflict(env: Env) -> None:
    ceiling = done_row(env)
    env.replace(WEBHOOK, f"| Done · [#{ceiling}]", f"| Open · [#{ceiling}]")
    git(env, "commit", "--quiet", "-am", "Not finished after all")
    env.double.edit_issue(REPO, ceiling, state="closed", state_reason="not_planned")
    documents = env.documents()

    env.double.reset_log()
    run = run_cli(env.capsys, "sync")
    assert run.code == 0, run.err
    assert env.double.writes() == [] and env.documents() == documents
    conflicts = [line for line in run.err_lines if line.startswith("conflict: ")]
    assert len(conflicts) == 1, run.err  # once, though push and pull both see it
    expected = f"conflict: postmortems/{WEBHOOK}:75: #{ceiling} is won't do on GitHub but the document says open"
    assert conflicts[0].startswith(expected), conflicts
    assert (env.issue(ceiling).state, env.issue(ceiling).state_reason) == ("closed", "not_planned")
