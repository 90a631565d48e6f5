"""Lateness made visible on GitHub: an `overdue` label on exactly the overdue
issues, one reminder comment per threshold, and an optional digest issue.

A reminder is never posted twice for the same threshold: each carries a hidden
marker, and the item's issue marker records the highest threshold reminded, so
comments are listed only for an issue that has just crossed a new threshold (and
a run that died between commenting and recording finds its comment there).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from pmsync.config import OverdueSettings
from pmsync.engine.overdue import Entry, OverdueReport, digest_body
from pmsync.errors import AuthError, PmsyncError
from pmsync.github.content import Marker, body_content, with_marker
from pmsync.github.issues import IssueWrite, RemoteIssue, Tracker

_REMINDER = re.compile(r"<!-- pmsync:reminder v1 (?P<threshold>\d+) -->")


@dataclass
class ReminderResult:
    label_added: list[int] = field(default_factory=list)
    label_removed: list[int] = field(default_factory=list)
    reminded: list[tuple[int, int]] = field(default_factory=list)  # (issue, days threshold)
    digest: int | None = None
    digest_written: bool = False
    errors: list[str] = field(default_factory=list)


def reached_threshold(days_late: int, thresholds: tuple[int, ...]) -> int | None:
    """The highest reminder threshold the lateness has reached (0 = the due day has passed)."""
    reached = [t for t in thresholds if days_late >= max(t, 1)]
    return max(reached) if reached else None


def reminder_comment(entry: Entry, threshold: int) -> str:
    people = " ".join(f"@{a}" for a in entry.assignees) or (f"@{entry.owner}" if _is_login(entry.owner) else "")
    ask = f"{people}, please" if people else "Please"
    return (
        f"⏰ This postmortem action item is **{entry.days_late} days overdue** (due {entry.due.isoformat()}).\n\n"
        f"{ask} close this issue when the work is done, or move its due date in the postmortem "
        f"(`{entry.path}` line {entry.line}).\n\n"
        f"<!-- pmsync:reminder v1 {threshold} -->"
    )


def _is_login(owner: str | None) -> bool:
    return bool(owner and re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", owner))


class Reminders:
    def __init__(self, tracker: Tracker, settings: OverdueSettings, managed_label: str, *, dry_run: bool) -> None:
        self.tracker = tracker
        self.settings = settings
        self.managed = managed_label
        self.dry_run = dry_run
        self.result = ReminderResult()

    def _guard(self, what: str, action: Callable[[], object]) -> None:
        """Do one write; a refusal for one issue is reported and the rest go on."""
        try:
            if not self.dry_run:
                action()
        except AuthError:
            raise
        except PmsyncError as err:
            self.result.errors.append(f"{what}: {err.message}")

    def label(self, report: OverdueReport, issues: list[RemoteIssue]) -> None:
        name = self.settings.label
        late = {e.issue.number for e in report.overdue if e.issue is not None}
        if late and not any(name in i.labels for i in issues):
            description = "Postmortem action item past due"
            self._guard(f"label {name}", lambda: self.tracker.create_label(name, "b60205", description))
        for issue in issues:
            has = name in issue.labels
            if issue.number in late and not has:
                self._guard(f"#{issue.number}", partial(self.tracker.add_labels, issue.number, (name,)))
                self.result.label_added.append(issue.number)
            elif has and issue.number not in late:
                self._guard(f"#{issue.number}", partial(self.tracker.remove_label, issue.number, name))
                self.result.label_removed.append(issue.number)

    def remind(self, report: OverdueReport) -> None:
        for entry in report.overdue:
            issue = entry.issue
            if issue is None or issue.state != "open":
                continue
            threshold = reached_threshold(entry.days_late, self.settings.reminders)
            marker = issue.marker
            if threshold is None or marker is None:
                continue
            done = int(marker.extra.get("reminded", -1))
            if done >= threshold:
                continue
            try:
                bodies = self.tracker.comments(issue.number)
                posted = [int(m["threshold"]) for body in bodies for m in _REMINDER.finditer(body)]
            except AuthError:
                raise
            except PmsyncError as err:
                self.result.errors.append(f"#{issue.number}: {err.message}")
                continue
            if not any(p >= threshold for p in posted):
                text = reminder_comment(entry, threshold)
                self._guard(f"#{issue.number}", partial(self.tracker.comment, issue.number, text))
                self.result.reminded.append((issue.number, threshold))
            recorded = replace(marker, extra={**marker.extra, "reminded": threshold})
            body = with_marker(body_content(issue.body), recorded)
            self._guard(f"#{issue.number}", partial(self.tracker.update_issue, issue.number, IssueWrite(body=body)))

    def digest(self, report: OverdueReport, issues: list[RemoteIssue], chart: str = "") -> None:
        """Create or edit the digest issue; `chart` (Markdown: the backlog as a Mermaid chart) goes
        at its end, and is redrawn only when the overdue items changed, not every day."""
        existing = next(
            (i for i in issues if (m := i.marker) is not None and m.kind == "digest" and i.state == "open"),
            None,
        )
        marker = Marker("digest", "", "digest", "")
        text = digest_body(report)
        body = with_marker(f"{text}\n\n{CHART_MARK}\n{chart}" if chart else text, marker)
        if existing is None:
            write = IssueWrite(title=self.settings.digest_title, body=body, labels=(self.managed,))
            if self.dry_run:
                self.result.digest_written = True
                return
            try:
                self.result.digest = self.tracker.create_issue(write).number
                self.result.digest_written = True
            except AuthError:
                raise
            except PmsyncError as err:
                self.result.errors.append(f"digest: {err.message}")
            return
        self.result.digest = existing.number
        # The date line changes every day; rewrite only when the items changed.
        if _without_date(body_content(existing.body).split(f"\n\n{CHART_MARK}")[0]) != _without_date(text):
            self._guard(
                f"#{existing.number}", lambda: self.tracker.update_issue(existing.number, IssueWrite(body=body))
            )
            self.result.digest_written = True


CHART_MARK = "<!-- pmsync:chart -->"


def _without_date(text: str) -> str:
    return re.sub(r"as of \d{4}-\d{2}-\d{2}\.|\d+ days late", "", text)
