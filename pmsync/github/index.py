"""Which issue is this item's: one index of the managed issues, used by every command.

An item is bound to its issue by the link written next to it (an issue of this
repository, by number); an item without a link is found by the marker pmsync
left in the issue's body (document path and item key), so a run that died
between filing an issue and saving the document finds it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pmsync.github.content import Marker
from pmsync.github.issues import RemoteIssue
from pmsync.model import Item

Identity = tuple[str, str]  # (document path from the repository root, item key)


@dataclass
class IssueIndex:
    by_number: dict[int, RemoteIssue] = field(default_factory=dict)
    markers: dict[int, Marker] = field(default_factory=dict)  # item markers only, by issue number
    by_identity: dict[Identity, RemoteIssue] = field(default_factory=dict)  # the oldest issue per identity
    groups: dict[Identity, list[RemoteIssue]] = field(default_factory=dict)  # same identity, oldest first
    labels_seen: set[str] = field(default_factory=set)
    parents: dict[str, RemoteIssue] = field(default_factory=dict)  # incident id -> its parent issue

    @classmethod
    def of(cls, issues: Iterable[RemoteIssue]) -> IssueIndex:
        index = cls()
        for issue in sorted(issues, key=lambda i: i.number):
            index.by_number[issue.number] = issue
            index.labels_seen.update(issue.labels)
            marker = issue.marker
            if marker is not None and marker.kind == "parent":
                index.parents.setdefault(marker.incident, issue)
            if marker is None or marker.kind != "item":
                continue
            index.markers[issue.number] = marker
            identity = (marker.path, marker.key)
            index.groups.setdefault(identity, []).append(issue)
            index.by_identity.setdefault(identity, issue)
        return index

    def issue_of(self, item: Item, repo_path: str, repo: str | None) -> RemoteIssue | None:
        """The item's issue: the one its link names in `repo`, else the one whose marker names it."""
        ref = item.issue
        if ref is not None and ref.bound and repo is not None and (ref.repo or "").lower() == repo.lower():
            return self.by_number.get(ref.number)
        return self.by_identity.get((repo_path, item.key))
