"""In-memory state of the GitHub double: plain objects tests can read and assert on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from datetime import datetime, timedelta

# GitHub's default label set for a new repository, in the order it lists them.
DEFAULT_LABELS = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)

# The issue types GitHub gives every new organization.
DEFAULT_ISSUE_TYPES = (
    ("Task", "A specific piece of work", "yellow"),
    ("Bug", "An unexpected problem or behavior", "red"),
    ("Feature", "A request, idea, or new functionality", "blue"),
)


@dataclass(eq=False)
class User:
    login: str
    id: int
    type: str = "User"  # or "Organization"


@dataclass(eq=False)
class Token:
    token: str
    login: str
    write: bool


@dataclass(eq=False)
class IssueType:
    id: int
    name: str
    description: str | None
    color: str | None
    created_at: datetime


@dataclass(eq=False)
class Label:
    id: int
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass(eq=False)
class Milestone:
    id: int
    number: int
    title: str
    description: str | None
    state: str
    due_on: datetime | None
    creator: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


@dataclass(eq=False)
class Comment:
    id: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime
    issue: Issue = field(repr=False)


@dataclass(eq=False)
class Issue:
    """One issue. `labels` and `assignees` hold names; `milestone` a number."""

    id: int
    number: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    repo: Repo = field(repr=False)
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    type: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    locked: bool = False
    active_lock_reason: str | None = None
    comments: list[Comment] = field(default_factory=list)
    # Links both ways, kept out of repr so printing an issue does not recurse.
    parent: Issue | None = field(default=None, repr=False)
    sub_issues: list[Issue] = field(default_factory=list, repr=False)
    deleted: bool = False
    # Set when a human moved the issue to another repository (answers 301).
    transferred_to: Issue | None = field(default=None, repr=False)


@dataclass(eq=False)
class Repo:
    id: int
    owner: User
    name: str
    private: bool
    created_at: datetime
    assignees: list[str] = field(default_factory=list)
    archived: bool = False
    labels: list[Label] = field(default_factory=list)
    milestones: dict[int, Milestone] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def label(self, name: str) -> Label | None:
        # GitHub matches label names case-insensitively.
        wanted = name.casefold()
        return next((label for label in self.labels if label.name.casefold() == wanted), None)

    def require_label(self, name: str) -> Label:
        label = self.label(name)
        if label is None:
            raise KeyError(f"{self.full_name} has no label {name!r}")
        return label

    def live_issues(self) -> Iterator[Issue]:
        """Issues the API still shows: not deleted, not moved elsewhere."""
        return (issue for issue in self.issues.values() if not issue.deleted and issue.transferred_to is None)

    def next_issue_number(self) -> int:
        return max(self.issues, default=0) + 1

    def next_milestone_number(self) -> int:
        return max(self.milestones, default=0) + 1


# Fields whose change makes GitHub bump an issue's updated_at.
def _snapshot(issue: Issue) -> tuple[object, ...]:
    return (
        issue.title,
        issue.body,
        issue.state,
        issue.state_reason,
        tuple(issue.labels),
        tuple(issue.assignees),
        issue.milestone,
        issue.type,
        issue.locked,
    )


class World:
    """Everything the double knows, and the changes GitHub makes to it.

    Both the HTTP handlers and the test-facing "act as a human" methods go
    through here, so an edit looks the same whichever side made it. The
    clock stamps each change and then moves on by `tick`, so updated_at
    strictly increases from one change to the next.
    """

    def __init__(self, clock: datetime, tick: timedelta) -> None:
        self.clock = clock
        self.tick = tick
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, Token] = {}
        self.issue_types: dict[str, list[IssueType]] = {}
        self._last_id = 0

    def new_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _changed(self) -> None:
        self.clock += self.tick

    def user(self, login: str, kind: str = "User") -> User:
        found = self.users.get(login.casefold())
        if found is None:
            found = self.users[login.casefold()] = User(login, self.new_id(), kind)
        return found

    def add_repo(
        self,
        full_name: str,
        *,
        private: bool,
        assignees: Iterable[str],
        owner_type: str,
        default_labels: bool,
    ) -> Repo:
        owner_login, name = full_name.split("/")
        owner = self.user(owner_login, owner_type)
        repo = Repo(self.new_id(), owner, name, private, self.clock)
        for login in assignees:
            repo.assignees.append(self.user(login).login)
        if default_labels:
            for label_name, color, description in DEFAULT_LABELS:
                self.add_label(repo, label_name, color, description, default=True)
        if owner_type == "Organization" and owner.login.casefold() not in self.issue_types:
            self.issue_types[owner.login.casefold()] = [
                IssueType(self.new_id(), type_name, description, color, self.clock)
                for type_name, description, color in DEFAULT_ISSUE_TYPES
            ]
        self.repos[full_name.casefold()] = repo
        return repo

    def repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.casefold())

    def repo_by_id(self, repo_id: int) -> Repo | None:
        return next((repo for repo in self.repos.values() if repo.id == repo_id), None)

    def issue_by_id(self, issue_id: int) -> Issue | None:
        for repo in self.repos.values():
            for issue in repo.live_issues():
                if issue.id == issue_id:
                    return issue
        return None

    def org_issue_types(self, owner: User) -> list[IssueType] | None:
        """None for a user account: issue types exist only in organizations."""
        return self.issue_types.get(owner.login.casefold())

    def issue_type(self, repo: Repo, name: str) -> IssueType | None:
        wanted = name.casefold()
        types = self.org_issue_types(repo.owner) or []
        return next((t for t in types if t.name.casefold() == wanted), None)

    def add_label(
        self,
        repo: Repo,
        name: str,
        color: str = "ededed",
        description: str | None = None,
        *,
        default: bool = False,
    ) -> Label:
        label = Label(self.new_id(), name, color, description, default)
        repo.labels.append(label)
        return label

    def ensure_labels(self, repo: Repo, names: Iterable[str]) -> list[str]:
        """Canonical names for `names`, creating missing labels as GitHub does."""
        canonical: list[str] = []
        for name in names:
            label = repo.label(name) or self.add_label(repo, name)
            if label.name not in canonical:
                canonical.append(label.name)
        return canonical

    def rename_label(self, repo: Repo, label: Label, new_name: str) -> None:
        for issue in repo.issues.values():
            issue.labels = [new_name if n == label.name else n for n in issue.labels]
        label.name = new_name

    def delete_label(self, repo: Repo, label: Label) -> None:
        for issue in repo.issues.values():
            if label.name in issue.labels:
                issue.labels.remove(label.name)
        repo.labels.remove(label)

    def add_milestone(
        self,
        repo: Repo,
        title: str,
        creator: str,
        *,
        state: str = "open",
        description: str | None = None,
        due_on: datetime | None = None,
    ) -> Milestone:
        stamp = self.clock
        milestone = Milestone(
            self.new_id(),
            repo.next_milestone_number(),
            title,
            description,
            state,
            due_on,
            self.user(creator).login,
            stamp,
            stamp,
            closed_at=stamp if state == "closed" else None,
        )
        repo.milestones[milestone.number] = milestone
        self._changed()
        return milestone

    def create_issue(self, repo: Repo, author: str, title: str, **fields: Any) -> Issue:
        """Open an issue; `fields` as for `update_issue`, already validated."""
        stamp = self.clock
        issue = Issue(
            self.new_id(),
            repo.next_issue_number(),
            title,
            fields.pop("body", None),
            self.user(author).login,
            stamp,
            stamp,
            repo,
        )
        repo.issues[issue.number] = issue
        self._assign(issue, author, fields, stamp)
        self._changed()
        return issue

    def update_issue(self, issue: Issue, actor: str, changes: Mapping[str, Any]) -> None:
        """Apply `changes` (keys as in the REST API, values already checked).

        updated_at moves only when something really changed, so a client that
        re-sends what is already there is not mistaken for a human edit.
        """
        before = _snapshot(issue)
        self._assign(issue, actor, changes, self.clock)
        if _snapshot(issue) != before:
            self.touch(issue)

    def _assign(self, issue: Issue, actor: str, changes: Mapping[str, Any], stamp: datetime) -> None:
        for key in ("title", "body", "milestone", "type"):
            if key in changes:
                setattr(issue, key, changes[key])
        for key in ("labels", "assignees"):
            if key in changes:
                setattr(issue, key, list(changes[key]))
        if "state" in changes:
            self._set_state(issue, changes["state"], changes.get("state_reason"), actor, stamp)

    @staticmethod
    def _set_state(issue: Issue, state: str, reason: str | None, actor: str, stamp: datetime) -> None:
        if state == "closed":
            if issue.state != "closed":
                issue.closed_at = stamp
                issue.closed_by = actor
                issue.state_reason = reason or "completed"
            elif reason is not None:
                issue.state_reason = reason
            issue.state = "closed"
        elif issue.state == "closed":
            issue.state = "open"
            issue.state_reason = "reopened"
            issue.closed_at = None
            issue.closed_by = None

    def touch(self, *issues: Issue) -> None:
        """Record a change GitHub shows on the issues' timelines."""
        for issue in issues:
            issue.updated_at = self.clock
        self._changed()

    def add_comment(self, issue: Issue, author: str, body: str) -> Comment:
        stamp = self.clock
        comment = Comment(self.new_id(), body, self.user(author).login, stamp, stamp, issue)
        issue.comments.append(comment)
        self.touch(issue)
        return comment

    def comment_by_id(self, repo: Repo, comment_id: int) -> Comment | None:
        for issue in repo.live_issues():
            for comment in issue.comments:
                if comment.id == comment_id:
                    return comment
        return None

    def edit_comment(self, comment: Comment, body: str) -> None:
        if comment.body != body:
            comment.body = body
            comment.updated_at = self.clock
            self._changed()

    def set_parent(self, sub: Issue, parent: Issue | None) -> None:
        old = sub.parent
        if old is not None:
            old.sub_issues.remove(sub)
        sub.parent = parent
        if parent is not None:
            parent.sub_issues.append(sub)
        self.touch(*(issue for issue in (sub, old, parent) if issue is not None))

    def set_lock(self, issue: Issue, reason: str | None, *, locked: bool) -> None:
        if issue.locked != locked or issue.active_lock_reason != reason:
            issue.locked = locked
            issue.active_lock_reason = reason
            self.touch(issue)

    def delete_issue(self, issue: Issue) -> None:
        for sub in list(issue.sub_issues):
            self.set_parent(sub, None)
        if issue.parent is not None:
            self.set_parent(issue, None)
        issue.deleted = True

    def transfer_issue(self, issue: Issue, target: Repo, actor: str) -> Issue:
        """Move `issue` to `target`; the old number then answers 301."""
        moved = Issue(
            issue.id,
            target.next_issue_number(),
            issue.title,
            issue.body,
            issue.user,
            issue.created_at,
            self.clock,
            target,
            state=issue.state,
            state_reason=issue.state_reason,
            assignees=[login for login in issue.assignees if login in target.assignees],
            closed_at=issue.closed_at,
            closed_by=issue.closed_by,
            comments=issue.comments,
        )
        for comment in moved.comments:
            comment.issue = moved
        target.issues[moved.number] = moved
        issue.transferred_to = moved
        self.touch(moved)
        return moved
