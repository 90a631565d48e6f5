"""Turning results into text: JSON for machines, tables and Markdown for people."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from pmsync.apply import Applied, Outcome
from pmsync.model import Diagnostic, Incident, Item, Postmortem
from pmsync.plan import Action, Plan


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "date": _date(incident.date),
        "severity": incident.severity,
        "status": incident.status,
        "label": incident.label,
    }


def item_json(item: Item) -> dict[str, Any]:
    return {
        "key": item.key,
        "title": item.title,
        "text": item.text,
        "group": item.group,
        "owner": item.owner,
        "due": _date(item.due),
        "priority": item.priority,
        "kind": item.kind,
        "done": item.done,
        "wont_do": item.wont_do,
        "issue": None
        if item.issue is None
        else (
            item.issue.url or (f"{item.issue.repo}#{item.issue.number}" if item.issue.repo else f"#{item.issue.number}")
        ),
        "line": item.line,
        "end_line": item.end_line,
        "section": item.section,
    }


def scan_json(postmortems: Iterable[Postmortem]) -> str:
    documents = [
        {"path": pm.path, "incident": incident_json(pm.incident), "items": [item_json(i) for i in pm.items]}
        for pm in postmortems
    ]
    return json.dumps({"documents": documents}, ensure_ascii=False, indent=2)


def _cell(value: object, width: int) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def scan_table(postmortems: Iterable[Postmortem]) -> str:
    lines: list[str] = []
    for pm in postmortems:
        incident = pm.incident
        header = f"{pm.path}  ({incident.title or incident.id}"
        header += f", {incident.date.isoformat()}" if incident.date else ""
        header += f", {len(pm.items)} item{'s' if len(pm.items) != 1 else ''})"
        lines.append(header)
        for item in pm.items:
            state = "done" if item.done else "won't" if item.wont_do else "open"
            lines.append(
                f"  {item.line:>5}  {state:<5}  {_cell(item.owner or '-', 14):<14}  "
                f"{_date(item.due) or '-':<10}  {_cell(item.title, 80)}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n" if lines else "no postmortems found\n"


def md_cell(text: str) -> str:
    """Text made safe for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def scan_markdown(postmortems: Iterable[Postmortem]) -> str:
    out: list[str] = []
    for pm in postmortems:
        incident = pm.incident
        title = incident.title or incident.id
        out.append(f"### {md_cell(title)}\n")
        meta = [f"`{pm.path}`"]
        if incident.date:
            meta.append(incident.date.isoformat())
        if incident.severity:
            meta.append(incident.severity)
        out.append(" · ".join(meta) + "\n")
        if not pm.items:
            out.append("_No action items found._\n")
            continue
        out.append("| | Item | Owner | Due | Line |")
        out.append("|---|---|---|---|---|")
        for item in pm.items:
            box = "✅" if item.done else "🚫" if item.wont_do else "⬜"
            out.append(
                f"| {box} | {md_cell(item.title)} | {md_cell(item.owner or '')} | "
                f"{_date(item.due) or ''} | {item.line} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def diagnostic_line(diagnostic: Diagnostic) -> str:
    where = diagnostic.path if diagnostic.line is None else f"{diagnostic.path}:{diagnostic.line}"
    return f"{where}: {diagnostic.level}: {diagnostic.message} [{diagnostic.code}]"


def github_annotation(diagnostic: Diagnostic) -> str:
    """A workflow command GitHub Actions shows on the file in the pull request."""
    kind = {"error": "error", "warning": "warning", "notice": "notice"}[diagnostic.level]
    props = f"file={diagnostic.path}"
    if diagnostic.line is not None:
        props += f",line={diagnostic.line}"
    props += f",title=pmsync {diagnostic.code}"
    message = diagnostic.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{kind} {props}::{message}"


_VERBS_PLANNED = {
    "create": "create",
    "update": "update",
    "close": "close",
    "reopen": "reopen",
    "adopt": "adopt",
    "noop": "unchanged",
    "skip": "skip",
    "conflict": "conflict",
    "orphan": "orphan",
    "close_orphan": "close",
    "close_duplicate": "close",
}
_VERBS_DONE = {
    "create": "created",
    "update": "updated",
    "close": "closed",
    "reopen": "reopened",
    "adopt": "adopted",
    "close_orphan": "closed",
    "close_duplicate": "closed",
}
SUMMARY_KINDS = ("create", "update", "close", "reopen", "adopt", "noop", "skip", "conflict", "orphan")


def plan_summary(plan: Plan) -> dict[str, int]:
    counts = dict.fromkeys(SUMMARY_KINDS, 0)
    for action in plan.actions:
        kind = "close" if action.kind in ("close_orphan", "close_duplicate") else action.kind
        counts[kind] += 1
    return counts


def _action_line(action: Action, outcome: Outcome | None) -> str:
    verb = (
        _VERBS_DONE.get(action.kind, _VERBS_PLANNED[action.kind])
        if outcome and outcome.ok
        else _VERBS_PLANNED[action.kind]
    )
    if outcome is not None and not outcome.ok:
        verb = "FAILED " + verb
    number = outcome.number if outcome and outcome.number else action.number
    ref = f"#{number} " if number else ""
    title = f"'{_cell(action.item.title, 70)}'" if action.item else ""
    line = f"    {verb:<10} {ref}{title}"
    extras = []
    if action.changes:
        extras.append(", ".join(action.changes))
    if action.detail:
        extras.append(action.detail)
    if action.kind == "create" and action.write is not None and action.write.assignees:
        extras.append("assign " + ", ".join(f"@{a}" for a in action.write.assignees))
    if outcome is not None and outcome.error:
        extras.append(outcome.error)
    if extras:
        line += "  (" + "; ".join(extras) + ")"
    return line


def plan_text(plan: Plan, *, repo: str, dry_run: bool, applied: Applied | None = None, verbose: bool = False) -> str:
    outcomes = {id(o.action): o for o in applied.outcomes} if applied else {}
    header = f"pmsync push → {repo}" + (" (dry run: no request writes anything, no file changes)" if dry_run else "")
    lines = [header]
    by_path: dict[str, list[Action]] = {}
    for action in plan.actions:
        by_path.setdefault(action.path, []).append(action)
    for path, actions in by_path.items():
        shown = [a for a in actions if verbose or a.kind != "noop"]
        if not shown:
            continue
        lines.append(f"  {path}")
        lines.extend(_action_line(a, outcomes.get(id(a))) for a in shown)
    if plan.labels:
        lines.append("  labels to create: " + ", ".join(label.name for label in plan.labels))
    for parent in plan.parents:
        if parent.number is None:
            lines.append(f"  parent issue to create for {parent.incident.id}")
    counts = plan_summary(plan)
    lines.append(
        f"{counts['create']} to create, {counts['update']} to update, {counts['close']} to close, "
        f"{counts['reopen']} to reopen, {counts['adopt']} to adopt, {counts['noop']} unchanged, "
        f"{counts['skip']} skipped, {counts['conflict']} conflicts, {counts['orphan']} orphaned"
    )
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan, *, repo: str, dry_run: bool, applied: Applied | None = None) -> str:
    outcomes = {id(o.action): o for o in applied.outcomes} if applied else {}
    actions = []
    for action in plan.actions:
        outcome = outcomes.get(id(action))
        actions.append(
            {
                "kind": action.kind,
                "path": action.path,
                "line": action.item.line if action.item else None,
                "key": action.item.key if action.item else None,
                "title": action.item.title if action.item else None,
                "number": (outcome.number if outcome and outcome.number else action.number),
                "changes": list(action.changes),
                "detail": action.detail or None,
                "url": outcome.url if outcome else None,
                "error": outcome.error if outcome else None,
            }
        )
    data = {
        "repository": repo,
        "dry_run": dry_run,
        "summary": plan_summary(plan),
        "labels_to_create": [label.name for label in plan.labels],
        "warnings": list(plan.warnings),
        "actions": actions,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
