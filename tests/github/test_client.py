"""The GitHub adapter through real PyGithub against the double: errors, listing, labels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from pmsync.errors import EXIT_AUTH, EXIT_FINDINGS, EXIT_USAGE, AuthError, ConfigError, RemoteError
from pmsync.github.client import GitHubTracker
from pmsync.github.issues import Connection, IssueWrite
from tests.ghdouble import Fault, GitHubDouble
from tests.helpers import run_cli

if TYPE_CHECKING:
    from tests.ghdouble import Issue

REPO = "acme/postmortems"
ITEMS = "# Outage\n\n**Date:** 2024-03-11\n\n## Action items\n\n- Add alerting on replication lag\n- Rotate keys\n"


def tracker(double: GitHubDouble, token: str = "test-token", repo: str = REPO, **options: Any) -> GitHubTracker:
    settings: dict[str, Any] = {"write_delay": 0, "retries": 0, **options}
    return GitHubTracker(Connection(repo, token, api_url=double.url, **settings))


@pytest.fixture
def checkout(github_double: GitHubDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with one postmortem and a pmsync.yaml, for the CLI tests."""
    for name in ("GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "outage.md").write_text(ITEMS, encoding="utf-8")
    config = {"repository": REPO, "paths": ["postmortems/*.md"], "push": {"write_delay": 0}}
    (tmp_path / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- errors, translated -------------------------------------------------------------------------


def test_bad_token_is_an_auth_error(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True)
    with pytest.raises(AuthError) as raised:
        tracker(github_double, token="not-a-token").repository()
    assert raised.value.exit_code == EXIT_AUTH == 4
    assert "401" in raised.value.message


def test_bad_token_exits_4_with_one_line(
    github_double: GitHubDouble, checkout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_repo(REPO, private=True)
    monkeypatch.setenv("GITHUB_TOKEN", "not-a-token")
    run = run_cli(capsys, "push")
    assert run.code == 4
    assert run.err_lines[0].startswith("Error: GitHub rejected the token")
    assert github_double.writes() == []
    assert (checkout / "postmortems" / "outage.md").read_text(encoding="utf-8") == ITEMS


def test_token_without_write_access_exits_4(
    github_double: GitHubDouble, checkout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_repo(REPO, private=True)
    github_double.add_token("read-only", login="reader", write=False)
    monkeypatch.setenv("GITHUB_TOKEN", "read-only")
    run = run_cli(capsys, "push")
    assert run.code == EXIT_AUTH
    assert "403" in run.err and "issues: write" in run.err
    assert github_double.issues(REPO) == []


def test_missing_repository_is_a_config_error(github_double: GitHubDouble) -> None:
    with pytest.raises(ConfigError) as raised:
        tracker(github_double, repo="acme/nope").repository()
    assert raised.value.exit_code == EXIT_USAGE
    assert "acme/nope not found" in raised.value.message


def test_missing_repository_exits_2(
    github_double: GitHubDouble, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "push")
    assert run.code == 2
    assert f"repository {REPO} not found" in run.err
    assert github_double.writes() == []


def test_no_token_is_an_auth_error(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True)
    with pytest.raises(AuthError, match="no GitHub token"):
        tracker(github_double, token="")
    assert github_double.requests == []


def test_archived_repository_is_refused_clearly(
    github_double: GitHubDouble, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_repo(REPO, private=True)
    github_double.archive(REPO)
    run = run_cli(capsys, "push")
    assert run.code == EXIT_FINDINGS
    assert run.err_lines[0] == f"Error: {REPO} is archived and read-only"
    assert github_double.writes() == []


def test_write_to_an_archived_repository_is_a_remote_error(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True)
    github_double.archive(REPO)
    with pytest.raises(RemoteError, match="archived and read-only"):
        tracker(github_double).create_issue(IssueWrite(title="x", body="y"))


def test_unreachable_api_is_a_remote_error() -> None:
    dead = GitHubTracker(Connection(REPO, "t", api_url="http://127.0.0.1:9", write_delay=0, retries=0, timeout=2))
    with pytest.raises(RemoteError, match="cannot reach GitHub"):
        dead.repository()


def test_validation_error_names_the_field(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True, assignees=["alice"])
    with pytest.raises(RemoteError) as raised:
        tracker(github_double).create_issue(IssueWrite(title="x", assignees=("mallory",)))
    assert "422" in raised.value.message and "assignees" in raised.value.message


def test_failed_create_is_not_sent_twice(github_double: GitHubDouble) -> None:
    # GitHub filed the issue but the answer was lost: resending the POST files a
    # second one. The next run finds the first by its marker instead.
    github_double.add_repo(REPO, private=True)
    github_double.inject(Fault(status=502, after=True), match="issues/create")
    with pytest.raises(RemoteError):
        tracker(github_double, retries=5).create_issue(IssueWrite(title="Add alerting", body="text"))
    assert len(github_double.calls("issues/create")) == 1
    assert [i.title for i in github_double.issues(REPO)] == ["Add alerting"]


def test_failed_read_is_retried(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True)
    github_double.inject(Fault(status=502), match="repos/get")
    info = tracker(github_double, retries=2).repository()
    assert info.full_name == REPO and info.private
    assert len(github_double.calls("repos/get")) == 2


# -- labels ---------------------------------------------------------------------------------------


def test_label_that_already_exists_is_fine(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True)
    github_double.add_label(REPO, "PMSync", "000000")
    gh = tracker(github_double)
    assert gh.create_label("incident:x", "fef2c0", "Action items") is True
    assert gh.create_label("incident:x", "fef2c0", "Action items") is False
    assert gh.create_label("pmsync", "5319e7", "managed") is False  # GitHub matches names ignoring case
    assert [r.status for r in github_double.calls("issues/create-label")] == [201, 422, 422]


def test_push_tolerates_labels_that_exist(
    github_double: GitHubDouble, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_repo(REPO, private=True)
    github_double.add_label(REPO, "pmsync", "000000")
    github_double.add_label(REPO, "incident:outage", "000000")
    run = run_cli(capsys, "push")
    assert run.code == 0, run.err
    assert len(github_double.issues(REPO)) == 2
    assert all(set(i.labels) == {"pmsync", "incident:outage"} for i in github_double.issues(REPO))


# -- listing managed issues ------------------------------------------------------------------------


def _fill(double: GitHubDouble, managed: int, other: int = 0) -> None:
    double.add_repo(REPO, private=True)
    for n in range(managed):
        double.add_issue(REPO, f"Managed {n}", labels=["pmsync", "incident:x"], body=f"body {n}")
    for n in range(other):
        double.add_issue(REPO, f"Other {n}", labels=["bug"])


def test_listing_250_managed_issues_takes_3_requests(github_double: GitHubDouble) -> None:
    _fill(github_double, 250, other=20)
    github_double.close_issue(REPO, 3, "not_planned")
    issues = tracker(github_double).list_issues("pmsync")
    assert len(issues) == 250
    assert len({i.number for i in issues}) == 250
    listings = github_double.calls("issues/list-for-repo")
    assert len(listings) == 3
    assert listings[0].query == {"state": "all", "labels": "pmsync", "per_page": "100"}
    assert len(github_double.requests) == 3
    closed = next(i for i in issues if i.number == 3)
    assert (closed.state, closed.state_reason) == ("closed", "not_planned")
    assert closed.closed_at is not None


def test_listing_since(github_double: GitHubDouble) -> None:
    _fill(github_double, 5)
    moment = github_double.clock
    github_double.edit_issue(REPO, 2, title="Edited")
    issues = tracker(github_double).list_issues("pmsync", since=moment)
    assert [i.title for i in issues] == ["Edited"]
    assert github_double.calls("issues/list-for-repo")[0].query["since"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_remote_issue_fields(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True, assignees=["alice", "Bob"])
    milestone = github_double.add_milestone(REPO, "Postmortem: outage")
    github_double.add_issue(
        REPO,
        "Rotate keys",
        body="text",
        labels=["pmsync", "bug", "incident:x"],
        assignees=["Bob", "alice"],
        milestone=milestone.number,
    )
    [issue] = tracker(github_double).list_issues("pmsync")
    assert issue.title == "Rotate keys" and issue.body == "text"
    assert issue.labels == ("bug", "incident:x", "pmsync")
    assert issue.assignees == ("Bob", "alice")
    assert issue.milestone == "Postmortem: outage"
    assert issue.html_url == f"https://github.com/{REPO}/issues/1"
    assert issue.created_at.tzinfo is not None and issue.closed_at is None


def test_pull_requests_in_the_listing_are_ignored(github_double: GitHubDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(github_double, 3)
    render = github_double._api.render
    plain = render.issue

    def with_pull_requests(issue: Issue, *, single: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = plain(issue, single=single)
        if issue.number == 2:  # GitHub's issues API lists pull requests too
            pulls = f"{github_double.url}/repos/{REPO}/pulls/2"
            data["pull_request"] = {
                "url": pulls,
                "html_url": f"https://github.com/{REPO}/pull/2",
                "diff_url": f"https://github.com/{REPO}/pull/2.diff",
                "patch_url": f"https://github.com/{REPO}/pull/2.patch",
                "merged_at": None,
            }
        return data

    monkeypatch.setattr(render, "issue", with_pull_requests)
    issues = tracker(github_double).list_issues("pmsync")
    assert sorted(i.number for i in issues) == [1, 3]


# -- writes ------------------------------------------------------------------------------------------


def test_create_update_comment_and_sub_issue(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True, assignees=["alice"])
    gh = tracker(github_double)
    parent = gh.create_issue(IssueWrite(title="Parent", body="p", labels=("pmsync",)))
    child = gh.create_issue(IssueWrite(title="Child", body="c", labels=("pmsync", "incident:x"), assignees=("alice",)))
    gh.add_sub_issue(parent.number, child.id)
    closed = gh.update_issue(child.number, IssueWrite(state="closed", state_reason="not_planned"))
    gh.comment(child.number, "Closing: the item was removed.")
    assert (closed.state, closed.state_reason) == ("closed", "not_planned")
    assert closed.closed_at is not None
    stored = github_double.issue(REPO, child.number)
    assert stored.parent is github_double.issue(REPO, parent.number)
    assert stored.assignees == ["alice"] and [c.body for c in stored.comments] == ["Closing: the item was removed."]
    # An update sends only the fields it names.
    assert github_double.calls("issues/update")[0].body == {"state": "closed", "state_reason": "not_planned"}


def test_milestones_and_assignable(github_double: GitHubDouble) -> None:
    github_double.add_repo(REPO, private=True, assignees=["alice", "bob"])
    github_double.add_milestone(REPO, "Existing", state="closed")
    gh = tracker(github_double)
    number = gh.create_milestone("Postmortem: outage", dt.date(2024, 5, 1))
    assert gh.milestones() == {"Existing": 1, "Postmortem: outage": number}
    due = github_double.repo(REPO).milestones[number].due_on
    assert due is not None and due.date() == dt.date(2024, 5, 1)
    assert gh.assignable() == frozenset({"alice", "bob"})
