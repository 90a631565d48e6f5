"""`pmsync check`: lint the documents (items without owner or due date, vague, duplicated)."""

from __future__ import annotations

from dataclasses import dataclass

from pmsync.commands.context import Run
from pmsync.engine.lint import check as lint
from pmsync.model import Diagnostic


@dataclass(frozen=True)
class CheckResult:
    findings: list[Diagnostic]
    documents: int
    items: int

    def count(self, level: str) -> int:
        return sum(1 for finding in self.findings if finding.level == level)


def check(run: Run) -> CheckResult:
    scanned = run.scanned
    findings = list(scanned.diagnostics) + lint(scanned.postmortems, run.config)
    items = sum(len(pm.items) for pm in scanned.postmortems)
    return CheckResult(findings, len(scanned.postmortems), items)
