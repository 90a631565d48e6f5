"""`pmsync overdue`: open items past due, and optionally labels, reminders and a digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pmsync.commands.context import Run
from pmsync.engine.overdue import OverdueReport, find_overdue
from pmsync.engine.remind import ReminderResult, Reminders
from pmsync.engine.report import BacklogDay, build_report
from pmsync.errors import UsageError
from pmsync.github.index import IssueIndex
from pmsync.model import Diagnostic


@dataclass(frozen=True)
class OverdueOptions:
    today: dt.date
    within: int
    offline: bool = False
    label: bool = False
    remind: bool = False
    digest: bool = False
    dry_run: bool = False
    digest_chart: Callable[[tuple[BacklogDay, ...]], str] | None = None  # draws the backlog in the digest

    @property
    def writes(self) -> bool:
        return self.label or self.remind or self.digest


@dataclass
class OverdueResult:
    report: OverdueReport
    diagnostics: list[Diagnostic]
    reminders: ReminderResult | None = None
    online: bool = False


def overdue(run: Run, options: OverdueOptions) -> OverdueResult:
    """Open items past due: open by their issue when they have one (one listing),
    by the document otherwise, or by the documents alone with --offline."""
    if options.offline and options.writes:
        raise UsageError("--label, --remind and --digest write to GitHub: they cannot run with --offline")
    config = run.config
    if options.offline:
        report = find_overdue(run.documents, today=options.today, within=options.within, deadlines=config.deadlines)
        return OverdueResult(report, run.diagnostics)
    repo = run.connection.repo
    if options.writes:
        run.refuse_public("write overdue labels, reminders or a digest", "they carry postmortem items and owners")
    issues = run.issues
    index = IssueIndex.of(issues)
    report = find_overdue(
        run.documents,
        repo=repo,
        index=index,
        today=options.today,
        within=options.within,
        deadlines=config.deadlines,
    )
    result = OverdueResult(report, run.diagnostics, online=True)
    if options.writes:
        reminders = Reminders(run.tracker, config.overdue, config.labels.managed, dry_run=options.dry_run)
        if options.label:
            reminders.label(report, [i for i in issues if i.number in index.markers])
        if options.remind:
            reminders.remind(report)
        if options.digest:
            chart = ""
            if options.digest_chart is not None:
                built = build_report(
                    run.documents, today=options.today, since=None, deadlines=config.deadlines, repo=repo, index=index
                )
                chart = options.digest_chart(built.backlog)
            reminders.digest(report, issues, chart)
        result.reminders = reminders.result
    return result
