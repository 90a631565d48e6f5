"""Documents and their items as a table, Markdown and JSON (`pmsync scan`), and
findings as lines or GitHub annotations (`pmsync check`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from pmsync.commands.check import CheckResult
from pmsync.engine.lint import RULES
from pmsync.links import md_cell
from pmsync.model import Diagnostic, Incident, Item, Postmortem
from pmsync.output.table import PIPED, Cell, Column, Terminal, render_table, styled


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


def fit_cell(value: object, width: int) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _state(item: Item) -> str:
    return "done" if item.done else "won't" if item.wont_do else "open"


_BOXES = {"done": "✅", "won't": "🚫", "open": "⬜"}


_STATE_STYLES = {"done": "green", "won't": "dim", "open": ""}
SCAN_COLUMNS = (
    Column("LINE", "right"),
    Column("STATE"),
    Column("OWNER", cut=True),
    Column("DUE"),
    Column("ITEM", cut=True),
)


def scan_table(postmortems: Iterable[Postmortem], terminal: Terminal = PIPED) -> str:
    """Per postmortem, a heading line and a table of its items."""
    parts: list[str] = []
    for pm in postmortems:
        incident = pm.incident
        header = f"{pm.path}  ({incident.title or incident.id}"
        header += f", {incident.date.isoformat()}" if incident.date else ""
        header += f", {len(pm.items)} item{'s' if len(pm.items) != 1 else ''})"
        part = styled(header, "bold", terminal) + "\n"
        rows: list[list[Cell]] = [
            [
                str(item.line),
                (_state(item), _STATE_STYLES[_state(item)]),
                item.owner or "-",
                _date(item.due) or "-",
                item.title,
            ]
            for item in pm.items
        ]
        if rows:
            part += render_table(SCAN_COLUMNS, rows, terminal)
        parts.append(part)
    return "\n".join(parts) if parts else "no postmortems found\n"


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
        out += [
            f"| {_BOXES[_state(item)]} | {md_cell(item.title)} | {md_cell(item.owner or '')} | "
            f"{_date(item.due) or ''} | {item.line} |"
            for item in pm.items
        ]
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


def check_json(result: CheckResult) -> str:
    """`pmsync check --format json`: the counts and every finding."""
    data = {
        "documents": result.documents,
        "items": result.items,
        "errors": result.count("error"),
        "warnings": result.count("warning"),
        "findings": [
            {"path": f.path, "line": f.line, "level": f.level, "code": f.code, "message": f.message}
            for f in result.findings
        ],
        "rules": {rule: len(findings) for rule, findings in result.by_rule().items()},
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def check_tally(result: CheckResult) -> str:
    errors, warnings = result.count("error"), result.count("warning")
    return f"{result.documents} documents, {result.items} items: {errors} errors, {warnings} warnings"


RULE_COLUMNS = (
    Column("RULE"),
    Column("LEVEL"),
    Column("FINDINGS", "right"),
    Column("DOCUMENTS", "right"),
    Column("WHAT", cut=True),
)
_LEVEL_STYLES = {"error": "red", "warning": "yellow", "notice": ""}


def check_by_rule(result: CheckResult, terminal: Terminal = PIPED) -> str:
    """The findings counted by rule: how many, in how many documents, and what the rule is about."""
    rows: list[list[Cell]] = []
    for rule, findings in result.by_rule().items():
        level = max((f.level for f in findings), key=("notice", "warning", "error").index)
        about = RULES[rule].summary if rule in RULES else findings[0].message
        documents = len({f.path for f in findings})
        rows.append([rule, (level, _LEVEL_STYLES[level]), str(len(findings)), str(documents), about])
    return render_table(RULE_COLUMNS, rows, terminal) if rows else ""


def check_markdown(result: CheckResult) -> str:
    """For a job summary: the tally, a table by rule, and each finding."""
    out = ["## pmsync check", "", check_tally(result) + "."]
    groups = result.by_rule()
    if groups:
        out += ["", "| Rule | Findings | Documents | What |", "|---|---:|---:|---|"]
        for rule, findings in groups.items():
            about = RULES[rule].summary if rule in RULES else ""
            out.append(f"| `{rule}` | {len(findings)} | {len({f.path for f in findings})} | {md_cell(about)} |")
        for rule, findings in groups.items():
            out += ["", f"### `{rule}`", ""]
            out += [f"- `{f.path}{'' if f.line is None else f':{f.line}'}` {md_cell(f.message)}" for f in findings]
    return "\n".join(out) + "\n"
