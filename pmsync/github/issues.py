"""Issues as plain values, and the Tracker protocol the engine talks to.

Nothing here imports PyGithub (that is `pmsync.github.client`'s job), so plans
can be computed and tested without a network, commands that never talk to
GitHub do not pay for its client, and a test double of the protocol is a few lines.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from pmsync.github.content import Marker, body_content, content_hash, parse_marker

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"


@dataclass(frozen=True)
class RepoInfo:
    full_name: str
    private: bool
    archived: bool
    html_url: str
    server_time: dt.datetime | None = None  # GitHub's clock when it answered: this run's start
    default_branch: str | None = None


@dataclass(frozen=True, slots=True)
class RemoteIssue:
    number: int
    id: int
    title: str
    body: str
    state: Literal["open", "closed"]
    state_reason: str | None
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    milestone: str | None
    html_url: str
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    locked: bool = False
    content_hash: str | None = None  # of the body without its marker, when the body text is not at hand
    body_known: bool = True  # False: the body was not fetched (loaded from pmsync.state.json)
    # pmsync's marker, read from `body` once here (every run consults it several times
    # per issue); given instead only when the body is not known.
    marker: Marker | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.body_known:
            # Always derived from the body, so a copy made with a new body has the new marker.
            object.__setattr__(self, "marker", parse_marker(self.body))

    def without_body(self) -> RemoteIssue:
        """The issue as the state file keeps it: hash and marker, not the body text,
        which for tens of thousands of issues is the bulk of a run's memory."""
        if not self.body_known:
            return self
        return replace(self, body="", body_known=False, content_hash=self.body_hash(), marker=self.marker)

    def body_hash(self) -> str:
        """The hash of the body without its marker, as content_hash computes it."""
        return self.content_hash or content_hash(body_content(self.body))


@dataclass(frozen=True)
class IssueWrite:
    """Fields to send; None means 'leave as it is'."""

    title: str | None = None
    body: str | None = None
    labels: tuple[str, ...] | None = None
    assignees: tuple[str, ...] | None = None
    milestone: int | None = None
    state: Literal["open", "closed"] | None = None
    state_reason: Literal["completed", "not_planned", "duplicate", "reopened"] | None = None
    type: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in ("title", "body", "milestone", "state", "state_reason", "type"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.labels is not None:
            data["labels"] = list(self.labels)
        if self.assignees is not None:
            data["assignees"] = list(self.assignees)
        return data

    def is_empty(self) -> bool:
        return not self.payload()


class Tracker(Protocol):
    """What pmsync needs from an issue tracker."""

    @property
    def repo(self) -> str: ...

    def repository(self) -> RepoInfo: ...

    def list_issues(
        self, label: str, since: dt.datetime | None = None, *, bodies: bool = True
    ) -> list[RemoteIssue]: ...

    def create_issue(self, write: IssueWrite) -> RemoteIssue: ...

    def update_issue(self, number: int, write: IssueWrite) -> RemoteIssue: ...

    def get_issue(self, number: int) -> RemoteIssue: ...

    def create_label(self, name: str, color: str, description: str) -> bool: ...

    def labels(self) -> frozenset[str]: ...

    def label_description(self, name: str) -> str | None: ...

    def delete_label(self, name: str) -> None: ...

    def assignable(self) -> frozenset[str]: ...

    def milestones(self) -> dict[str, int]: ...

    def create_milestone(self, title: str, due: dt.date | None) -> int: ...

    def add_sub_issue(self, parent: int, child_id: int) -> None: ...

    def comment(self, number: int, body: str) -> None: ...

    def comments(self, number: int) -> list[str]: ...

    def add_labels(self, number: int, labels: tuple[str, ...]) -> None: ...

    def remove_label(self, number: int, label: str) -> None: ...


@dataclass(frozen=True)
class Connection:
    """Where and how to reach GitHub, from the config and the environment."""

    repo: str
    token: str | None = field(repr=False)
    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    write_delay: float = 1.0
    timeout: float = 20.0
    retries: int = 5


def find_token(environ: dict[str, str] | None = None) -> str | None:
    """GITHUB_TOKEN, else GH_TOKEN, else what the `gh` CLI is logged in with."""
    env = os.environ if environ is None else environ
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        value = env.get(name, "").strip()
        if value:
            return value
    gh = shutil.which("gh")
    if gh:
        try:
            result = subprocess.run([gh, "auth", "token"], capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        token = result.stdout.strip()
        if result.returncode == 0 and token:
            return token
    return None


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def remote_issue(data: dict[str, Any]) -> RemoteIssue:
    milestone = data.get("milestone") or None
    created = _parse_time(data.get("created_at")) or dt.datetime.now(dt.UTC)
    return RemoteIssue(
        number=int(data["number"]),
        id=int(data["id"]),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        state="closed" if data.get("state") == "closed" else "open",
        state_reason=data.get("state_reason"),
        labels=tuple(sorted(str(label["name"]) for label in data.get("labels") or [] if isinstance(label, dict))),
        assignees=tuple(sorted(str(user["login"]) for user in data.get("assignees") or [])),
        milestone=str(milestone["title"]) if isinstance(milestone, dict) else None,
        html_url=str(data.get("html_url") or ""),
        created_at=created,
        updated_at=_parse_time(data.get("updated_at")) or created,
        closed_at=_parse_time(data.get("closed_at")),
        locked=bool(data.get("locked")),
    )
