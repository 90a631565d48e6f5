"""Carry out a plan against the tracker, one write at a time.

Order matters for crash safety: an issue is created with its marker already in
the body, so if the run dies before the document is saved, the next run finds
the issue by its marker and adopts it instead of filing it again. The edits for
the documents are collected as the writes succeed and saved by the caller even
when a later write fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from pmsync.documents.writeback import Edit, SpanEdit
from pmsync.engine.plan import Action, Parent, Plan, document_state, words_agree
from pmsync.errors import AuthError, PmsyncError, RemoteError
from pmsync.github.content import (
    LabelSpec,
    Marker,
    body_content,
    incident_label,
    managed_label,
    parent_body,
    with_marker,
)
from pmsync.github.issues import IssueWrite, RemoteIssue, Tracker
from pmsync.links import Status
from pmsync.model import IssueState, Item

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    action: Action
    number: int | None = None
    url: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Applied:
    outcomes: list[Outcome] = field(default_factory=list)
    edits: dict[str, list[Edit]] = field(default_factory=dict)  # document path -> span edits
    issues: dict[int, RemoteIssue] = field(default_factory=dict)  # issues as the writes left them
    stopped: str | None = None  # why the run stopped before the end of the plan
    deferred: int = 0  # writes left for the next run (the write budget was reached)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def _issue_url(repo_html: str, number: int) -> str:
    return f"{repo_html.rstrip('/')}/issues/{number}"


class Applier:
    def __init__(
        self,
        tracker: Tracker,
        plan: Plan,
        *,
        repo_html: str,
        managed: str,
        document_link: Callable[[str], str | None],
        progress: Progress | None = None,
        budget: int | None = None,
        spent: int = 0,
    ) -> None:
        self.tracker = tracker
        self.plan = plan
        self.repo_html = repo_html
        self.managed = managed
        self.document_link = document_link
        self.progress = progress
        self.budget = budget
        self.spent = spent  # writes of the budget the run made outside the plan (the lease's)
        self.result = Applied()
        self.milestones: dict[str, int] = {}
        self.parents: dict[str, int] = {}
        self._pending: dict[str, LabelSpec] = {}  # labels still to create, by name
        self._total = 0
        self._done = 0

    def run(self) -> Applied:
        """Apply the plan. Labels are writes like any other: each is created just
        before the first write that needs it, and counts against the budget, so a
        run that stops at its budget has filed issues, not only labels."""
        self._pending = {label.name: label for label in self.plan.labels}
        self._total = sum(1 for a in self.plan.actions if a.writes) + len(self._pending)
        try:
            self._prepare_milestones()
            for parent in self.plan.parents:
                self._prepare_parent(parent)
            for action in self.plan.actions:
                if not action.writes:
                    self._record_span(action, None)
                    continue
                labels = self._labels_needed(action.write.labels if action.write else None)
                if self.budget is not None and self.spent + self._done + len(labels) + 1 > self.budget:
                    # Past the run's write budget: stop cleanly. Everything done so far
                    # is linked in the documents, so the next run continues from here.
                    left = self._total - self._done
                    self.result.stopped = f"write budget of {self.budget} reached; {left} writes left for the next run"
                    self.result.deferred = left
                    break
                self._create_labels(labels)
                self._apply(action)
                self._count()
            else:
                # Labels no write needed (on issues that did not change): still made, within the budget.
                unused = list(self._pending.values())
                room = len(unused) if self.budget is None else max(0, self.budget - self.spent - self._done)
                self._create_labels(unused[:room])
        except AuthError as err:
            self.result.stopped = err.message
            raise
        return self.result

    def _labels_needed(self, names: tuple[str, ...] | None) -> list[LabelSpec]:
        return [self._pending[name] for name in names or () if name in self._pending]

    def _create_labels(self, labels: list[LabelSpec]) -> None:
        for label in labels:
            self.tracker.create_label(label.name, label.color, label.description)
            del self._pending[label.name]
            self._count()

    def _count(self) -> None:
        self._done += 1
        self._tick(self._done, self._total)

    def _tick(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _prepare_milestones(self) -> None:
        if not self.plan.milestones:
            return
        existing = self.tracker.milestones()
        for title, due in self.plan.milestones:
            self.milestones[title] = existing[title] if title in existing else self.tracker.create_milestone(title, due)

    def _prepare_parent(self, parent: Parent) -> None:
        if parent.number is not None:
            self.parents[parent.incident.id] = parent.number
            return
        incident = parent.incident
        marker = Marker("parent", parent.repo_path, "parent", incident.id)
        labels = (managed_label(self.managed).name, incident_label(incident).name)
        self._create_labels(self._labels_needed(labels))
        write = IssueWrite(
            title=f"Postmortem follow-ups: {incident.title or incident.id}"[:256],
            body=with_marker(parent_body(incident, self.document_link(parent.repo_path)), marker),
            labels=labels,
        )
        self.parents[incident.id] = self.tracker.create_issue(write).number

    def _apply(self, action: Action) -> None:
        try:
            issue = self._write(action)
        except AuthError:
            raise
        except PmsyncError as err:
            message = f"{err.message}; {err.hint}" if err.hint else err.message
            self.result.outcomes.append(Outcome(action, action.number, error=message))
            return
        url = issue.html_url or _issue_url(self.repo_html, issue.number)
        self.result.outcomes.append(Outcome(action, issue.number, url))
        self.result.issues[issue.number] = issue.without_body()  # planned already: only hash and marker are needed
        self._record_span(action, issue)

    def _write(self, action: Action) -> RemoteIssue:
        write = action.write or IssueWrite()
        if action.milestone is not None and action.milestone in self.milestones:
            write = replace(write, milestone=self.milestones[action.milestone])
        if action.kind == "create":
            issue = self.tracker.create_issue(write)
            if action.incident is not None and action.incident.id in self.parents:
                self.tracker.add_sub_issue(self.parents[action.incident.id], issue.id)
            if action.state is not None and action.state != "open":
                # GitHub files every issue open; an item already done is closed right after.
                reason: Literal["completed", "not_planned"] = (
                    "not_planned" if action.state == "not_planned" else "completed"
                )
                issue = self.tracker.update_issue(issue.number, IssueWrite(state="closed", state_reason=reason))
            return issue
        assert action.number is not None
        if action.refresh_marker is not None:
            # The snapshot had only the marker: put the new one into the body as it is now.
            current = self.tracker.get_issue(action.number)
            write = replace(write, body=with_marker(body_content(current.body), action.refresh_marker))
        if action.kind in ("close_orphan", "close_duplicate"):
            self.tracker.comment(action.number, _closing_comment(action))
        issue = self.tracker.update_issue(action.number, write)
        if issue.html_url and not issue.html_url.startswith(f"{self.repo_html.rstrip('/')}/issues/"):
            # GitHub redirected the write: the issue was transferred to another repository.
            raise RemoteError(
                f"#{action.number} was transferred to {issue.html_url.rsplit('/issues/', 1)[0]}",
                "remove its link from the document to file the item here again",
            )
        return issue

    def _record_span(self, action: Action, issue: RemoteIssue | None) -> None:
        """The span the document should now carry next to this action's item."""
        item = action.item
        if item is None or action.kind in ("skip", "conflict") or item.anchor_shared:
            return  # an item sharing its line with an earlier one is found by its issue's marker instead
        number = issue.number if issue is not None else action.number
        if number is None:
            return
        state = action.state
        # The span records the state both sides agree on; when they disagree
        # (changed on GitHub), it stays as it was until `pmsync pull`.
        agreed: IssueState | None = state if state == document_state(item) else item.agreed_state
        url = _issue_url(self.repo_html, number)
        if _span_matches(item, number, url, agreed):
            return
        if action.document_dated:
            closed = action.closed_on  # filed closed for the record: the document's day, never the import's
        else:
            closed = issue.closed_at.date() if issue is not None and issue.closed_at is not None else action.closed_on
        dated = closed if agreed not in (None, "open") else None
        status = Status(number, url, agreed, dated, item.shown_assignee, words_agree(item, agreed, item.status_said))
        self.result.edits.setdefault(action.path, []).append(SpanEdit(item.anchor_line, status, item.cell))


def _span_matches(item: Item, number: int, url: str, state: IssueState | None) -> bool:
    ref = item.issue
    return bool(ref and ref.bound and ref.number == number and ref.url == url and item.agreed_state == state)


def _closing_comment(action: Action) -> str:
    if action.kind == "close_duplicate":
        return (
            f"Closing as a {action.detail}: two pmsync runs filed the same postmortem item at once. "
            "The older issue stays open and tracks it."
        )
    return (
        f"Closing as not planned: {action.detail}. "
        "pmsync closes issues whose item was removed because `push.close_orphans` is on."
    )
