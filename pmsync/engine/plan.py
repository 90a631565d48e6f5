"""The push plan: what to do to GitHub so it matches the documents. Pure.

Every item ends in exactly one action. An item is matched to its issue by the
link written next to it, else (after a run that died between creating the issue
and saving the document) by the marker in the issue; only then is an issue
created. Fields are compared three ways (DESIGN.md, "Three-way sync"): a side
that changed since pmsync last wrote wins, both sides changing is a conflict,
and a change a person made on GitHub is never reverted by an unchanged document.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pmsync.github.content import (
    Agreed,
    LabelSpec,
    Marker,
    body_content,
    content_hash,
    imported_on,
    incident_label,
    is_managed_label,
    issue_body,
    issue_title,
    kind_label,
    managed_label,
    priority_label,
    with_marker,
)
from pmsync.github.index import IssueIndex
from pmsync.github.issues import IssueWrite, RemoteIssue
from pmsync.model import Incident, IssueState, Item, Kind, Postmortem

ActionKind = Literal[
    "create",
    "update",
    "close",
    "reopen",
    "adopt",
    "noop",
    "skip",
    "conflict",
    "orphan",
    "close_orphan",
    "close_duplicate",
]
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


@dataclass(frozen=True)
class PlanSettings:
    repo: str
    managed_label: str = "pmsync"
    priority_labels: bool = True
    kind_labels: bool = True
    include_drafts: bool = False
    require_reviewed: bool = False
    close_orphans: bool = False
    milestone: Literal["none", "incident"] = "none"
    issue_type: str | None = None
    team_mentions: bool = False
    document_url: str | None = None  # base URL; the document's path is appended
    parent_issue: bool = False
    orphans_everywhere: bool = False  # scanning the whole config scope: a vanished document orphans its issues
    file_done: bool = False  # file items already done or won't-do when first seen (closed, unassigned)
    offline: bool = False  # planning without GitHub: a linked item is simply linked
    take: Take | None = None  # resolve chosen conflicts with one side's values (`sync --take`)


Side = Literal["document", "github"]


@dataclass(frozen=True)
class Take:
    """`--take document|github [ITEM…]`: which side wins the conflicts of the items
    chosen (all conflicting items when none is named). An item is named by its issue
    (`#12`, `12`) or its place (`postmortems/x.md:12`, `x.md:12`: any line of the item)."""

    side: Side
    items: tuple[str, ...] = ()

    def chooses(self, path: str, item: Item, number: int | None) -> bool:
        if not self.items:
            return True
        for name in self.items:
            wanted = name.removeprefix("#")
            if wanted.isdigit() and number is not None and int(wanted) == number:
                return True
            where, _, line = name.rpartition(":")
            if line.isdigit() and item.line <= int(line) <= item.end_line and _same_file(path, where):
                return True
        return False


def _same_file(path: str, named: str) -> bool:
    path, named = path.replace("\\", "/").removeprefix("./"), named.replace("\\", "/").removeprefix("./")
    return path == named or path.endswith("/" + named)


def resolution(take: Take | None, path: str, item: Item, number: int | None) -> Side | None:
    return take.side if take is not None and take.chooses(path, item, number) else None


@dataclass(frozen=True)
class Conflict:
    """An item and its issue both changed since they last agreed: nothing was overwritten."""

    path: str
    line: int | None
    number: int | None
    what: str  # "title changed on both sides", "#12 is closed on GitHub but the document says open"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    @property
    def message(self) -> str:
        ref = f"#{self.number}: " if self.number is not None and f"#{self.number}" not in self.what else ""
        return f"{ref}{self.what}; left as they are"

    @property
    def resolve(self) -> str:
        return (
            f"keep the document's side with `pmsync sync --take document {self.where}`, "
            f"or GitHub's with `pmsync sync --take github {self.where}`"
        )

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def action_conflict(action: Action) -> Conflict:
    line = action.item.line if action.item is not None else None
    return Conflict(action.path, line, action.number, action.detail or "changed on both sides")


@dataclass(frozen=True)
class Document:
    postmortem: Postmortem
    repo_path: str  # the path recorded in markers: relative to the repository root, POSIX


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    path: str  # the document as given on the command line
    repo_path: str
    item: Item | None = None
    incident: Incident | None = None
    number: int | None = None
    write: IssueWrite | None = None
    changes: tuple[str, ...] = ()  # names of the fields the write changes
    detail: str = ""
    milestone: str | None = None  # milestone title, resolved to a number when applied
    state: IssueState | None = None  # the issue's state once the action is applied
    closed_on: dt.date | None = None  # when the issue was closed, if it stays closed without a write
    document_dated: bool = False  # filed closed for the record: closed_on is the document's day (or unknown)
    refresh_marker: Marker | None = None  # put this marker into the body as it is on GitHub (fetched first)
    conflicts: tuple[str, ...] = ()  # fields changed on both sides, left as they are
    title: str | None = None  # the issue's title, for actions on an issue whose item is gone

    @property
    def name(self) -> str:
        """What the action is about: its item's title, else its issue's."""
        return self.item.title if self.item is not None else (self.title or "")

    @property
    def writes(self) -> bool:
        return self.kind in ("create", "update", "close", "reopen", "close_orphan", "close_duplicate") or (
            self.kind == "adopt" and self.write is not None
        )


@dataclass(frozen=True)
class Parent:
    """The per-incident parent issue new items are added to as sub-issues."""

    incident: Incident
    path: str
    repo_path: str
    number: int | None  # None: to be created


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    labels: tuple[LabelSpec, ...]  # labels to create first
    milestones: tuple[tuple[str, dt.date | None], ...]  # milestones the actions need, with due dates
    warnings: tuple[str, ...] = ()
    parents: tuple[Parent, ...] = ()

    def of(self, *kinds: ActionKind) -> list[Action]:
        return [action for action in self.actions if action.kind in kinds]

    @property
    def creates(self) -> int:
        return len(self.of("create"))

    @property
    def closes(self) -> int:
        return len(self.of("close", "close_orphan", "close_duplicate"))

    @property
    def write_count(self) -> int:
        return sum(1 for action in self.actions if action.writes) + len(self.labels)


STATE_WORDS: dict[IssueState, str] = {"open": "open", "completed": "done", "not_planned": "won't do"}
DONE_IN_DOCUMENT: dict[IssueState, str] = {
    "completed": "done in document",
    "not_planned": "won't do in document",
    "open": "",
}
_DONE_ON = re.compile(
    r"(?:\b(?:done|completed?|closed|fixed|resolved|finished|shipped|merged)\b|✅|✔)[^0-9\n|]{0,16}?"
    r"(?P<date>\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)


_GROUP_KINDS: dict[str, Kind] = {
    "prevent": "prevent",
    "prevention": "prevent",
    "preventive": "prevent",
    "preventative": "prevent",
    "detect": "detect",
    "detection": "detect",
    "mitigate": "mitigate",
    "mitigation": "mitigate",
    "mitigations": "mitigate",
    "process": "process",
}


def with_group_kind(item: Item) -> Item:
    """An item under a `### Prevent` / `Detect` / `Mitigate` group heading is of that
    kind, as if a Type column said so (a kind the item states itself wins)."""
    if item.kind is not None or not item.group:
        return item
    words = re.findall(r"[a-z]+", item.group.lower())
    kind = _GROUP_KINDS.get(words[0]) if 0 < len(words) <= 2 else None  # "Prevent", "Detection:", "Mitigations"
    return item if kind is None else replace(item, kind=kind)


def done_date(item: Item) -> dt.date | None:
    """The day the document says the item was finished ("done 2024-04-28", "✅ 2024-04-28"), if it says."""
    for text in (item.text, item.title):
        match = _DONE_ON.search(text or "")
        if match is not None:
            try:
                return dt.date.fromisoformat(match["date"])
            except ValueError:
                continue
    return None


def document_state(item: Item) -> IssueState:
    if item.wont_do:
        return "not_planned"
    return "completed" if item.done else "open"


def words_agree(item: Item, state: IssueState | None, said: IssueState | None) -> bool:
    """Whether pmsync's span, written with `state`, marks that the row's Status cell says it
    (documents/tables.py). `said`: the cell's words once this run's edits are made. A new
    state is marked only when the words say it; the same state keeps its mark, since words
    that differ from a marked span are a person's change not yet carried to GitHub."""
    if state is None:
        return False
    if state != item.agreed_state:
        return said == state
    return item.words_agreed or said == state


def remote_state(issue: RemoteIssue) -> IssueState:
    if issue.state == "open":
        return "open"
    return "not_planned" if issue.state_reason in ("not_planned", "duplicate") else "completed"


def owner_login(owner: str | None) -> str | None:
    """A written owner that can be a GitHub login ('jdoe', '@jdoe'), else None."""
    if not owner:
        return None
    login = owner.lstrip("@").strip()
    return login if _LOGIN.match(login) else None


class Planner:
    def __init__(
        self,
        settings: PlanSettings,
        issues: Sequence[RemoteIssue] | IssueIndex,
        *,
        assignable: frozenset[str] | None = None,
    ) -> None:
        self.settings = settings
        self.snapshot = issues if isinstance(issues, IssueIndex) else IssueIndex.of(issues)
        self.assignable = assignable
        self.warnings: list[str] = []
        self.labels: dict[str, LabelSpec] = {}
        self.milestones: dict[str, dt.date | None] = {}
        self._by_path: dict[str, list[int]] | None = None  # item markers' issue numbers by document
        self._stray_cache: dict[str, dict[int, RemoteIssue]] = {}

    # -- desired issue content ------------------------------------------------

    def _labels(self, item: Item, incident: Incident) -> tuple[str, ...]:
        specs = [managed_label(self.settings.managed_label), incident_label(incident)]
        if item.priority and self.settings.priority_labels:
            specs.append(priority_label(item.priority))
        if item.kind and self.settings.kind_labels:
            specs.append(kind_label(item.kind))
        for spec in specs:
            if spec.name not in self.snapshot.labels_seen:
                self.labels.setdefault(spec.name, spec)
        return tuple(sorted(spec.name for spec in specs))

    def _assignees(self, item: Item, path: str) -> tuple[str, ...]:
        login = owner_login(item.owner)
        if item.owner and login is None:
            self.warnings.append(
                f"{path}:{item.line}: owner '{item.owner}' is not a GitHub login; "
                "map it under `owners:` in pmsync.yaml (filed without an assignee)"
            )
            return ()
        if login is None:
            return ()
        if self.assignable is not None and login.lower() not in {a.lower() for a in self.assignable}:
            self.warnings.append(
                f"{path}:{item.line}: @{login} cannot be assigned in {self.settings.repo} (filed without an assignee)"
            )
            return ()
        return (login,)

    def _document_link(self, repo_path: str) -> str | None:
        base = self.settings.document_url
        return f"{base.rstrip('/')}/{repo_path}" if base else None

    def _milestone(self, incident: Incident, item: Item) -> str | None:
        if self.settings.milestone != "incident":
            return None
        title = f"Postmortem: {incident.title or incident.id}"[:255]
        due = self.milestones.get(title)
        if item.due and (due is None or item.due > due):
            due = item.due
        self.milestones[title] = due
        return title

    def _desired(self, item: Item, incident: Incident, document: Document) -> tuple[str, str, tuple[str, ...]]:
        body = issue_body(
            item,
            incident,
            self._document_link(document.repo_path),
            allow_team_mentions=self.settings.team_mentions,
        )
        return issue_title(item), body, self._labels(item, incident)

    # -- planning ----------------------------------------------------------------

    def plan(self, documents: Sequence[Document]) -> Plan:
        actions: list[Action] = []
        claimed: dict[int, str] = {}
        for document in documents:
            for item in document.postmortem.items:
                actions.append(self._item_action(document, item, claimed))
        kept = self._kept(claimed)
        actions.extend(self._orphans(documents, claimed, kept))
        actions.extend(self._duplicates(kept))
        parents = self._parents(documents, actions)
        return Plan(
            actions=tuple(actions),
            labels=tuple(self.labels.values()),
            milestones=tuple(sorted(self.milestones.items())),
            warnings=tuple(self.warnings),
            parents=parents,
        )

    def _parents(self, documents: Sequence[Document], actions: Sequence[Action]) -> tuple[Parent, ...]:
        if not self.settings.parent_issue:
            return ()
        creating = {a.incident.id for a in actions if a.kind == "create" and a.incident is not None}
        parents: list[Parent] = []
        for document in documents:
            incident = document.postmortem.incident
            if incident.id in creating and incident.id not in {p.incident.id for p in parents}:
                existing = self.snapshot.parents.get(incident.id)
                parents.append(
                    Parent(
                        incident, document.postmortem.path, document.repo_path, existing.number if existing else None
                    )
                )
                if existing is None:
                    self._labels_for_parent(incident)
        return tuple(parents)

    def _labels_for_parent(self, incident: Incident) -> None:
        for spec in (managed_label(self.settings.managed_label), incident_label(incident)):
            if spec.name not in self.snapshot.labels_seen:
                self.labels.setdefault(spec.name, spec)

    def _item_action(self, document: Document, item: Item, claimed: dict[int, str]) -> Action:
        item = with_group_kind(item)
        pm = document.postmortem
        incident = pm.incident
        where = f"{pm.path}:{item.line}"
        base = Action("noop", pm.path, document.repo_path, item=item, incident=incident)
        issue = self._bound_issue(item, document, where, claimed)
        if isinstance(issue, Action):
            return issue
        gated = self._gated(incident)
        if issue is None:
            if gated:
                return _replace(base, kind="skip", detail=gated)
            if _is_reference_only(item):
                return _replace(base, kind="skip", detail=f"already an issue ({item.title})")
            if item.issue is not None and not item.issue.bound and self._points_here(item):
                return _replace(base, kind="skip", detail=f"already tracked by #{item.issue.number}")
            if (item.done or item.wont_do) and not self.settings.file_done:
                # History, not work to track (DESIGN.md, "Closing and removal").
                return _replace(base, kind="skip", detail=DONE_IN_DOCUMENT[document_state(item)])
            return self._create(base, item, incident, document)
        claimed[issue.number] = where
        adopt = item.issue is None or not item.issue.bound or item.issue.number != issue.number
        return self._update(base, item, incident, document, issue, adopt=adopt)

    def _gated(self, incident: Incident) -> str | None:
        if incident.status == "draft" and not self.settings.include_drafts:
            return "draft postmortem: items are filed once it is reviewed (or with --include-drafts)"
        if self.settings.require_reviewed and incident.status != "reviewed" and not self.settings.include_drafts:
            return "postmortem not marked reviewed (push.require_reviewed)"
        return None

    def _points_here(self, item: Item) -> bool:
        ref = item.issue
        if ref is None:
            return False
        if ref.repo is not None:
            return ref.repo.lower() == self.settings.repo.lower()
        return ref.number in self.snapshot.by_number

    def _bound_issue(
        self, item: Item, document: Document, where: str, claimed: dict[int, str]
    ) -> RemoteIssue | Action | None:
        """The issue this item is tracked by: its link, else its marker, else None."""
        ref = item.issue
        pm = document.postmortem
        base = Action("skip", pm.path, document.repo_path, item=item, incident=pm.incident)
        number: int | None = None
        if ref is not None and (ref.bound or ref.url) and ref.repo is not None:
            if ref.repo.lower() != self.settings.repo.lower():
                if ref.bound:
                    return _replace(base, detail=f"linked to {ref.repo}#{ref.number}, not to {self.settings.repo}")
            else:
                number = ref.number
        elif ref is not None and ref.repo is None and ref.number in self.snapshot.by_number:
            number = ref.number
        if number is not None:
            if number in claimed:
                return _replace(
                    base, kind="conflict", number=number, detail=f"#{number} is also linked from {claimed[number]}"
                )
            issue = self.snapshot.by_number.get(number)
            if issue is None and self.settings.offline and ref is not None and ref.bound:
                return _replace(base, kind="noop", number=number, detail="linked (offline: not checked on GitHub)")
            if issue is None:
                if ref is not None and ref.bound:
                    return _replace(
                        base,
                        number=number,
                        detail=f"#{number} is not among the issues labelled '{self.settings.managed_label}' "
                        "(deleted, transferred, or its label removed); remove the link to file it again",
                    )
                return None
            return self._open_copy(issue)
        marked = self.snapshot.by_identity.get((document.repo_path, item.key))
        if marked is not None and marked.number not in claimed:
            return marked
        if ref is None:
            return self._edited_before_linked(item, document, claimed)
        return None

    def _edited_before_linked(self, item: Item, document: Document, claimed: dict[int, str]) -> RemoteIssue | None:
        """An item with neither link nor marker match may have been edited (its key
        changed) after its issue was filed but before the link was saved, or after a
        crash. Its issue is then an open issue whose marker names this document and a
        key no item has any more, linked by no item: the one with the most similar
        title is the item's, so it keeps its issue instead of getting a second one."""
        strays = self._strays(document)
        title = issue_title(item)
        best: tuple[float, int] | None = None
        for number, issue in strays.items():
            if number in claimed:
                continue
            marker = self.snapshot.markers[number]
            was = marker.agreed.title if marker.agreed is not None else issue.title
            score = max(_similarity(title, was), _similarity(title, issue.title))
            if score >= _SAME_ITEM and (best is None or score > best[0]):
                best = (score, number)
        if best is None:
            return None
        return strays.pop(best[1])

    def _strays(self, document: Document) -> dict[int, RemoteIssue]:
        if document.repo_path not in self._stray_cache:
            if self._by_path is None:
                self._by_path = {}
                for number, marker in self.snapshot.markers.items():
                    self._by_path.setdefault(marker.path, []).append(number)
            items = document.postmortem.items
            keys = {item.key for item in items}
            linked = {item.issue.number for item in items if item.issue is not None and item.issue.bound}
            self._stray_cache[document.repo_path] = {
                number: self.snapshot.by_number[number]
                for number in self._by_path.get(document.repo_path, [])
                if self.snapshot.markers[number].key not in keys
                and number not in linked
                and self.snapshot.by_number[number].state == "open"
            }
        return self._stray_cache[document.repo_path]

    def _open_copy(self, issue: RemoteIssue) -> RemoteIssue:
        """A link to an issue closed as a duplicate moves to the open copy of the same item."""
        if issue.state != "closed" or issue.state_reason != "duplicate":
            return issue
        marker = self.snapshot.markers.get(issue.number)
        group = self.snapshot.groups.get((marker.path, marker.key), []) if marker else []
        return next((copy for copy in group if copy.state == "open"), issue)

    def _create(self, base: Action, item: Item, incident: Incident, document: Document) -> Action:
        title, body, labels = self._desired(item, incident, document)
        state = document_state(item)
        assignees = self._assignees(item, document.postmortem.path)
        extra: dict[str, object] = {}
        filed = body
        closed_on = None
        if state != "open":
            # Finished work filed for the record (push.file_done): nobody is assigned or
            # mentioned, so nobody is notified. The marker agrees on the body and the
            # assignee the document implies, so the next run sees them as changed on
            # GitHub, and keeps them, instead of writing them after all.
            closed_on = done_date(item)
            extra = {"imported": {"state": state, "on": closed_on.isoformat() if closed_on else None}}
            filed = issue_body(
                replace(item, owner=None),
                incident,
                self._document_link(document.repo_path),
                allow_team_mentions=self.settings.team_mentions,
            )
        agreed = Agreed(title, content_hash(body), labels, assignees, self._milestone(incident, item), item.owner)
        marker = Marker("item", document.repo_path, item.key, incident.id, agreed, extra)
        write = IssueWrite(
            title=title,
            body=with_marker(filed, marker),
            labels=labels,
            assignees=(assignees or None) if state == "open" else None,
            type=self.settings.issue_type,
        )
        detail = "filed closed: done in the document" if state != "open" else ""
        return _replace(
            base,
            kind="create",
            write=write,
            milestone=agreed.milestone,
            state=state,
            detail=detail,
            closed_on=closed_on,
            document_dated=state != "open",
        )

    def _update(
        self, base: Action, item: Item, incident: Incident, document: Document, issue: RemoteIssue, *, adopt: bool
    ) -> Action:
        """The action for an item whose issue exists: merge, refresh the marker, choose what to do."""
        marker = self.snapshot.markers.get(issue.number)
        side = resolution(self.settings.take, document.postmortem.path, item, issue.number)
        # An issue pmsync filed whose marker is gone had its body rewritten by a person:
        # their text is kept (the marker goes back under it), never replaced by the
        # document's, unless the person asked for the document's with `--take document`.
        merge = _Merge(marker.agreed if marker else None, side, body_theirs=marker is None and _has_text(issue))
        wanted = self._wanted(item, incident, document, merge.agreed)
        fields_write = merge.fields(wanted, issue, self.settings.managed_label)
        state_write, state_change, state_conflict = _state_change(item, issue, side)
        if state_conflict and side is not None:
            merge.resolved.append("state")
            state_conflict = False
        if state_conflict:
            merge.conflicts.append("state")
        new_marker, stale = merge.marker(wanted, marker, document, item, incident)
        body, refresh = merge.body(wanted, issue, new_marker, stale=stale, state_change=state_change)
        write = replace(fields_write, body=body, state=state_write.state, state_reason=state_write.state_reason)
        kind = _update_kind(merge, write, refresh, state_change, adopt=adopt and not item.anchor_shared)
        if kind == "conflict":
            write, refresh = IssueWrite(), None
        imported, closed_on = imported_on(marker)
        if not imported:
            closed_on = issue.closed_at.date() if issue.closed_at is not None and state_write.state is None else None
        detail = ", ".join(_conflict_text(c, item, issue) for c in merge.conflicts)
        if merge.resolved:
            taken = "the document's" if side == "document" else "GitHub's"
            detail = (f"conflict resolved: took {taken} " + ", ".join(merge.resolved) + "; " + detail).rstrip("; ")
        if adopt and kind != "noop":
            detail = ("adopted after an interrupted run; " + detail).rstrip("; ")
        return _replace(
            base,
            kind=kind,
            number=issue.number,
            write=None if write.is_empty() else write,
            changes=tuple(merge.changes) + (("state",) if state_change else ()),
            detail=detail,
            milestone=wanted.milestone if "milestone" in merge.changes else None,
            state=_state_after(issue, state_write),
            closed_on=closed_on,
            document_dated=imported,
            refresh_marker=refresh,
            conflicts=tuple(merge.conflicts),
        )

    def _wanted(self, item: Item, incident: Incident, document: Document, agreed: Agreed | None) -> _Wanted:
        """The issue as the document says it should be."""
        title, body, labels = self._desired(item, incident, document)
        if self.assignable is None and agreed is not None and agreed.owner == item.owner:
            assignees = agreed.assignees  # same owner as when assignability was last checked
        else:
            assignees = self._assignees(item, document.postmortem.path)
        return _Wanted(title, body, content_hash(body), labels, assignees, self._milestone(incident, item), item.owner)

    def _orphans(
        self, documents: Sequence[Document], claimed: dict[int, str], kept: dict[tuple[str, str], int]
    ) -> list[Action]:
        scanned = {d.repo_path: d.postmortem.path for d in documents}
        actions: list[Action] = []
        for number, marker in sorted(self.snapshot.markers.items()):
            if number in claimed or marker.kind != "item":
                continue
            issue = self.snapshot.by_number[number]
            if kept.get((marker.path, marker.key)) != number:
                continue  # a duplicate: closed as one
            if marker.path not in scanned and not self.settings.orphans_everywhere:
                continue
            path = scanned.get(marker.path, marker.path)
            detail = f"its item is no longer in {marker.path}"
            if self.settings.close_orphans and issue.state == "open":
                write = IssueWrite(state="closed", state_reason="not_planned")
                actions.append(
                    Action(
                        "close_orphan",
                        path,
                        marker.path,
                        number=number,
                        write=write,
                        detail=detail,
                        state="not_planned",
                        title=issue.title,
                    )
                )
            elif issue.state == "open":
                actions.append(Action("orphan", path, marker.path, number=number, detail=detail, title=issue.title))
        return actions

    def _kept(self, claimed: dict[int, str]) -> dict[tuple[str, str], int]:
        """Of issues filed twice for one item (two runs at once), the one the
        document links stays; else the oldest."""
        kept: dict[tuple[str, str], int] = {}
        for identity, group in self.snapshot.groups.items():
            # An open issue beats a closed one (a stale checkout may link the copy
            # already closed as a duplicate); then the linked one; then the oldest.
            ranked = sorted(group, key=lambda i: (i.state != "open", i.number not in claimed, i.number))
            kept[identity] = ranked[0].number
        return kept

    def _duplicates(self, kept: dict[tuple[str, str], int]) -> list[Action]:
        actions: list[Action] = []
        for identity, group in self.snapshot.groups.items():
            for duplicate in group:
                if duplicate.number == kept[identity] or duplicate.state != "open":
                    continue
                actions.append(self._close_duplicate(duplicate, kept[identity]))
        return actions

    def _close_duplicate(self, duplicate: RemoteIssue, kept: int) -> Action:
        marker = self.snapshot.markers[duplicate.number]
        return Action(
            "close_duplicate",
            marker.path,
            marker.path,
            number=duplicate.number,
            write=IssueWrite(state="closed", state_reason="duplicate"),
            detail=f"duplicate of #{kept}",
            state="not_planned",
            title=duplicate.title,
        )


@dataclass(frozen=True)
class _StateWrite:
    state: Literal["open", "closed"] | None = None
    state_reason: Literal["completed", "not_planned", "reopened"] | None = None


def _state_change(item: Item, issue: RemoteIssue, side: Side | None = None) -> tuple[_StateWrite, str | None, bool]:
    """Close or reopen by the three-way rule; the agreed state is the one
    pmsync last wrote next to the item in the document. A conflict resolved for
    the document is written like a change of the document's; for GitHub, pull
    writes GitHub's state next to the item."""
    want = document_state(item)
    have = remote_state(issue)
    agreed = item.agreed_state
    if want == have:
        return _StateWrite(), None, False
    document_changed = (agreed is None and want != "open" and have == "open") or (agreed is not None and have == agreed)
    if agreed is not None and want != agreed and have != agreed:
        if side != "document":
            return _StateWrite(), None, True
        document_changed = True
    if not document_changed:
        return _StateWrite(), None, False  # changed on GitHub: `pmsync pull` brings it into the document
    if want == "open":
        return _StateWrite("open", "reopened"), "reopen", False
    reason: Literal["completed", "not_planned"] = "not_planned" if want == "not_planned" else "completed"
    return _StateWrite("closed", reason), "close", False


def _conflict_text(name: str, item: Item, issue: RemoteIssue) -> str:
    if name != "state":
        return f"{name} changed on both sides"
    have, want = STATE_WORDS[remote_state(issue)], STATE_WORDS[document_state(item)]
    return f"#{issue.number} is {have} on GitHub but the document says {want}; both changed"


def _state_after(issue: RemoteIssue, write: _StateWrite) -> IssueState:
    if write.state == "open":
        return "open"
    if write.state == "closed":
        return "not_planned" if write.state_reason == "not_planned" else "completed"
    return remote_state(issue)


@dataclass(frozen=True)
class _Wanted:
    """An issue's fields as the document says them."""

    title: str
    body: str
    body_hash: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    milestone: str | None
    owner: str | None

    def agreed(self) -> Agreed:
        return Agreed(self.title, self.body_hash, self.labels, self.assignees, self.milestone, self.owner)


@dataclass
class _Merge:
    """The three-way merge of an item's fields with its issue's (DESIGN.md, "Three-way sync"):
    what the document says, what the issue says, and what they last agreed on."""

    agreed: Agreed | None
    side: Side | None = None  # the side that wins a conflict (`sync --take`), else none does
    body_theirs: bool = False  # no marker, so nothing agreed: a body that differs is a person's
    changes: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)  # conflicts settled by `side`
    current_content: str = ""  # the issue's body without the marker
    current_hash: str = ""
    write_body: bool = False

    def take(self, name: str, want: object, have: object) -> bool:
        """True when the document's value should be written."""
        if want == have:
            return False
        last = getattr(self.agreed, name) if self.agreed is not None else None
        if name == "body" and last is None and self.body_theirs:
            if self.side == "document":  # rewritten on GitHub, and the person chose the document's
                self.resolved.append(name)
                self.changes.append(name)
                return True
            return False  # rewritten on GitHub: kept
        if last is None or have == last:
            self.changes.append(name)
            return True
        if want != last:
            if self.side == "document":
                self.resolved.append(name)
                self.changes.append(name)
                return True
            if self.side == "github":
                # GitHub's value stays; agreeing on the document's current value
                # makes the next run read GitHub's as the change, and keep it.
                self.resolved.append(name)
                return False
            self.conflicts.append(name)
        return False  # changed on GitHub only, or on both sides: GitHub's value stays

    def fields(self, wanted: _Wanted, issue: RemoteIssue, managed_label: str) -> IssueWrite:
        """The title, labels and assignees to write (the body is decided with the marker)."""
        self.current_content = body_content(issue.body)
        self.current_hash = (
            issue.content_hash if not issue.body_known and issue.content_hash else content_hash(self.current_content)
        )
        title = wanted.title if self.take("title", wanted.title, issue.title) else None
        self.write_body = self.take("body", wanted.body_hash, self.current_hash)
        managed_now = tuple(sorted(n for n in issue.labels if is_managed_label(n, managed_label)))
        labels: tuple[str, ...] | None = None
        if self.take("labels", wanted.labels, managed_now):
            people_labels = [n for n in issue.labels if not is_managed_label(n, managed_label)]
            labels = tuple(sorted({*people_labels, *wanted.labels}))
        assignees = wanted.assignees if self.take("assignees", wanted.assignees, issue.assignees) else None
        self.take("milestone", wanted.milestone, issue.milestone)  # set by the applier, by number
        return IssueWrite(title=title, labels=labels, assignees=assignees)

    def marker(
        self, wanted: _Wanted, marker: Marker | None, document: Document, item: Item, incident: Incident
    ) -> tuple[Marker, bool]:
        """The marker the issue should carry, and whether the one it has is stale."""
        new_agreed = wanted.agreed()
        if self.agreed is not None and self.conflicts:
            # A conflicting field keeps its old agreed value, so the next run still
            # sees both sides changed instead of quietly letting one side win.
            kept = {name: getattr(self.agreed, name) for name in self.conflicts if name != "state"}
            new_agreed = replace(new_agreed, **kept)
        stale = (
            marker is None
            or any(name != "state" for name in self.resolved)
            or marker.path != document.repo_path
            or marker.key != item.key
            or ((self.changes or marker.agreed is None) and marker.agreed != new_agreed)
        )
        extra = marker.extra if marker else {}
        return Marker("item", document.repo_path, item.key, incident.id, new_agreed, extra), stale

    def body(
        self, wanted: _Wanted, issue: RemoteIssue, marker: Marker, *, stale: bool, state_change: str | None
    ) -> tuple[str | None, Marker | None]:
        """The body to write, or the marker to refresh once the body is fetched."""
        if self.write_body:
            return with_marker(wanted.body, marker), None
        if self.conflicts and not self.changes and not state_change:
            return None, None  # nothing but a conflict: report it, write nothing
        if not (self.changes or stale):
            return None, None
        if not self.changes:
            self.changes.append("marker")
        # Keep the body people see (it may carry their edits); refresh only the marker.
        if issue.body_known:
            return with_marker(self.current_content, marker), None
        if self.current_hash == wanted.body_hash:
            return with_marker(wanted.body, marker), None  # GitHub's body is the one pmsync would write
        return None, marker  # edited on GitHub, and only its hash is in the snapshot: fetched when applied


_SAME_ITEM = 0.6  # title similarity at which an unlinked item is taken to be an edited one


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()


def _has_text(issue: RemoteIssue) -> bool:
    return bool(body_content(issue.body).strip()) if issue.body_known else issue.content_hash != content_hash("")


def _update_kind(
    merge: _Merge, write: IssueWrite, refresh: Marker | None, state_change: str | None, *, adopt: bool
) -> ActionKind:
    if state_change == "close":
        return "close"
    if state_change == "reopen":
        return "reopen"
    if merge.conflicts and set(merge.changes) <= {"marker"}:
        return "conflict"
    if not write.is_empty() or refresh is not None:
        return "update"
    return "adopt" if adopt else "noop"


def _is_reference_only(item: Item) -> bool:
    return bool(re.fullmatch(r"(?:[\w.-]+/[\w.-]+)?#\d+", item.title.strip()))


def _replace(action: Action, **changes: object) -> Action:
    return replace(action, **changes)  # type: ignore[arg-type]


def build_plan(
    documents: Sequence[Document],
    issues: Sequence[RemoteIssue] | IssueIndex,
    settings: PlanSettings,
    *,
    assignable: frozenset[str] | None = None,
) -> Plan:
    return Planner(settings, issues, assignable=assignable).plan(documents)


def needs_assignable(documents: Sequence[Document], index: IssueIndex, repo: str) -> bool:
    """Whether some owner has not been seen assigned before (then the repository's
    assignees are listed once; otherwise that request is saved)."""
    seen = {login.lower() for issue in index.by_number.values() for login in issue.assignees}
    for document in documents:
        for item in document.postmortem.items:
            login = owner_login(item.owner)
            if login is None or login.lower() in seen:
                continue
            issue = index.issue_of(item, document.repo_path, repo)
            marker = issue.marker if issue is not None else None
            owner_then = marker.agreed.owner if marker is not None and marker.agreed is not None else None
            if owner_then != item.owner:
                return True  # a new owner: check it can be assigned (once; the marker records it)
    return False
