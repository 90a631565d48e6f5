"""The managed issues a run works with: one listing, or the saved state file plus
what changed since (DESIGN.md, "Cheap when nothing changed")."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from pmsync.github import state as state_file
from pmsync.github.issues import RemoteIssue, Tracker
from pmsync.github.state import Snapshot

LISTING_PAGE = 100  # issues per listing page (the most GitHub serves)


def take_snapshot(tracker: Tracker, root: Path, label: str) -> Snapshot:
    """The managed issues: the saved snapshot plus what changed since (one short
    listing), or a full listing when there is no usable saved snapshot."""
    now = dt.datetime.now(dt.UTC)
    saved = state_file.load(root / state_file.STATE_NAME, tracker.repo, label, now)
    if saved is None or len(saved.issues) < LISTING_PAGE:
        # While the managed issues fit one page, a full listing costs what an
        # incremental one does, and it also sees issues deleted, transferred or
        # stripped of the label, which a `since=` listing cannot.
        # Dated by the day, not the second: two runs on one day that see the same
        # issues write the same file, so a run that changed nothing changes nothing.
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return Snapshot(tracker.list_issues(label), day)
    changed = tracker.list_issues(label, since=saved.since)
    return Snapshot(state_file.merge(saved.issues, changed), saved.full_at, saved.since)


def settle_snapshot(
    tracker: Tracker,
    root: Path,
    label: str,
    snapshot: Snapshot,
    issues: list[RemoteIssue],
    *,
    wrote: bool,
    outcome_unknown: bool,
    run_start: dt.datetime | None,
) -> None:
    """Save the snapshot a run ends with. After writes in incremental mode, list
    what changed since this run's listing once more, so the saved snapshot holds
    both this run's writes and anything people changed meanwhile. When a write's
    outcome is unknown (an error after GitHub may have applied it), drop the file:
    the next run takes a full listing and finds such an issue by its marker."""
    if outcome_unknown:
        (root / state_file.STATE_NAME).unlink(missing_ok=True)
        return
    since = snapshot.since or run_start
    if since is not None and wrote:
        changed = tracker.list_issues(label, since=since, bodies=False)  # for the state file only
        issues = state_file.merge(issues, changed)
    save_snapshot(tracker.repo, root, label, snapshot, issues)


def save_snapshot(repo: str, root: Path, label: str, snapshot: Snapshot, issues: list[RemoteIssue]) -> None:
    lines = state_file.render(repo, label, snapshot.full_at, issues)
    with contextlib.suppress(OSError):  # without the file the next run lists in full: slower, never wrong
        state_file.save(root / state_file.STATE_NAME, lines)
