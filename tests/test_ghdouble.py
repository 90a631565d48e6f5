"""Tests of the GitHub test double itself, mostly through real PyGithub."""

from __future__ import annotations

import itertools
import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import github
import pytest
import requests
from github import GithubException
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ghdouble import Fault, GitHubDouble
from tests.ghdouble.render import Renderer
from tests.ghdouble.schema import Spec, to_json_schema

if TYPE_CHECKING:
    from github.Repository import Repository

    from tests.ghdouble import Repo

RECORDED = Path(__file__).parent / "ghdouble" / "recorded"
REPO = "acme/postmortems"


@pytest.fixture
def repo(github_double: GitHubDouble) -> Repo:
    return github_double.add_repo(REPO, private=True, assignees=["alice", "bob"])


@pytest.fixture
def gh(github_double: GitHubDouble) -> github.Github:
    return github_double.client(per_page=100)


@pytest.fixture
def remote(gh: github.Github, repo: Repo) -> Repository:
    return gh.get_repo(REPO)


def _raw(gh: github.Github, method: str, path: str, body: Any = None) -> Any:
    """An endpoint PyGithub has no method for, through PyGithub's own requester."""
    _, data = gh.requester.requestJsonAndCheck(method, path, input=body)
    return data


# -- issues ------------------------------------------------------------------------


def test_create_issue_with_labels_assignees_and_milestone(github_double: GitHubDouble, remote: Repository) -> None:
    milestone = remote.create_milestone("Q3 follow-ups")
    created = remote.create_issue(
        "Add DNS failover",
        body="From the 2024-05 outage",
        labels=["postmortem", "bug"],
        assignees=["alice"],
        milestone=milestone,
    )

    fetched = remote.get_issue(created.number)
    assert (fetched.title, fetched.body) == ("Add DNS failover", "From the 2024-05 outage")
    assert [label.name for label in fetched.labels] == ["postmortem", "bug"]
    assert [user.login for user in fetched.assignees] == ["alice"]
    assert fetched.milestone.title == "Q3 follow-ups"
    assert fetched.user.login == "pmsync-bot"
    state = github_double.issue(REPO, created.number)
    assert (state.labels, state.assignees, state.milestone) == (["postmortem", "bug"], ["alice"], 1)
    # A label that did not exist is created with GitHub's default colour.
    assert remote.get_label("postmortem").color == "ededed"


def test_issue_numbers_are_per_repository_and_ids_global(
    github_double: GitHubDouble, gh: github.Github, repo: Repo
) -> None:
    github_double.add_repo("acme/other")
    first = gh.get_repo(REPO).create_issue("one")
    other = gh.get_repo("acme/other").create_issue("two")
    assert first.number == other.number == 1
    assert first.id != other.id


def test_create_rejects_unassignable_login(github_double: GitHubDouble, remote: Repository) -> None:
    with pytest.raises(GithubException) as raised:
        remote.create_issue("x", assignees=["mallory"])
    assert raised.value.status == 422
    assert raised.value.data["errors"] == [
        {"resource": "Issue", "code": "invalid", "field": "assignees", "value": "mallory"}
    ]
    assert github_double.issues(REPO) == []


def test_create_rejects_unknown_milestone(github_double: GitHubDouble, gh: github.Github) -> None:
    github_double.add_repo(REPO)
    with pytest.raises(GithubException) as raised:
        _raw(gh, "POST", f"/repos/{REPO}/issues", {"title": "x", "milestone": 7})
    assert raised.value.status == 422
    assert raised.value.data["errors"][0]["field"] == "milestone"
    with pytest.raises(GithubException) as raised:
        _raw(gh, "POST", f"/repos/{REPO}/issues", {"body": "no title"})
    assert raised.value.status == 422


def test_close_with_reason_and_reopen(github_double: GitHubDouble, remote: Repository) -> None:
    issue = remote.create_issue("Rotate keys")
    github_double.clock = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

    issue.edit(state="closed", state_reason="not_planned")

    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    assert issue.closed_at == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert issue.updated_at == issue.closed_at
    assert issue.closed_by is not None
    assert issue.closed_by.login == "pmsync-bot"
    issue.edit(state="open")
    assert (issue.state, issue.state_reason) == ("open", "reopened")
    assert issue.closed_at is None
    with pytest.raises(GithubException) as raised:
        issue.edit(state="open", state_reason="not_planned")
    assert raised.value.status == 422


def test_updated_at_moves_only_on_real_changes(github_double: GitHubDouble, remote: Repository) -> None:
    issue = remote.create_issue("Same", body="b")
    before = issue.updated_at
    issue.edit(title="Same", body="b")
    assert issue.updated_at == before
    issue.edit(body="changed")
    assert issue.updated_at > before


def test_labels_add_set_remove(remote: Repository) -> None:
    issue = remote.create_issue("Labels")
    issue.add_to_labels("a", "B")
    issue.add_to_labels("b")  # same label, other case: not added twice
    assert [label.name for label in remote.get_issue(issue.number).labels] == ["a", "B"]
    issue.set_labels("c")
    assert [label.name for label in remote.get_issue(issue.number).labels] == ["c"]
    issue.remove_from_labels("c")
    assert remote.get_issue(issue.number).labels == []
    with pytest.raises(GithubException) as raised:
        issue.remove_from_labels("c")
    assert raised.value.status == 404


def test_assignees(remote: Repository) -> None:
    issue = remote.create_issue("Assign")
    issue.add_to_assignees("alice", "mallory")  # GitHub skips unassignable logins here
    assert [user.login for user in issue.assignees] == ["alice"]
    issue.remove_from_assignees("alice")
    assert issue.assignees == []
    assert remote.has_in_assignees("bob")
    assert not remote.has_in_assignees("mallory")
    assert sorted(user.login for user in remote.get_assignees()) == ["alice", "bob"]


def test_milestones(remote: Repository) -> None:
    remote.create_milestone("later", due_on=datetime(2025, 1, 1, tzinfo=UTC))
    remote.create_milestone("sooner", due_on=datetime(2024, 7, 1, tzinfo=UTC))
    remote.create_milestone("done", state="closed")
    assert [m.title for m in remote.get_milestones()] == ["sooner", "later"]
    assert remote.get_milestone(3).state == "closed"
    with pytest.raises(GithubException) as raised:
        remote.create_milestone("later")
    assert raised.value.data["errors"][0]["code"] == "already_exists"


def test_comments(github_double: GitHubDouble, remote: Repository) -> None:
    issue = remote.create_issue("Discuss")
    issue.create_comment("untouched")
    first = issue.create_comment("first")
    github_double.advance(hours=1)
    cutoff = github_double.clock
    issue.create_comment("second")
    first.edit("first, edited")

    assert [c.body for c in issue.get_comments(since=cutoff)] == ["first, edited", "second"]
    assert remote.get_issue(issue.number).comments == 3
    state = github_double.issue(REPO, issue.number)
    assert [(c.body, c.user) for c in state.comments] == [
        ("untouched", "pmsync-bot"),
        ("first, edited", "pmsync-bot"),
        ("second", "pmsync-bot"),
    ]


def test_sub_issues(gh: github.Github, remote: Repository) -> None:
    parent = remote.create_issue("Parent")
    child = remote.create_issue("Child")

    parent.add_sub_issue(child)

    assert [i.number for i in parent.get_sub_issues()] == [child.number]
    assert _raw(gh, "GET", f"/repos/{REPO}/issues/{child.number}/parent")["number"] == 1
    summary = remote.get_issue(parent.number).sub_issues_summary
    assert (summary.total, summary.completed) == (1, 0)
    with pytest.raises(GithubException) as raised:
        child.add_sub_issue(parent)  # would be a cycle
    assert raised.value.status == 422
    parent.remove_sub_issue(child)
    assert list(parent.get_sub_issues()) == []
    with pytest.raises(GithubException) as raised:
        _raw(gh, "GET", f"/repos/{REPO}/issues/{child.number}/parent")
    assert raised.value.status == 404


def test_lock_and_unlock(github_double: GitHubDouble, remote: Repository) -> None:
    issue = remote.create_issue("Heated")
    issue.lock("too heated")
    state = github_double.issue(REPO, issue.number)
    assert (state.locked, state.active_lock_reason) == (True, "too heated")
    issue.unlock()
    assert not github_double.issue(REPO, issue.number).locked


def test_issue_types(github_double: GitHubDouble, gh: github.Github, repo: Repo) -> None:
    assert [t["name"] for t in _raw(gh, "GET", f"/repos/{REPO}/issue-types")] == [
        "Task",
        "Bug",
        "Feature",
    ]
    assert len(_raw(gh, "GET", "/orgs/acme/issue-types")) == 3
    created = _raw(gh, "POST", f"/repos/{REPO}/issues", {"title": "t", "type": "bug"})
    assert created["type"]["name"] == "Bug"
    with pytest.raises(GithubException) as raised:
        _raw(gh, "POST", f"/repos/{REPO}/issues", {"title": "t", "type": "Saga"})
    assert raised.value.status == 422
    github_double.add_repo("someone/personal", owner_type="User")
    with pytest.raises(GithubException) as raised:
        _raw(gh, "GET", "/repos/someone/personal/issue-types")
    assert raised.value.status == 404


def test_authenticated_user_and_rate_limit_endpoint(github_double: GitHubDouble, gh: github.Github) -> None:
    assert gh.get_user().login == "pmsync-bot"
    before = gh.get_rate_limit().resources.core.remaining
    assert gh.get_rate_limit().resources.core.remaining == before  # asking is free


# -- listing ----------------------------------------------------------------------


def test_pagination_of_250_issues_takes_three_requests(
    github_double: GitHubDouble, gh: github.Github, repo: Repo
) -> None:
    for n in range(250):
        github_double.add_issue(repo, f"issue {n}")
    remote = gh.get_repo(REPO)
    github_double.reset_log()

    numbers = [issue.number for issue in remote.get_issues(state="all")]

    assert numbers == list(range(250, 0, -1))
    assert [r.query.get("page", "1") for r in github_double.requests] == ["1", "2", "3"]
    assert all(r.operation == "issues/list-for-repo" for r in github_double.requests)


def test_page_links_reach_every_item_once(github_double: GitHubDouble) -> None:
    session = _session()
    names = itertools.count()

    @settings(max_examples=25, deadline=None)
    @given(count=st.integers(0, 45), per_page=st.integers(1, 12))
    def check(count: int, per_page: int) -> None:
        repo = github_double.add_repo(f"acme/r{next(names)}")
        for n in range(count):
            github_double.add_issue(repo, f"i{n}")
        url: str | None = f"{github_double.url}/repos/{repo.full_name}/issues?per_page={per_page}"
        seen: list[int] = []
        pages = 0
        while url:
            response = session.get(url)
            pages += 1
            seen += [issue["number"] for issue in response.json()]
            url = _links(response.headers.get("Link")).get("next")
        assert sorted(seen) == list(range(1, count + 1))
        assert pages == max(math.ceil(count / per_page), 1)

    check()


def test_label_filter_requires_every_label(github_double: GitHubDouble, remote: Repository) -> None:
    github_double.add_issue(REPO, "both", labels=["postmortem", "sev1"])
    github_double.add_issue(REPO, "one", labels=["postmortem"])
    github_double.add_issue(REPO, "none")

    found = remote.get_issues(labels=["Postmortem", "sev1"])

    assert [i.title for i in found] == ["both"]
    assert sorted(i.title for i in remote.get_issues(labels=["postmortem"])) == ["both", "one"]


def test_since_filter_uses_updated_at(github_double: GitHubDouble, remote: Repository) -> None:
    github_double.add_issue(REPO, "old")
    github_double.add_issue(REPO, "edited later")
    github_double.advance(days=1)
    cutoff = github_double.clock
    github_double.edit_issue(REPO, 2, body="touched")
    github_double.add_issue(REPO, "new")

    assert sorted(i.title for i in remote.get_issues(since=cutoff)) == ["edited later", "new"]


def test_state_filter_and_sort(github_double: GitHubDouble, remote: Repository) -> None:
    for title in ("a", "b", "c"):
        github_double.add_issue(REPO, title)
    github_double.close_issue(REPO, 2, reason="not_planned")
    github_double.edit_issue(REPO, 1, title="a2")

    assert [i.number for i in remote.get_issues()] == [3, 1]
    assert [i.number for i in remote.get_issues(state="closed")] == [2]
    updated = remote.get_issues(state="all", sort="updated", direction="asc")
    assert [i.number for i in updated] == [3, 2, 1]


# -- errors and GitHub's rules ----------------------------------------------------


def test_duplicate_label_answers_like_recorded_validation_error(remote: Repository) -> None:
    recorded = _exchanges("errors.json")[0]["response"]
    remote.create_label("postmortem", "ff0000")

    with pytest.raises(GithubException) as raised:
        remote.create_label("PostMortem", "00ff00")

    assert raised.value.status == 422
    body = raised.value.data
    assert set(body) - {"status"} == set(recorded)
    assert body["message"] == recorded["message"] == "Validation Failed"
    assert body["errors"] == [{"resource": "Label", "code": "already_exists", "field": "name"}]
    assert body["status"] == "422"


def test_unknown_token_and_anonymous_access(github_double: GitHubDouble, repo: Repo) -> None:
    with pytest.raises(github.BadCredentialsException):
        github_double.client("nope").get_repo(REPO)
    anonymous = _session(token=None)
    assert anonymous.get(f"{github_double.url}/repos/{REPO}").status_code == 404  # private
    github_double.add_repo("acme/public")
    assert anonymous.get(f"{github_double.url}/repos/acme/public").status_code == 200
    response = anonymous.post(f"{github_double.url}/repos/acme/public/issues", json={"title": "x"})
    assert response.status_code == 401


def test_read_only_token_cannot_write(github_double: GitHubDouble, repo: Repo) -> None:
    github_double.add_token("reader", login="viewer", write=False)
    remote = github_double.client("reader").get_repo(REPO)
    assert remote.permissions.push is False
    with pytest.raises(GithubException) as raised:
        remote.create_issue("x")
    assert raised.value.status == 403
    assert github_double.issues(REPO) == []


def test_archived_repository_is_read_only(github_double: GitHubDouble, remote: Repository) -> None:
    remote.create_issue("before")
    github_double.archive(REPO)
    with pytest.raises(GithubException) as raised:
        remote.create_issue("after")
    assert (raised.value.status, raised.value.data["message"]) == (
        403,
        "Repository was archived so is read-only.",
    )
    assert remote.get_issue(1).title == "before"


def test_deleted_issue_is_gone_and_transferred_issue_redirects(github_double: GitHubDouble, remote: Repository) -> None:
    github_double.add_issue(REPO, "deleted")
    github_double.add_issue(REPO, "moved")
    github_double.add_repo("acme/elsewhere")
    github_double.add_issue("acme/elsewhere", "already there")
    github_double.delete_issue(REPO, 1)
    moved = github_double.transfer_issue(REPO, 2, "acme/elsewhere")

    with pytest.raises(GithubException) as raised:
        remote.get_issue(1).title  # noqa: B018  (PyGithub fetches lazily)
    assert raised.value.status == 410
    followed = remote.get_issue(2)
    assert (followed.title, followed.number) == ("moved", moved.number)
    assert followed.repository_url.endswith("/repos/acme/elsewhere")
    assert [i.title for i in github_double.issues(REPO)] == []


def test_search_is_served_and_counted(github_double: GitHubDouble, gh: github.Github) -> None:
    github_double.add_repo(REPO)
    github_double.add_issue(REPO, "Sesame seeds", body="no pop")
    github_double.add_issue(REPO, "Doors", body='tried "open sesame"')
    github_double.add_issue(REPO, "Unrelated")
    github_double.close_issue(REPO, 2)

    found = gh.search_issues(f"sesame repo:{REPO} is:open")

    assert [issue.title for issue in found] == ["Sesame seeds"]
    assert len(github_double.calls("search/issues-and-pull-requests")) == 1


def test_human_edits_bump_updated_at_with_the_controllable_clock(github_double: GitHubDouble, repo: Repo) -> None:
    github_double.clock = datetime(2024, 3, 1, tzinfo=UTC)
    issue = github_double.add_issue(repo, "x")
    assert issue.created_at == datetime(2024, 3, 1, tzinfo=UTC)
    github_double.clock = datetime(2024, 3, 3, tzinfo=UTC)
    github_double.close_issue(repo, issue.number, reason="completed")
    assert issue.updated_at == issue.closed_at == datetime(2024, 3, 3, tzinfo=UTC)
    assert github_double.clock > issue.updated_at  # the next change gets a later stamp
    github_double.reopen_issue(repo, issue.number)
    assert (issue.state, issue.state_reason) == ("open", "reopened")
    assert issue.closed_at is None
    assert issue.updated_at > datetime(2024, 3, 3, tzinfo=UTC)


def test_request_log(github_double: GitHubDouble, remote: Repository) -> None:
    github_double.reset_log()
    remote.create_issue("logged", labels=["x"])
    remote.get_issue(1).title  # noqa: B018  (forces the GET)
    assert [(r.method, r.path, r.status) for r in github_double.requests] == [
        ("POST", f"/repos/{REPO}/issues", 201),
        ("GET", f"/repos/{REPO}/issues/1", 200),
    ]
    (write,) = github_double.writes()
    assert write.body == {"title": "logged", "labels": ["x"]}
    assert write.operation == "issues/create"
    assert write.headers["authorization"] == "token test-token"


# -- faults ------------------------------------------------------------------------


def test_status_fault_on_the_nth_request(github_double: GitHubDouble, remote: Repository) -> None:
    github_double.inject(Fault(status=502), at=3)
    remote.create_issue("one")
    remote.create_issue("two")
    with pytest.raises(GithubException) as raised:
        remote.create_issue("three")
    assert raised.value.status == 502
    assert [i.title for i in github_double.issues(REPO)] == ["one", "two"]
    remote.create_issue("four")  # the fault fired once


def test_fault_after_applies_the_write(github_double: GitHubDouble, remote: Repository) -> None:
    github_double.inject(Fault(status=502, after=True), match="issues/create")
    with pytest.raises(GithubException):
        remote.create_issue("lost answer")
    assert [i.title for i in github_double.issues(REPO)] == ["lost answer"]


def test_fault_match_counts_only_matching_requests(github_double: GitHubDouble, remote: Repository) -> None:
    github_double.inject(Fault(status=500), at=2, match=("POST", "/repos/*/issues"))
    remote.create_issue("one")
    remote.get_issue(1).title  # noqa: B018  (a GET does not count)
    with pytest.raises(GithubException):
        remote.create_issue("two")


@pytest.mark.parametrize("after", [False, True])
def test_dropped_connection(github_double: GitHubDouble, remote: Repository, after: bool) -> None:
    github_double.inject(Fault(drop=True, after=after))
    with pytest.raises(requests.exceptions.ConnectionError):
        remote.create_issue("dropped")
    assert len(github_double.issues(REPO)) == (1 if after else 0)
    assert github_double.requests[-1].status is None


def test_timeout_still_applies_the_write(github_double: GitHubDouble, repo: Repo) -> None:
    remote = github_double.client(timeout=1).get_repo(REPO)
    github_double.inject(Fault(delay=1.2))
    with pytest.raises(requests.exceptions.Timeout):
        remote.create_issue("slow")
    deadline = time.monotonic() + 2
    while not github_double.issues(REPO) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [i.title for i in github_double.issues(REPO)] == ["slow"]


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit(github_double: GitHubDouble, remote: Repository, status: int) -> None:
    github_double.inject(Fault.secondary_rate_limit(retry_after=7, status=status))
    with pytest.raises(GithubException) as raised:
        remote.create_issue("x")
    assert raised.value.status == status
    assert raised.value.headers is not None
    assert raised.value.headers["retry-after"] == "7"
    assert raised.value.data["message"].startswith("You have exceeded a secondary rate limit")


def test_primary_rate_limit(github_double: GitHubDouble, remote: Repository) -> None:
    reset = int((github_double.clock + timedelta(minutes=5)).timestamp())
    github_double.rate_limit(remaining=1, reset=reset)
    remote.create_issue("last allowed")
    with pytest.raises(github.RateLimitExceededException) as raised:
        remote.create_issue("refused")
    assert raised.value.headers is not None
    assert raised.value.headers["x-ratelimit-remaining"] == "0"
    assert raised.value.headers["x-ratelimit-reset"] == str(reset)
    github_double.advance(minutes=5)
    remote.create_issue("after reset")
    assert [i.title for i in github_double.issues(REPO)] == ["last allowed", "after reset"]


def test_fault_needs_something_to_do() -> None:
    with pytest.raises(ValueError, match="needs"):
        Fault()


# -- recorded exchanges ------------------------------------------------------------

ORG = "octokit-fixture-org"
# Fields GitHub added after the fixtures were recorded (2017-2022) and that
# its current OpenAPI description documents; everything else must match.
NEWER_FIELDS = {
    "type",
    "sub_issues_summary",
    "parent_issue_url",
    "has_discussions",
    "search_type",
    "status",
}
RATE_LIMIT_HEADERS = ("limit", "remaining", "reset", "used", "resource")


def _seed_recorded(double: GitHubDouble, scenario: str) -> Repo:
    name = "hello-world" if scenario == "get-repository" else scenario
    repo = double.add_repo(f"{ORG}/{name}")
    if scenario == "paginate-issues":
        for n in range(1, 14):
            double.add_issue(repo, f"Test issue {n}")
    elif scenario == "lock-issue":
        double.add_issue(repo, "Lock me")
    elif scenario == "search-issues":
        double.add_issue(repo, "The doors don't open", body='I tried "open sesame" in vain')
        double.add_issue(repo, "Sesame seeds split without a pop!", body="No pop 😭")
        double.add_issue(repo, "Unrelated")
    return repo


def _exchanges(filename: str) -> list[dict[str, Any]]:
    exchanges: list[dict[str, Any]] = json.loads((RECORDED / filename).read_text("utf-8"))
    return exchanges


def _shape(body: Any) -> Any:
    if isinstance(body, dict):
        return set(body)
    if isinstance(body, list):
        return (len(body), set().union(*(_shape(item) for item in body)) if body else set())
    return body or None


def _links(header: str | None) -> dict[str, str]:
    links: dict[str, str] = {}
    for part in (header or "").split(", "):
        if part:
            url, rel = part.split("; ")
            links[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return links


@pytest.mark.parametrize("filename", sorted(p.name for p in RECORDED.glob("*.json")))
def test_replay_recorded_exchanges(github_double: GitHubDouble, filename: str) -> None:
    repo = _seed_recorded(github_double, filename.removesuffix(".json"))
    session = _session()
    for exchange in _exchanges(filename):
        path = exchange["path"].replace("/repositories/1000/", f"/repositories/{repo.id}/")
        body = exchange["body"] or None
        response = session.request(exchange["method"].upper(), github_double.url + path, json=body)
        what = f"{exchange['method'].upper()} {exchange['path']}"

        assert response.status_code == exchange["status"], what
        ours = _shape(response.json() if response.content else None)
        theirs = _shape(exchange["response"])
        if isinstance(ours, tuple):
            assert ours[0] == theirs[0], what
            ours, theirs = ours[1], theirs[1]
        if isinstance(ours, set):
            assert theirs - ours == set(), what
            assert ours - theirs <= NEWER_FIELDS, what
        else:
            assert ours == theirs, what

        recorded = exchange["headers"]
        for name in RATE_LIMIT_HEADERS:
            assert f"x-ratelimit-{name}" in response.headers, what
        assert response.headers["x-ratelimit-resource"] == recorded["x-ratelimit-resource"]
        assert response.headers["x-ratelimit-limit"] == recorded["x-ratelimit-limit"]
        assert response.headers["x-ratelimit-remaining"].isdigit()
        assert response.headers["x-ratelimit-reset"].isdigit()
        for name in ("content-type", "etag", "location"):
            assert (name in response.headers) == (name in recorded), f"{what}: {name}"
        if "content-type" in recorded:
            assert response.headers["content-type"] == recorded["content-type"]
        assert _link_form(response.headers.get("link"), github_double.url, repo) == _link_form(
            recorded.get("link"), "https://api.github.com", None
        ), what


def _link_form(header: str | None, base: str, repo: Repo | None) -> list[tuple[str, str, Any]]:
    """(rel, path, query) per link, in order, with the repository id normalised."""
    form = []
    for rel, url in _links(header).items():
        assert url.startswith(base + "/"), url
        parts = urlsplit(url)
        path = parts.path if repo is None else parts.path.replace(f"/{repo.id}/", "/1000/")
        form.append((rel, path, parse_qsl(parts.query)))
    return form


def _session(token: str | None = "test-token") -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = "application/vnd.github+json"
    if token is not None:
        session.headers["Authorization"] = f"token {token}"
    return session


# -- response validation ------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec.load()


def _issue_example(spec: Spec) -> dict[str, Any]:
    example = spec.document["components"]["examples"]["issue"]["value"]
    copy: dict[str, Any] = json.loads(json.dumps(example))
    return copy


def test_validator_accepts_a_documented_issue(spec: Spec) -> None:
    assert spec.response_errors("issues/get", 200, _issue_example(spec)) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda issue: issue.pop("number"), "'number' is a required property"),
        (lambda issue: issue.update(title=None), "$.title"),
        (lambda issue: issue.update(state_reason="fixed"), "$.state_reason"),
        (lambda issue: issue.update(closed_at="yesterday"), "$.closed_at"),
        (lambda issue: issue["labels"].append(7), "$.labels[1]"),
    ],
)
def test_validator_rejects_broken_issue(spec: Spec, change: Any, complaint: str) -> None:
    issue = _issue_example(spec)
    change(issue)
    errors = spec.response_errors("issues/get", 200, issue)
    assert errors
    assert complaint in "\n".join(errors)


def test_validator_rejects_undocumented_status_and_bodies(spec: Spec) -> None:
    assert spec.response_errors("issues/get", 202, {}) != []
    assert spec.response_errors("issues/check-user-can-be-assigned", 204, {"x": 1}) != []
    assert spec.response_errors("issues/get", 404, {"message": 404}) != []


# Examples in GitHub's description that are themselves incomplete (they elide
# fields with "..." or omit required ones); every other example must pass.
BROKEN_EXAMPLES = {
    ("repos/get", "full-repository-default-response"),
    ("search/issues-and-pull-requests", "issue-search-result-item-paginated-lexical-fallback"),
}


def _example(spec: Spec, example: dict[str, Any]) -> tuple[str, Any]:
    """(name, value) of an example, following its $refs (GitHub nests them)."""
    name = "inline"
    while "$ref" in example or "$ref" in example.get("value", {}):
        ref = example.get("$ref") or example["value"]["$ref"]
        name = ref.rsplit("/", 1)[1]
        example = spec.document["components"]["examples"][name]
    return name, example["value"]


def test_validator_accepts_githubs_own_examples(spec: Spec) -> None:
    checked = set()
    for methods in spec.document["paths"].values():
        for method, operation in methods.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                for example in content.get("examples", {}).values():
                    name, value = _example(spec, example)
                    errors = spec.response_errors(operation["operationId"], int(status), value)
                    broken = (operation["operationId"], name) in BROKEN_EXAMPLES
                    assert bool(errors) == broken, (operation["operationId"], name, errors[:3])
                    checked.add(name)
    assert {"issue", "issue-items", "label", "milestone", "issue-comment"} <= checked


def test_nullable_becomes_json_schema() -> None:
    converted = to_json_schema({"type": "string", "enum": ["a"], "nullable": True})
    assert converted == {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}]}
    # A property named "nullable" is a schema, not the keyword.
    assert to_json_schema({"properties": {"nullable": {"type": "boolean"}}}) == {
        "properties": {"nullable": {"type": "boolean"}}
    }


def test_double_reports_a_response_that_breaks_the_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_issue = Renderer.issue

    def without_number(self: Renderer, issue: Any, *, single: bool = True) -> dict[str, Any]:
        body = real_issue(self, issue, single=single)
        del body["number"]
        return body

    monkeypatch.setattr(Renderer, "issue", without_number)
    with GitHubDouble() as double:
        double.add_repo(REPO)
        double.add_issue(REPO, "x")
        assert _session().get(f"{double.url}/repos/{REPO}/issues/1").status_code == 200
        assert any("'number' is a required property" in v for v in double.violations)
        with pytest.raises(AssertionError, match="invalid responses"):
            double.assert_no_violations()
        double.violations.clear()


def test_double_reports_its_own_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self: Renderer, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(Renderer, "repository", crash)
    with GitHubDouble() as double:
        double.add_repo(REPO)
        assert _session().get(f"{double.url}/repos/{REPO}").status_code == 500
        assert "boom" in double.violations[0]
        double.violations.clear()
