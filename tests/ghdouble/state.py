"""In-memory state of the GitHub double: plain objects tests can read and assert on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

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

    # Renames of any label, however made (World.rename_label or a test
    # assigning `label.name`): each repository's name index is rebuilt when
    # this moves, so a lookup never finds a label by its old name.
    renames: ClassVar[int] = 0

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "name" and "name" in self.__dict__:
            Label.renames += 1
        object.__setattr__(self, name, value)


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

    # Changes to any milestone after it was made, however made (tests assign
    # fields directly): the title index and the listing cache check it.
    edits: ClassVar[int] = 0

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__:
            Milestone.edits += 1
        object.__setattr__(self, name, value)


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
    # Which of its repository's milestone tallies counts this issue (see
    # Repo.milestone_issue_counts); -1 while it is counted in none.
    _tally_round: int = field(default=-1, init=False, repr=False)

    def __setattr__(self, name: str, value: Any) -> None:
        # Every change, by World or by a test assigning a field directly, moves
        # the repository's revision (which invalidates cached listings) and keeps
        # its per-milestone counts right, so neither needs a scan of all issues.
        repo: Repo | None = self.__dict__.get("repo")
        if repo is None:  # still in __init__, before `repo` is set
            object.__setattr__(self, name, value)
            return
        repo.revision += 1
        if name in _TALLIED and self._tally_round == repo._tally_round:
            repo._count(self, -1)
            object.__setattr__(self, name, value)
            repo._count(self, 1)
        else:
            object.__setattr__(self, name, value)


# The fields that decide whether and how an issue counts for its milestone.
_TALLIED = frozenset({"milestone", "state", "deleted", "transferred_to"})


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
    # Moves on every change to one of the issues (see Issue.__setattr__) and
    # on every issue filed: cached listings are valid for one revision. A list
    # changed in place (issue.labels.remove) is not seen, so World moves it
    # itself where it does that; tests assign fields instead.
    revision: int = field(default=0, init=False, repr=False)

    # Indexes so that per-request work does not grow with the repository.
    # Each is checked against a cheap stamp of what it was built from and
    # rebuilt when a test changed `labels`, `milestones` or `issues` directly
    # rather than through World. Stamps hold the container itself, not its
    # id(), which a replaced and collected container could pass on; tuples
    # compare it by identity first, so the check stays O(1).
    _labels_by_key: dict[str, Label] = field(default_factory=dict, init=False, repr=False)
    _labels_stamp: tuple[object, ...] = field(default=(), init=False, repr=False)
    _titles: set[str] = field(default_factory=set, init=False, repr=False)
    _titles_stamp: tuple[object, ...] = field(default=(), init=False, repr=False)
    # (len, last key, highest key) of `issues` and of `milestones`.
    _issues_top: tuple[int, int, int] = field(default=(0, 0, 0), init=False, repr=False)
    _milestones_top: tuple[int, int, int] = field(default=(0, 0, 0), init=False, repr=False)
    # (milestone number, state) -> live issues; see milestone_issue_counts.
    _tally: dict[tuple[int, str], int] = field(default_factory=dict, init=False, repr=False)
    _tally_round: int = field(default=0, init=False, repr=False)
    _tallied: int = field(default=0, init=False, repr=False)
    # Moves when World files a milestone (see milestones_stamp).
    _milestone_revision: int = field(default=0, init=False, repr=False)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    # -- labels ------------------------------------------------------------------

    def _current_labels_stamp(self) -> tuple[object, ...]:
        return (self.labels, len(self.labels), Label.renames)

    def label(self, name: str) -> Label | None:
        # GitHub matches label names case-insensitively.
        if self._labels_stamp != self._current_labels_stamp():
            by_key: dict[str, Label] = {}
            for label in self.labels:
                # The first of labels equal but for case wins, as a scan would find it.
                by_key.setdefault(label.name.casefold(), label)
            self._labels_by_key = by_key
            self._labels_stamp = self._current_labels_stamp()
        return self._labels_by_key.get(name.casefold())

    def append_label(self, label: Label) -> None:
        in_step = self._labels_stamp == self._current_labels_stamp()
        self.labels.append(label)
        if in_step:
            self._labels_by_key.setdefault(label.name.casefold(), label)
            self._labels_stamp = self._current_labels_stamp()

    def require_label(self, name: str) -> Label:
        label = self.label(name)
        if label is None:
            raise KeyError(f"{self.full_name} has no label {name!r}")
        return label

    def live_issues(self) -> Iterator[Issue]:
        """Issues the API still shows: not deleted, not moved elsewhere."""
        return (issue for issue in self.issues.values() if not issue.deleted and issue.transferred_to is None)

    # -- issues ------------------------------------------------------------------

    def add_issue(self, issue: Issue) -> None:
        """File `issue` under its number, keeping the indexes in step."""
        in_step = self._tallied == len(self.issues)
        self._issues_top = _put(self.issues, issue.number, issue, self._issues_top)
        self.revision += 1
        if in_step and self._tallied + 1 == len(self.issues):
            # Bookkeeping, not a change to the issue: the revision stays.
            object.__setattr__(issue, "_tally_round", self._tally_round)
            self._count(issue, 1)
            self._tallied += 1

    def next_issue_number(self) -> int:
        # Numbers are never reused, as a deleted issue keeps its entry.
        self._issues_top = _top(self.issues, self._issues_top)
        return self._issues_top[2] + 1

    def _count(self, issue: Issue, sign: int) -> None:
        if issue.milestone is not None and not issue.deleted and issue.transferred_to is None:
            key = (issue.milestone, issue.state)
            self._tally[key] = self._tally.get(key, 0) + sign

    def milestone_issue_counts(self, number: int) -> tuple[int, int]:
        """(open, closed) issues the API shows with milestone `number`.

        Kept up to date by Issue.__setattr__ as issues change, instead of a scan
        of every issue each time a milestone is rendered (in every issue body).
        Issues put into `issues` other than by add_issue are noticed by the
        count and make the tally start over, in a new round.
        """
        if self._tallied != len(self.issues):
            self._tally_round += 1
            self._tally = {}
            for issue in self.issues.values():
                object.__setattr__(issue, "_tally_round", self._tally_round)
                self._count(issue, 1)
            self._tallied = len(self.issues)
        return self._tally.get((number, "open"), 0), self._tally.get((number, "closed"), 0)

    # -- milestones --------------------------------------------------------------

    def add_milestone(self, milestone: Milestone) -> None:
        in_step = self._titles_stamp == self._current_titles_stamp()
        self._milestones_top = _put(self.milestones, milestone.number, milestone, self._milestones_top)
        self._milestone_revision += 1
        if in_step:
            self._titles.add(milestone.title)
            self._titles_stamp = self._current_titles_stamp()

    def next_milestone_number(self) -> int:
        self._milestones_top = _top(self.milestones, self._milestones_top)
        return self._milestones_top[2] + 1

    def _current_titles_stamp(self) -> tuple[object, ...]:
        return (self.milestones, len(self.milestones), Milestone.edits)

    def has_milestone_titled(self, title: str) -> bool:
        if self._titles_stamp != self._current_titles_stamp():
            self._titles = {milestone.title for milestone in self.milestones.values()}
            self._titles_stamp = self._current_titles_stamp()
        return title in self._titles

    def milestones_stamp(self) -> tuple[object, ...]:
        """Changes when any milestone is added, removed or edited."""
        return (self.milestones, len(self.milestones), self._milestone_revision, Milestone.edits)


def _top(items: dict[int, Any], known: tuple[int, int, int]) -> tuple[int, int, int]:
    """(len, last key, highest key) of `items`, reusing `known` if still true.

    Keys are filed in increasing order, so while the size and the last key
    are what they were, the highest is too; anything else (a test deleting an
    entry) falls back to max(), so numbering stays what it always was.
    """
    last = next(reversed(items), 0)
    if known[0] == len(items) and known[1] == last:
        return known
    return (len(items), last, max(items, default=0))


def _put(items: dict[int, Any], key: int, value: Any, known: tuple[int, int, int]) -> tuple[int, int, int]:
    """File `value` and return the updated `_top` stamp without a max() over all keys."""
    known = _top(items, known)
    items[key] = value
    if len(items) == known[0] + 1:
        return (len(items), key, max(known[2], key))
    return _top(items, (-1, 0, 0))


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
        # Lookups by id without a scan of everything. An entry is only a hint:
        # it is checked before use, and a miss falls back to the scan, so
        # state changed behind World's back is still answered as before.
        self._repos_by_id: dict[int, Repo] = {}
        # Every issue World made with that id: a transfer keeps the id.
        self._issues_by_id: dict[int, list[Issue]] = {}
        self._comments_by_id: dict[int, Comment] = {}

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
        self._repos_by_id[repo.id] = repo
        return repo

    def repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.casefold())

    def _known_repo(self, repo: Repo) -> bool:
        return self.repos.get(repo.full_name.casefold()) is repo

    def repo_by_id(self, repo_id: int) -> Repo | None:
        hint = self._repos_by_id.get(repo_id)
        if hint is not None and hint.id == repo_id and self._known_repo(hint):
            return hint
        return next((repo for repo in self.repos.values() if repo.id == repo_id), None)

    @staticmethod
    def _shown(issue: Issue) -> bool:
        """Whether the API shows `issue` (what Repo.live_issues yields)."""
        return not issue.deleted and issue.transferred_to is None and issue.repo.issues.get(issue.number) is issue

    def issue_by_id(self, issue_id: int) -> Issue | None:
        shown = [
            issue
            for issue in self._issues_by_id.get(issue_id, ())
            if issue.id == issue_id and self._shown(issue) and self._known_repo(issue.repo)
        ]
        # Two shown at once (a test moved an issue that had already moved) is
        # left to the scan, which decides which one comes first.
        if len(shown) == 1:
            return shown[0]
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
        repo.append_label(label)
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
                # Changed in place, which Issue.__setattr__ does not see.
                repo.revision += 1
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
        repo.add_milestone(milestone)
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
        repo.add_issue(issue)
        self._issues_by_id.setdefault(issue.id, []).append(issue)
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
        self._comments_by_id[comment.id] = comment
        self.touch(issue)
        return comment

    def comment_by_id(self, repo: Repo, comment_id: int) -> Comment | None:
        hint = self._comments_by_id.get(comment_id)
        if hint is not None and hint.id == comment_id:
            issue = hint.issue
            if issue.repo is repo and self._shown(issue) and any(c is hint for c in issue.comments):
                return hint
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
        target.add_issue(moved)
        self._issues_by_id.setdefault(moved.id, []).append(moved)
        issue.transferred_to = moved
        self.touch(moved)
        return moved
