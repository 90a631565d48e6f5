"""`pmsync check`: lint the documents (items without owner or due date, vague, duplicated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmsync.commands.context import Run
from pmsync.engine.lint import RULES
from pmsync.engine.lint import check as lint
from pmsync.errors import UsageError
from pmsync.model import Diagnostic


@dataclass(frozen=True)
class CheckResult:
    findings: list[Diagnostic]
    documents: int
    items: int
    levels: Mapping[str, str] = field(default_factory=dict)  # each rule's level, from the config

    def count(self, level: str) -> int:
        return sum(1 for finding in self.findings if finding.level == level)

    def by_rule(self) -> dict[str, list[Diagnostic]]:
        """The findings grouped by rule, the rules in the order they are defined (then reading problems)."""
        order = {rule: index for index, rule in enumerate(RULES)}
        groups: dict[str, list[Diagnostic]] = {}
        for finding in sorted(self.findings, key=lambda f: order.get(f.code, len(order))):
            groups.setdefault(finding.code, []).append(finding)
        return groups


def rules(values: Sequence[str], option: str) -> frozenset[str]:
    """Rule ids given to --select or --ignore (repeated or comma-separated), each one known."""
    chosen = frozenset(part.strip() for value in values for part in value.split(",") if part.strip())
    unknown = sorted(chosen - set(RULES))
    if unknown:
        raise UsageError(f"{option}: no rule named {', '.join(repr(u) for u in unknown)}", f"rules: {', '.join(RULES)}")
    return chosen


def check(run: Run, *, select: frozenset[str] = frozenset(), ignore: frozenset[str] = frozenset()) -> CheckResult:
    """Lint the documents; `select` keeps only those rules, `ignore` drops them (reading problems always stay)."""
    scanned = run.scanned
    found = lint(scanned.postmortems, run.config)
    found = [f for f in found if (not select or f.code in select) and f.code not in ignore]
    items = sum(len(pm.items) for pm in scanned.postmortems)
    levels = {rule: run.config.check_level(rule) for rule in RULES}
    return CheckResult(list(scanned.diagnostics) + found, len(scanned.postmortems), items, levels)
