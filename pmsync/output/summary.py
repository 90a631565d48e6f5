"""The Action's job summary and log, rendered from the JSON pmsync printed (push,
pull, sync, check, overdue, report) with the verbs and table cells the CLI uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pmsync.errors import EXIT_FINDINGS, EXIT_OK
from pmsync.links import md_cell
from pmsync.model import Diagnostic
from pmsync.output.plan import ORPHANS_COMMAND, verb
from pmsync.output.scan import diagnostic_line, github_annotation

SUMMARY_LIMIT = 50  # action lines listed in the job summary; the rest are counted
Json = dict[str, Any]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    closed: int = 0
    overdue: int | None = None
    known: bool = True


@dataclass
class RunRecord:
    """One pmsync run as the Action saw it: its command, exit code and JSON."""

    command: str
    exit_code: int
    stdout: str
    counts: Counts = field(default_factory=Counts)
    data: Json | None = None  # the JSON pmsync printed; None when it printed text (a --format in extra-args)
    offline: bool = False
    writes_documents: bool = False
    changed: list[str] = field(default_factory=list)

    @property
    def plan(self) -> Json | None:
        """A push's or sync's plan."""
        return self.data if self.data is not None and "summary" in self.data else None

    @property
    def pull(self) -> Json | None:
        """A pull's results, or a sync's."""
        if self.data is None:
            return None
        pulled = self.data.get("pull") if self.command == "sync" else self.data
        return pulled if self.command in ("sync", "pull") and isinstance(pulled, dict) else None

    @property
    def findings(self) -> list[Diagnostic]:
        """`pmsync check`'s findings."""
        if self.command != "check" or self.data is None:
            return []
        return [Diagnostic(**finding) for finding in self.data.get("findings", [])]


def plan_counts(plan: Mapping[str, Any]) -> Counts:
    """Issues created, updated (reopened included) and closed: planned in a dry run, else done."""
    dry = bool(plan.get("dry_run"))
    counts = Counts()
    for action in plan.get("actions", []):
        if not isinstance(action, dict):
            continue
        done = dry or (action.get("error") is None and action.get("url") is not None)
        if not done:
            continue
        kind = action.get("kind")
        if kind == "create":
            counts.created += 1
        elif kind in ("update", "reopen"):
            counts.updated += 1
        elif kind in ("close", "close_orphan", "close_duplicate"):
            counts.closed += 1
    return counts


def markdown_of(command: str, data: Json) -> str:
    """`--format markdown` of push, pull and sync: what the job summary shows for their JSON."""
    counts = plan_counts(data) if "summary" in data else Counts()
    return summary_markdown(RunRecord(command, EXIT_OK, "", counts, data))


def _action_verb(action: Mapping[str, Any], dry: bool) -> str:
    kind = str(action.get("kind"))
    return verb(kind, done=not dry and action.get("url") is not None, failed=bool(action.get("error")))


def _shown_actions(plan: Mapping[str, Any]) -> list[Json]:
    return [a for a in plan.get("actions", []) if isinstance(a, dict) and a.get("kind") != "noop"]


def _pull_lines(pulled: Mapping[str, Any]) -> list[str]:
    return [f"{change.get('path')}:{change.get('change')}" for change in pulled.get("changes", [])]


def _check_tally(data: Mapping[str, Any]) -> str:
    return (
        f"{data.get('documents')} documents, {data.get('items')} items: "
        f"{data.get('errors')} errors, {data.get('warnings')} warnings"
    )


def log_text(record: RunRecord) -> str:
    """A plain-text account for the log, from the JSON pmsync printed for the Action."""
    lines: list[str] = []
    plan, data = record.plan, record.data or {}
    if plan is not None:
        dry = bool(plan.get("dry_run"))
        head = f"pmsync {record.command} → {plan.get('repository')}"
        lines.append(head + (" (dry run: nothing written)" if dry else ""))
        for action in _shown_actions(plan):
            number = f"#{action['number']} " if action.get("number") else ""
            where = f"{action.get('path')}:{action.get('line')}" if action.get("path") else ""
            detail = f" ({action['detail']})" if action.get("detail") else ""
            error = f": {action['error']}" if action.get("error") else ""
            lines.append(
                f"  {_action_verb(action, dry):<10} {number}{action.get('title') or ''}  {where}{detail}{error}"
            )
        lines.append(", ".join(f"{count} {kind}" for kind, count in plan.get("summary", {}).items()))
    if record.pull is not None:
        lines.extend(_pull_lines(record.pull))
    elif record.command == "check":  # as annotations: GitHub shows them on the files
        lines.extend(github_annotation(finding) for finding in record.findings)
        lines.append(_check_tally(data))
    elif record.command == "overdue" and isinstance(data.get("overdue"), list):
        entries = data["overdue"]
        lines.append(f"{len(entries)} overdue action items")
        for entry in entries:
            ref = f"#{entry['issue']} " if entry.get("issue") else ""
            lines.append(
                f"  {entry.get('days_late')} days late  {ref}{entry.get('title')}  "
                f"({entry.get('owner') or 'no owner'}, {entry.get('path')}:{entry.get('line')})"
            )
    elif record.command == "report" and isinstance(data.get("overall"), dict):
        lines.append(", ".join(f"{key}: {value}" for key, value in data["overall"].items()))
    return "\n".join(lines) + "\n"


def _plan_markdown(plan: Mapping[str, Any], counts: Counts) -> list[str]:
    parts = []
    dry = bool(plan.get("dry_run"))
    if dry:
        parts.append("Dry run: no issue was written and no document changed.")
    summary = plan.get("summary", {})
    overdue = "–" if counts.overdue is None else str(counts.overdue)
    heads = ("to create", "to update", "to close") if dry else ("created", "updated", "closed")
    parts.append(
        f"| {' | '.join(heads)} "
        f"| unchanged | skipped | conflicts | orphaned | overdue |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        f"| {counts.created} | {counts.updated} | {counts.closed} | {summary.get('noop', 0)} "
        f"| {summary.get('skip', 0)} | {summary.get('conflict', 0)} | {summary.get('orphan', 0)} | {overdue} |"
    )
    shown = _shown_actions(plan)
    actions = [a for a in shown if a.get("kind") not in ("skip", "orphan", "conflict")]
    skipped: dict[str, int] = {}
    for action in shown:
        if action.get("kind") == "skip":
            reason = str(action.get("detail") or "skipped")
            skipped[reason] = skipped.get(reason, 0) + 1
    if actions:
        rows = ["| | issue | item | document |", "| --- | --- | --- | --- |"]
        for action in actions[:SUMMARY_LIMIT]:
            number = action.get("number")
            issue = f"#{number}" if number else ""
            if number and action.get("url"):
                issue = f"[#{number}]({action['url']})"
            where = f"`{action.get('path')}:{action.get('line')}`" if action.get("path") else ""
            note = action.get("error") or action.get("detail") or ""
            title = md_cell(str(action.get("title") or "")) + (f" ({md_cell(str(note))})" if note else "")
            rows.append(f"| {_action_verb(action, dry)} | {issue} | {title} | {where} |")
        if len(actions) > SUMMARY_LIMIT:
            rows.append(f"| … | | and {len(actions) - SUMMARY_LIMIT} more (see the log) | |")
        parts.append("\n".join(rows))
    if skipped:
        parts.append("\n".join(f"- {count} skipped: {md_cell(reason)}" for reason, count in skipped.items()))
    parts += _conflicts_markdown(plan)
    orphans = [a for a in shown if a.get("kind") == "orphan"]
    if orphans:
        rows = [f"- #{a.get('number')} {md_cell(str(a.get('title') or ''))} (`{a.get('path')}`)" for a in orphans]
        parts.append(
            f"<details><summary>{len(orphans)} orphaned issues: their items were removed from the documents"
            f"</summary>\n\n" + "\n".join(rows) + f"\n\nClose them as not planned with `{ORPHANS_COMMAND}`, "
            "or put the items back.\n\n</details>"
        )
    warnings = [str(w) for w in plan.get("warnings", [])]
    if warnings:
        parts.append("\n".join(f"> [!WARNING]\n> {md_cell(w)}" for w in warnings))
    return parts


def _conflicts_markdown(plan: Mapping[str, Any]) -> list[str]:
    """The conflicts of a push and of its pull (a sync), each once, with how to resolve it."""
    found: dict[tuple[object, object], Mapping[str, Any]] = {}
    pulled = plan.get("pull") if isinstance(plan.get("pull"), dict) else {}
    for conflict in [*plan.get("conflicts", []), *(pulled or {}).get("conflict_details", [])]:
        if isinstance(conflict, dict):
            found.setdefault((conflict.get("path"), conflict.get("line")), conflict)
    if not found:
        return []
    rows = [
        f"> - `{c.get('path')}:{c.get('line')}`: {md_cell(str(c.get('message')))}; {md_cell(str(c.get('resolve')))}"
        for c in found.values()
    ]
    return [
        f"> [!WARNING]\n> {len(found)} conflicts: the item and its issue both changed, so neither was touched.\n>\n"
        + "\n".join(rows)
    ]


def _fenced(lines: list[str]) -> str:
    fence = "````"
    return f"{fence}\n" + "\n".join(lines) + f"\n{fence}"


def summary_markdown(record: RunRecord) -> str:
    """The job summary of one run: counts, then each action (at most SUMMARY_LIMIT), then changed files."""
    shown = "push --offline" if record.offline and record.command in ("sync", "push") else record.command
    parts = [f"## pmsync {shown}"]
    if record.plan is not None:
        parts += _plan_markdown(record.plan, record.counts)
    elif record.command == "check" and record.data is not None:
        parts.append(_check_tally(record.data))
        if record.findings:
            parts.append(_fenced([diagnostic_line(finding) for finding in record.findings]))
    elif record.pull is not None:
        if record.pull.get("changes"):
            parts.append(_fenced(_pull_lines(record.pull)))
        parts += _conflicts_markdown({"pull": record.pull})
    elif record.stdout.strip():  # pmsync printed text (a --format in extra-args): show it as printed
        parts.append(_fenced(record.stdout.strip().splitlines()))
    if record.changed:
        parts.append("Documents updated:\n\n" + "\n".join(f"- `{path}`" for path in record.changed))
    elif record.writes_documents and record.exit_code in (EXIT_OK, EXIT_FINDINGS):
        parts.append("No document changed.")
    if record.exit_code != EXIT_OK:
        parts.append(f"pmsync exited with code {record.exit_code}: see the log.")
    return "\n\n".join(parts)
