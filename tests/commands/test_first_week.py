"""A team's first week with pmsync (issue 14), end to end through real PyGithub
against the GitHub double: importing postmortems that record finished work,
offline runs after online ones, paths that match nothing, GitHub's refusals,
group headings that name the kind of work."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.commands.test_push import REPO, Env
from tests.commands.test_push import env as env  # the fixture: a checkout and a repository in the double
from tests.helpers import run_cli

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

- Dashboard for refresh latency @lchen
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


# -- 1. importing postmortems that already record finished work --------------------------------


def test_done_items_are_not_filed_by_default_and_report_uses_the_document_dates(env: Env) -> None:
    imported(env)
    run = env.push()
    assert run.code == 0, run.err
    assert re.search(r"skip\s+'Add jitter to cache expiry.*\(done in document\)", run.out), run.out
    assert re.search(r"skip\s+'Alert on cache hit rate.*\(done in document\)", run.out), run.out
    assert sorted(issue.title for issue in env.issues()) == [
        "Cap concurrent refreshes per key",
        "Dashboard for refresh latency",
        "Write a runbook for cache warmup",
    ]
    text = env.read(IMPORTED).decode()
    assert "Add jitter to cache expiry @rmensah due 2024-03-10 (done 2024-03-05)\n" in text  # left as written
    # Done by the document's days: 2024-03-05 (due 03-10, in time), 2024-03-15 (due 03-08, late),
    # 4 and 14 days after the incident; never 0 days, never the day of the import.
    figures = report(env)
    assert (figures["done"], figures["percent_done_in_time"], figures["median_days_to_close"]) == (2, 50.0, 9.0)
    assert report(env, "--offline")["median_days_to_close"] == 9.0


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
    assert "kind:detect" in env.titled("Dashboard for refresh latency").labels
    assert not [label for label in env.titled("Write a runbook").labels if label.startswith("kind:")]
