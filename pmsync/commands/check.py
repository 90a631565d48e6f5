"""`pmsync check`: lint the documents (items without owner or due date, vague, duplicated)."""

from __future__ import annotations

from dataclasses import dataclass

from pmsync.config import Config
from pmsync.documents.scan import scan
from pmsync.engine.lint import check as lint
from pmsync.model import Diagnostic


@dataclass(frozen=True)
class CheckResult:
    findings: list[Diagnostic]
    documents: int
    items: int

    def count(self, level: str) -> int:
        return sum(1 for finding in self.findings if finding.level == level)


def check(arguments: list[str], config: Config) -> CheckResult:
    scanned = scan(arguments, config)
    findings = list(scanned.diagnostics) + lint(scanned.postmortems, config)
    items = sum(len(pm.items) for pm in scanned.postmortems)
    return CheckResult(findings, len(scanned.postmortems), items)
