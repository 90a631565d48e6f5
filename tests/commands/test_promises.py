"""Issue 16: the promises an adversarial run broke, one test (or more) per point,
through the CLI, real PyGithub and the GitHub double.

Bad input of the config and the environment (points 9 and 10) is in
`test_bad_input_catalogue.py` with the rest of the catalogue.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.commands.test_remote_surprises import PAYMENTS, REPO, Env
from tests.commands.test_remote_surprises import env as env  # the fixture: a checkout and the double
from tests.ghdouble import Fault, GitHubDouble

# -- 11. every request kind is retried on a secondary rate limit ---------------------------------


@pytest.mark.parametrize("status", [403, 429])
@pytest.mark.parametrize("operation", ["issues/update", "issues/create", "issues/list-for-repo"])
def test_secondary_rate_limit_is_waited_out_for_every_request_kind(
    env: Env,
    status: int,
    operation: str,
) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    env.replace("payments.md", "Rotate the signing keys", "Rotate the signing keys monthly")
    (env.root / "postmortems" / "new.md").write_text(PAYMENTS.replace("Payment", "Billing"), encoding="utf-8")
    env.double.inject(Fault.secondary_rate_limit(retry_after=0, status=status), match=operation)
    run = env.run("push", "--yes")
    assert run.code == 0, run.err
    refused = [r for r in env.double.requests if r.operation == operation and r.fault is not None]
    assert len(refused) == 1, "the fault was never met"
    titles = sorted(issue.title for issue in env.issues())
    assert "Rotate the signing keys monthly" in titles
    assert len(titles) == 6


# -- 2 and 7. documents found once by real path; loops and targets outside refused by name --------


def _config(env: Env, paths: list[str]) -> None:
    config = {"repository": REPO, "paths": paths, "push": {"write_delay": 0}}
    (env.root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def test_folder_symlink_loop_is_named_and_every_item_filed_once(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode(), "billing.md": PAYMENTS.replace("Payment", "Billing").encode()})
    (env.root / "postmortems" / "loop").symlink_to("..")
    _config(env, ["postmortems/**/*.md"])
    scan = env.run("scan", "--format", "json")
    assert sorted(d["path"] for d in json.loads(scan.out)["documents"]) == [
        "postmortems/billing.md",
        "postmortems/payments.md",
    ]
    assert "postmortems/loop" in scan.err and "loops back" in scan.err, scan.err
    assert env.run("push").code == 0
    assert len(env.issues()) == 6
    for _ in range(2):
        env.double.reset_log()
        assert env.run("sync").code == 0
        assert env.double.writes() == [], "sync never settles"
    assert len(env.issues()) == 6 and all(issue.state == "open" for issue in env.issues())
    assert (env.root / "postmortems" / "loop").is_symlink()


def test_absolute_glob_outside_the_checkout_is_refused_by_name(
    env: Env, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.md").write_text(PAYMENTS.replace("Payment", "Theirs"), encoding="utf-8")
    env.setup({"payments.md": PAYMENTS.encode()})
    _config(env, ["postmortems/*.md", f"{outside}/*.md"])
    run = env.run("push")
    assert run.code == 0, run.err
    assert "theirs.md" in run.err and "outside" in run.err, run.err
    assert len(env.issues()) == 3
    assert (outside / "theirs.md").read_text(encoding="utf-8") == PAYMENTS.replace("Payment", "Theirs")


def test_document_symlinked_outside_the_checkout_is_refused_and_left_a_symlink(
    env: Env,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.md").write_text(PAYMENTS.replace("Payment", "Theirs"), encoding="utf-8")
    env.setup({"payments.md": PAYMENTS.encode()})
    (env.root / "postmortems" / "theirs.md").symlink_to(outside / "theirs.md")
    run = env.run("push")
    assert run.code == 0, run.err
    assert "postmortems/theirs.md" in run.err and "outside the repository" in run.err, run.err
    assert len(env.issues()) == 3
    assert (env.root / "postmortems" / "theirs.md").is_symlink()
    assert (outside / "theirs.md").read_text(encoding="utf-8") == PAYMENTS.replace("Payment", "Theirs")


def test_document_named_only_by_a_symlink_inside_is_written_through_it(env: Env) -> None:
    env.setup({})
    (env.root / "archive").mkdir()
    (env.root / "archive" / "payments.md").write_text(PAYMENTS, encoding="utf-8")
    (env.root / "postmortems" / "latest.md").symlink_to(env.root / "archive" / "payments.md")
    assert env.run("push").code == 0
    assert len(env.issues()) == 3
    assert (env.root / "postmortems" / "latest.md").is_symlink(), "the link was replaced by a regular file"
    assert "[#1]" in (env.root / "archive" / "payments.md").read_text(encoding="utf-8")


# -- 6. one mention filter for every owner, group and text reaching GitHub --------------------------

OWNERS = """\
# Paging outage

On 2024-03-01 paging failed.

## Action Items

| Action Item | Owner | Due |
| --- | --- | --- |
| Add a pager heartbeat | Ops (@acme/ops) | 2024-03-05 |
| Rotate the pager keys | @alice @acme/ops | 2024-03-10 |
| Document the escalation | team:@acme/ops, @here | 2024-03-20 |

**Group for @acme/sre:**
- Page @everyone less often
"""
_LIVE_TEAM_MENTION = re.compile(r"(?<![\w`])@(acme/ops|acme/sre|here|everyone)\b")


@pytest.mark.parametrize("allowed", [False, True], ids=["team-mentions-off", "team-mentions-on"])
def test_owner_group_and_text_pass_one_mention_filter(env: Env, allowed: bool) -> None:
    env.setup({"paging.md": OWNERS.encode()}, team_mentions=allowed)
    assert env.run("push").code == 0
    bodies = {issue.title: issue.body for issue in env.issues()}
    assert len(bodies) == 4, sorted(bodies)
    live = {title: _LIVE_TEAM_MENTION.findall(body) for title, body in bodies.items()}
    if allowed:
        assert all(live.values()), live
    else:
        assert not any(live.values()), live
        assert "| **Owner** | alice" in bodies["Rotate the pager keys"]  # the person is kept
        assert "`@acme/ops`" in bodies["Add a pager heartbeat"]
    env.double.reset_log()
    assert env.run("sync").code == 0
    assert env.double.writes() == []


# -- 12. issues deleted, transferred or locked between runs; GitHub Enterprise Server paths ---------


@pytest.mark.parametrize("status", [404, 410])
def test_issue_gone_between_runs_fails_that_item_only_in_one_line(env: Env, status: int) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    gone = env.number_of("payments.md", "Add a canary")
    env.replace("payments.md", "Add a canary for the payment API", "Add a canary for the payments API")
    env.replace("payments.md", "Rotate the signing keys", "Rotate the signing keys monthly")
    documents = env.documents()
    # The listing still has it (the saved snapshot); the write meets a deleted issue.
    message = "Not Found" if status == 404 else "This issue was deleted"
    refusal = {"message": message, "documentation_url": "", "status": str(status)}
    env.double.inject(Fault(status=status, body=refusal), match=("PATCH", f"/repos/{REPO}/issues/{gone}"))
    run = env.run("push")
    assert run.code == 1, run.err
    failed = [line for line in run.out_lines if "FAILED" in line]
    assert len(failed) == 1 and f"#{gone}" in failed[0] and "link" in failed[0], run.out
    assert any(issue.title == "Rotate the signing keys monthly" for issue in env.issues())
    assert env.documents() == documents
    assert len(env.issues()) == 3, "an issue was filed behind the person's back"


def test_transferred_issue_between_runs_files_nothing_and_changes_nothing(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    env.double.add_repo("acme/elsewhere", private=True)
    moved = env.number_of("payments.md", "Add a canary")
    env.double.transfer_issue(REPO, moved, "acme/elsewhere")
    documents = env.documents()
    for command in ("sync", "sync"):
        run = env.run(command)
        assert run.code in (0, 1), run.err
        assert len(env.issues()) == 2, "the moved item was filed again"
    assert len(env.issues("acme/elsewhere")) == 1
    assert env.documents() == documents


def test_locked_issue_between_runs_is_still_kept_in_step(env: Env) -> None:
    """A locked conversation stops comments, not the repository's writers: the edit goes through;
    a comment GitHub refuses on it fails that item in one line and the others go on."""
    env.setup({"payments.md": PAYMENTS.encode()}, close_orphans=True)
    assert env.run("push").code == 0
    locked = env.number_of("payments.md", "Add a canary")
    dropped = env.number_of("payments.md", "Document the failover")
    for number in (locked, dropped):
        env.double.client().get_repo(REPO).get_issue(number).lock("resolved")
    env.replace("payments.md", "Add a canary for the payment API", "Add a canary for the payments API")
    lines = env.read("payments.md").decode().splitlines(keepends=True)
    (env.root / "postmortems" / "payments.md").write_text(
        "".join(line for line in lines if "Document the failover" not in line), encoding="utf-8"
    )
    refusal = {"message": "Unable to create comment because issue is locked.", "documentation_url": "", "status": "403"}
    env.double.inject(Fault(status=403, body=refusal), match=("POST", f"/repos/{REPO}/issues/{dropped}/comments"))
    run = env.run("push", "--yes")
    assert run.code == 1, run.err
    assert env.double.issue(REPO, locked).title == "Add a canary for the payments API"
    failed = [line for line in run.out_lines if "FAILED" in line]
    assert len(failed) == 1 and f"#{dropped}" in failed[0] and "locked" in failed[0], run.out
    assert env.double.issue(REPO, dropped).state == "open"


def test_github_enterprise_server_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GHES serves the API under /api/v3: every request, next-page link included, stays under it."""
    with GitHubDouble(path_prefix="/api/v3") as double:
        monkeypatch.setenv("GITHUB_TOKEN", "test-token")
        monkeypatch.setenv("GITHUB_API_URL", double.url)
        monkeypatch.chdir(tmp_path)
        assert double.url.endswith("/api/v3")
        env = Env(double, tmp_path, capsys)
        env.setup({"payments.md": PAYMENTS.encode()})
        for n in range(120):  # a second page of managed issues: the Link header must carry the prefix
            double.add_issue(REPO, f"filed by hand {n}", labels=["pmsync"])
        assert env.run("push").code == 0
        assert env.run("sync").code == 0
        assert env.run("pull").code == 0
        assert len([i for i in env.issues() if i.title.startswith(("Add", "Rotate", "Document"))]) == 3
        paths = [r.path for r in double.requests]
        assert paths and all(path.startswith("/api/v3/") for path in paths), paths
        assert all(r.status != 404 for r in double.requests)
        assert any("page=2" in r.path or r.query.get("page") == "2" for r in double.requests)
        double.assert_no_violations()


# -- 5. a body rewritten on GitHub is not overwritten --------------------------------------------

DETAILED = """\
# Payment outage

On 2024-03-01 payments failed.

## Action Items

- Add a canary for the payment API
  It should call the API every minute.
- Rotate the signing keys
"""


def test_body_rewritten_on_github_is_kept(env: Env) -> None:
    env.setup({"payments.md": DETAILED.encode()})
    assert env.run("push").code == 0
    number = env.number_of("payments.md", "every minute")  # the link ends the item's text
    theirs = "We now do this with synthetic checks from three regions; see the runbook."
    env.double.edit_issue(REPO, number, body=theirs)  # the hidden marker is gone with the old text

    run = env.run("sync")
    assert run.code == 0, run.err
    body = env.double.issue(REPO, number).body
    assert body.startswith(theirs), body
    assert "every minute" not in body
    env.double.reset_log()
    assert env.run("sync").code == 0
    assert env.double.writes() == [], "the kept body is rewritten on every run"

    # The document's text changes too: both sides changed, a conflict; their text stays.
    env.replace("payments.md", "every minute", "every ten seconds")
    run = env.run("sync")
    assert "conflict" in run.out, run.out
    assert env.double.issue(REPO, number).body.startswith(theirs)
    assert len(env.issues()) == 2


def test_take_document_on_a_body_rewritten_on_github_writes_the_documents(env: Env) -> None:
    """Kept by default; `sync --take document` is the person's explicit choice, and wins."""
    env.setup({"payments.md": DETAILED.encode()})
    assert env.run("push").code == 0
    number = env.number_of("payments.md", "every minute")
    other = env.number_of("payments.md", "Rotate the signing keys")
    env.double.edit_issue(REPO, number, body="Rewritten by a person.")
    env.double.edit_issue(REPO, other, body="Also rewritten by a person.")

    run = env.run("sync", "--take", "document", f"#{number}")
    assert run.code == 0, run.out + run.err
    body = env.double.issue(REPO, number).body
    assert "Rewritten by a person." not in body and "| **Incident** | Payment outage" in body, body
    assert env.double.issue(REPO, other).body.startswith("Also rewritten by a person."), "an item not named was taken"
    env.double.reset_log()
    assert env.run("sync").code == 0
    assert env.double.writes() == []


# -- 4. a reopen on GitHub is not reverted by a stale status cell ---------------------------------

STATUS_TABLE = """\
# Payment outage

On 2024-03-01 payments failed.

## Action Items

| Action Item | Owner | Status |
| --- | --- | --- |
| Add a canary for the payment API | bob | Open |
| Rotate the signing keys | alice | Open |
"""


def test_reopen_on_github_is_not_reverted_by_a_done_status_cell(env: Env) -> None:
    env.setup({"payments.md": STATUS_TABLE.encode()})
    assert env.run("push").code == 0
    number = env.number_of("payments.md", "Add a canary")
    env.replace("payments.md", "| bob | Open", "| bob | Done")
    assert env.run("sync").code == 0
    assert env.double.issue(REPO, number).state == "closed"

    env.double.reopen_issue(REPO, number)  # a person reopens it: the work is not finished
    runs = []
    for _ in range(3):
        run = env.run("sync")
        runs.append(run)
        assert env.double.issue(REPO, number).state == "open", f"the reopen was reverted\n{run.out}{run.err}"
    # Only GitHub changed since they agreed on "done": the reopen is brought into the
    # status cell itself (three-way rule), and the run says so.
    assert f"payments.md:9: #{number} open" in runs[0].out + runs[0].err, runs[0].out + runs[0].err
    text = env.read("payments.md").decode()
    assert "| Add a canary for the payment API | bob | Open ·" in text, text
    assert "| bob | Done" not in text, text
    env.double.reset_log()
    assert env.run("sync").code == 0
    assert env.double.writes() == []


# -- 8. an item edited before its link was saved keeps its issue ------------------------------------


def test_item_edited_while_its_issue_was_filed_keeps_that_issue(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    # The person edits the item while pmsync files it: the save is refused (changed on disk).
    watcher = env.while_held(
        "issues/create",
        lambda: env.replace("payments.md", "Add a canary for the payment API", "Add a canary for the payments API"),
    )
    env.run("push")
    watcher.join(timeout=10)
    assert len(env.issues()) == 3
    assert " · [#" not in env.read("payments.md").decode(), "the links were saved over the edit"

    run = env.run("push")
    assert run.code == 0, run.out + run.err
    assert len(env.issues()) == 3, "the edited item got a second issue"
    assert sorted(issue.title for issue in env.issues())[0] == "Add a canary for the payments API"
    assert env.number_of("payments.md", "Add a canary for the payments API") in {i.number for i in env.issues()}
    env.double.reset_log()
    assert env.run("sync").code == 0
    assert env.double.writes() == []


def test_item_edited_after_a_crash_keeps_its_issue(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    env.double.inject(Fault(drop=True, after=True), match="issues/create")  # filed, but the answer is lost
    env.run("push")
    assert len(env.issues()) == 3
    env.replace("payments.md", "Add a canary for the payment API", "Add a canary probe for the payment API")
    assert env.run("push").code == 0
    assert len(env.issues()) == 3, "the edited item got a second issue"
    assert all(issue.state == "open" for issue in env.issues())


# -- 3. the lease: only a run about to file takes it; a lease left behind expires --------------------


def test_no_op_run_takes_no_lease_and_costs_two_requests(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    assert [r.method for r in env.double.calls("issues/create-label") if "lease" in str(r.body)] == ["POST"]
    assert env.double.repo(REPO).label("pmsync:lease") is None, "the lease was not given back"
    env.double.reset_log()
    assert env.run("push").code == 0
    assert len(env.double.requests) == 2, [(r.method, r.path) for r in env.double.requests]


def test_lease_left_by_a_dead_run_is_taken_over_once_expired(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    env.double.add_label(
        REPO, "pmsync:lease", description="pmsync: a run is filing issues; expires 2001-01-01T00:00:00Z"
    )
    assert env.run("push").code == 0
    assert len(env.issues()) == 3
    assert env.double.repo(REPO).label("pmsync:lease") is None


def test_lease_held_by_another_run_is_waited_for_then_refused_in_one_line(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pmsync.engine.lease import Lease

    env.setup({"payments.md": PAYMENTS.encode()})
    env.double.add_label(
        REPO, "pmsync:lease", description="pmsync: a run is filing issues; expires 2999-01-01T00:00:00Z"
    )
    monkeypatch.setattr(Lease.__init__, "__kwdefaults__", {**Lease.__init__.__kwdefaults__, "wait": 0.3, "poll": 0.1})
    run = env.run("push")
    assert run.code == 1
    assert "another pmsync run is filing issues" in run.err, run.err
    assert env.issues() == []
    assert env.double.repo(REPO).label("pmsync:lease") is not None, "another run's lease was taken away"


def test_lease_taken_by_a_run_of_this_checkout_that_died_is_taken_over_at_once(env: Env) -> None:
    """Runs in one checkout take turns under its lock, so a lease naming this checkout is a dead run's."""
    env.setup({"payments.md": PAYMENTS.encode()})
    env.double.inject(Fault(drop=True, after=True), match="issues/create-label")  # the lease is taken, the answer lost
    assert env.run("push").code != 0
    assert env.double.repo(REPO).label("pmsync:lease") is not None
    assert env.run("push").code == 0
    assert len(env.issues()) == 3
    assert env.double.repo(REPO).label("pmsync:lease") is None


# -- 3 with a person at a terminal: asked once, before the lease; again only if the plan grew -------


def _at_a_terminal(monkeypatch: pytest.MonkeyPatch, answers: list[bool]) -> list[str]:
    """pmsync as if run at a terminal; each question is recorded and answered in turn."""
    import pmsync.cli

    asked: list[str] = []

    def confirm(question: str, **_: object) -> bool:
        asked.append(question)
        return answers.pop(0)

    monkeypatch.setattr(pmsync.cli, "_interactive", lambda: True)
    monkeypatch.setattr(pmsync.cli.click, "confirm", confirm)
    return asked


def test_no_at_the_question_takes_no_lease_and_writes_nothing(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    env.add_item_after("payments.md", "Document the failover", "| Alert on payment errors | bob | 2024-03-25 |")
    asked = _at_a_terminal(monkeypatch, [False])
    env.double.reset_log()
    run = env.run("push")
    assert run.code == 2 and "cancelled: nothing was written" in run.err, run.out + run.err
    assert len(asked) == 1
    assert env.double.writes() == [], "a write (the lease included) before the person answered"
    assert len(env.issues()) == 3


def test_replanning_under_the_lease_asks_again_only_when_the_plan_grew(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    canary = env.number_of("payments.md", "Add a canary")
    env.add_item_after("payments.md", "Document the failover", "| Alert on payment errors | bob | 2024-03-25 |")

    # A person retitles an issue while the run takes the lease: planned again, nothing more to do: no second question.
    asked = _at_a_terminal(monkeypatch, [True])
    env.while_held("issues/create-label", lambda: env.double.edit_issue(REPO, canary, title="Canary for payments"))
    run = env.run("push")
    assert run.code == 0, run.out + run.err
    assert len(asked) == 1, asked
    assert len(env.issues()) == 4

    # A person rewrites a body meanwhile: planning again adds a write (the marker goes back): asked again.
    env.add_item_after("payments.md", "Alert on payment errors", "| Page on refund failures | carol | 2024-03-26 |")
    asked = _at_a_terminal(monkeypatch, [True, False])
    keys = env.number_of("payments.md", "Rotate the signing keys")
    env.double.reset_log()
    env.while_held("issues/create-label", lambda: env.double.edit_issue(REPO, keys, body="Rewritten by a person."))
    run = env.run("push")
    assert len(asked) == 2, asked
    assert run.code == 2 and "cancelled after planning again: no issue was written" in run.err, run.out + run.err
    assert len(env.issues()) == 4
    assert env.double.repo(REPO).label("pmsync:lease") is None, "the lease was not given back"
    assert [r for r in env.double.writes() if "lease" not in str(r.body) and "lease" not in r.path] == []
