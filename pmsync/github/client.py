"""The Tracker protocol over GitHub's REST API, through PyGithub.

The only module that imports PyGithub (and requests): commands import it when
they talk to GitHub, so `pmsync scan` and `pmsync --help` never load it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import github
import requests.utils
from github.GithubException import GithubException
from github.GithubRetry import GithubRetry
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import RequestException

from pmsync.errors import AuthError, ConfigError, RemoteError
from pmsync.github.issues import Connection, IssueWrite, RemoteIssue, RepoInfo, remote_issue


class GitHubTracker:
    """The Tracker protocol over GitHub's REST API, through PyGithub."""

    def __init__(self, connection: Connection, *, on_request: Callable[[str, str], None] | None = None) -> None:
        if not connection.token:
            raise AuthError(
                "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`",
                "in GitHub Actions, pass `GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` in `env:`",
            )
        self._connection = connection
        retry = _Retry(total=connection.retries, backoff_factor=0.5, secondary_rate_wait=60)
        self._github = github.Github(
            auth=github.Auth.Token(connection.token),
            base_url=connection.api_url.rstrip("/"),
            per_page=100,
            timeout=int(connection.timeout),
            retry=retry,
            seconds_between_requests=0,
            seconds_between_writes=connection.write_delay,
            lazy=True,
            user_agent="pmsync",
        )
        self._on_request = on_request

    @property
    def repo(self) -> str:
        return self._connection.repo

    def close(self) -> None:
        self._github.close()

    # -- plumbing ------------------------------------------------------------

    def _path(self, suffix: str = "") -> str:
        return f"/repos/{self._connection.repo}{suffix}"

    def _call(self, verb: str, url: str, *, parameters: dict[str, Any] | None = None, body: Any = None) -> Any:
        return self._call_with_headers(verb, url, parameters=parameters, body=body)[1]

    def _call_with_headers(
        self, verb: str, url: str, *, parameters: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[dict[str, Any], Any]:
        if self._on_request is not None:
            self._on_request(verb, url)
        try:
            headers, data = self._github.requester.requestJsonAndCheck(verb, url, parameters=parameters, input=body)
        except GithubException as err:
            raise self._translate(err, verb, url) from None
        except (RequestsConnectionError, RequestException, OSError) as err:
            raise RemoteError(
                f"cannot reach GitHub at {self._connection.api_url}: {type(err).__name__}",
                "check the network, or GITHUB_API_URL / `api_url` for GitHub Enterprise Server",
            ) from None
        return headers, data

    def _translate(self, err: GithubException, verb: str, url: str) -> Exception:
        message = ""
        if isinstance(err.data, dict):
            message = str(err.data.get("message") or "")
        repo = self._connection.repo
        status = err.status
        if status == 401:
            return AuthError(
                "GitHub rejected the token (401 Bad credentials)", "create a new token and set GITHUB_TOKEN"
            )
        if status == 403 and "archived" in message.lower():
            return RemoteError(f"{repo} is archived and read-only: {verb} {url} refused")
        if status == 403 and "locked" in message.lower():
            return RemoteError(f"{verb} {url}: the issue is locked ({message})", "unlock it on GitHub")
        if status == 403 and "rate limit" in message.lower():
            return RemoteError(
                "GitHub rate limit reached and retries ran out", "the run can be repeated later: it resumes safely"
            )
        if status == 403:
            return AuthError(
                f"the token may not {verb} {url} on {repo} (403 {message or 'Forbidden'})",
                "the token needs `issues: write` (and `contents: read`) on the repository",
            )
        if status == 410:
            return RemoteError(f"{verb} {url}: the issue was deleted on GitHub", "remove its link from the document")
        if status == 404 and re.search(r"/issues/\d+(/[a-z_]+)?$", url.split("?")[0]):
            # One issue gone: that item's failure, not the run's.
            return RemoteError(
                f"{verb} {url}: the issue is gone (deleted, or the token can no longer see it)",
                "remove its link from the document to file the item again",
            )
        if status == 404 and self._repository_level(url):
            return ConfigError(
                f"repository {repo} not found, or the token cannot see it",
                "check `repository` in pmsync.yaml (or GITHUB_REPOSITORY) and the token's access",
            )
        detail = message or "no message"
        if status == 422 and isinstance(err.data, dict) and err.data.get("errors"):
            detail += f" ({err.data['errors']})"
        return RemoteError(f"GitHub answered {status} to {verb} {url}: {detail}")

    def _repository_level(self, url: str) -> bool:
        """The repository itself or one of its listings (issues, labels, milestones,
        assignees): a 404 there means the repository is missing or hidden from the token."""
        path = url.split("?", 1)[0].rstrip("/")
        if path.startswith(("http://", "https://")):
            path = "/repos/" + path.split("/repos/", 1)[-1] if "/repos/" in path else path
        base = self._path()
        if path == base:
            return True
        rest = path[len(base) :] if path.startswith(base + "/") else None
        return rest is not None and rest.strip("/") in ("issues", "labels", "milestones", "assignees")

    def _pages(self, url: str, parameters: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a paginated listing, a page at a time, following GitHub's
        Link headers. Not PyGithub's PaginatedList: it keeps every page it fetched,
        which for 75,000 issues is hundreds of megabytes held until the end."""
        next_url: str | None = url
        page_parameters: dict[str, Any] | None = parameters
        while next_url is not None:
            headers, data = self._call_with_headers("GET", next_url, parameters=page_parameters)
            yield from data if isinstance(data, list) else []
            links = requests.utils.parse_header_links(str(headers.get("link") or ""))
            next_url = next((str(link["url"]) for link in links if link.get("rel") == "next"), None)
            page_parameters = None  # the next link carries them

    # -- the protocol ----------------------------------------------------------

    def repository(self) -> RepoInfo:
        headers, data = self._call_with_headers("GET", self._path())
        try:
            server_time: dt.datetime | None = email.utils.parsedate_to_datetime(str(headers.get("date")))
        except (TypeError, ValueError):
            server_time = None
        return RepoInfo(
            full_name=str(data.get("full_name") or self._connection.repo),
            private=bool(data.get("private")),
            archived=bool(data.get("archived")),
            html_url=str(data.get("html_url") or f"{self._connection.server_url}/{self._connection.repo}"),
            server_time=server_time,
            default_branch=str(data["default_branch"]) if data.get("default_branch") else None,
        )

    def list_issues(self, label: str, since: dt.datetime | None = None, *, bodies: bool = True) -> list[RemoteIssue]:
        """The issues with `label`; with `bodies=False` each keeps only its body's hash and marker."""
        parameters: dict[str, Any] = {"state": "all", "labels": label, "per_page": 100}
        if since is not None:
            parameters["since"] = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        issues = (
            remote_issue(data)
            for data in self._pages(self._path("/issues"), parameters)
            if "pull_request" not in data  # the issues API lists pull requests too
        )
        return [issue if bodies else issue.without_body() for issue in issues]

    def create_issue(self, write: IssueWrite) -> RemoteIssue:
        return remote_issue(self._call("POST", self._path("/issues"), body=write.payload()))

    def update_issue(self, number: int, write: IssueWrite) -> RemoteIssue:
        return remote_issue(self._call("PATCH", self._path(f"/issues/{number}"), body=write.payload()))

    def get_issue(self, number: int) -> RemoteIssue:
        return remote_issue(self._call("GET", self._path(f"/issues/{number}")))

    def create_label(self, name: str, color: str, description: str) -> bool:
        """Create a label; False when it already exists (which is fine)."""
        try:
            self._call("POST", self._path("/labels"), body={"name": name, "color": color, "description": description})
        except RemoteError as err:
            if "already_exists" in str(err):
                return False
            raise
        return True

    def label_description(self, name: str) -> str | None:
        """A label's description; None when there is no such label."""
        try:
            data = self._call("GET", self._path(f"/labels/{quote(name, safe='')}"))
        except RemoteError as err:
            if " 404 " in str(err):
                return None
            raise
        return str(data.get("description") or "")

    def delete_label(self, name: str) -> None:
        try:
            self._call("DELETE", self._path(f"/labels/{quote(name, safe='')}"))
        except RemoteError as err:
            if " 404 " not in str(err):
                raise  # a label already gone is what was wanted

    def labels(self) -> frozenset[str]:
        return frozenset(str(label["name"]) for label in self._pages(self._path("/labels"), {"per_page": 100}))

    def assignable(self) -> frozenset[str]:
        return frozenset(str(user["login"]) for user in self._pages(self._path("/assignees"), {"per_page": 100}))

    def milestones(self) -> dict[str, int]:
        return {str(m["title"]): int(m["number"]) for m in self._pages(self._path("/milestones"), {"state": "all"})}

    def create_milestone(self, title: str, due: dt.date | None) -> int:
        body: dict[str, Any] = {"title": title}
        if due is not None:
            body["due_on"] = f"{due.isoformat()}T23:59:59Z"
        return int(self._call("POST", self._path("/milestones"), body=body)["number"])

    def add_sub_issue(self, parent: int, child_id: int) -> None:
        self._call("POST", self._path(f"/issues/{parent}/sub_issues"), body={"sub_issue_id": child_id})

    def comment(self, number: int, body: str) -> None:
        self._call("POST", self._path(f"/issues/{number}/comments"), body={"body": body})

    def comments(self, number: int) -> list[str]:
        return [str(c.get("body") or "") for c in self._pages(self._path(f"/issues/{number}/comments"), {})]

    def add_labels(self, number: int, labels: tuple[str, ...]) -> None:
        self._call("POST", self._path(f"/issues/{number}/labels"), body={"labels": list(labels)})

    def remove_label(self, number: int, label: str) -> None:
        try:
            self._call("DELETE", self._path(f"/issues/{number}/labels/{quote(label, safe='')}"))
        except RemoteError as err:
            if " 404 " not in str(err):
                raise  # a label already gone is what was wanted


_WRITES = frozenset({"POST", "PATCH"})  # urllib3 retries neither by default: every other verb is retried


class _Retry(GithubRetry):
    """GitHub's retries for every request kind, except that a write (POST, PATCH)
    is never sent twice after a server error or a lost answer: it may have been
    applied, and a second create would file a duplicate (the next run finds such
    an issue by its marker). Rate-limit refusals (403 with Retry-After or a rate
    limit message, 429) are retried for writes too: nothing was applied."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() in _WRITES:
            return status_code in (403, 429) and bool(self.total)
        return bool(super().is_retry(method, status_code, has_retry_after))

    def _is_method_retryable(self, method: str) -> bool:
        # urllib3 asks this for read errors and timeouts too: a write is not retried then.
        return method.upper() not in _WRITES and bool(super()._is_method_retryable(method))
