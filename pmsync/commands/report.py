"""`pmsync report`: follow-up metrics per incident and overall."""

from __future__ import annotations

import datetime as dt

from pmsync.commands.context import Run
from pmsync.engine.report import Report, build_report
from pmsync.github.index import IssueIndex
from pmsync.model import Diagnostic


def report(run: Run, *, today: dt.date, since: dt.date | None, offline: bool) -> tuple[Report, list[Diagnostic]]:
    """Follow-up metrics: from the managed issues (one listing), or from the documents alone with --offline."""
    config = run.config
    if offline:
        return build_report(run.documents, today=today, since=since, deadlines=config.deadlines), run.diagnostics
    built = build_report(
        run.documents,
        today=today,
        since=since,
        deadlines=config.deadlines,
        repo=run.connection.repo,
        index=IssueIndex.of(run.issues),
    )
    return built, run.diagnostics
