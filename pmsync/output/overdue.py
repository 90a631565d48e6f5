"""Overdue reports as a table, Markdown (the job summary) and JSON."""

from __future__ import annotations

import json

from pmsync.engine.overdue import Entry, OverdueReport
from pmsync.engine.remind import ReminderResult
from pmsync.links import md_cell
from pmsync.output.table import PIPED, Cell, Column, Terminal, render_table, styled


def _issue_text(entry: Entry) -> str:
    return f"#{entry.number}" if entry.number is not None else "-"


OVERDUE_COLUMNS = (
    Column("LATE", "right"),
    Column("ISSUE", "right"),
    Column("OWNER", cut=True),
    Column("DUE"),
    Column("ITEM", cut=True),
    Column("WHERE", cut=True, keep_end=True),
)
DUE_SOON_COLUMNS = (Column("DUE IN", "right"), *OVERDUE_COLUMNS[1:])


def _row(entry: Entry, when: Cell) -> list[Cell]:
    return [when, _issue_text(entry), entry.who, entry.due.isoformat(), entry.title, f"{entry.path}:{entry.line}"]


def as_table(report: OverdueReport, terminal: Terminal = PIPED) -> str:
    head = f"Overdue on {report.today.isoformat()}: {len(report.overdue)} of {report.open_items} open items"
    out = styled(head, "bold", terminal) + "\n"
    if report.overdue:
        rows = [_row(entry, (f"{entry.days_late}d", "red")) for entry in report.overdue]
        out += render_table(OVERDUE_COLUMNS, rows, terminal)
    out += "\n" + styled(f"Due within {report.within} days: {len(report.due_soon)}", "bold", terminal) + "\n"
    if report.due_soon:
        rows = [_row(entry, "today" if entry.days_late == 0 else f"{-entry.days_late}d") for entry in report.due_soon]
        out += render_table(DUE_SOON_COLUMNS, rows, terminal)
    if report.without_due:
        out += f"\n{report.without_due} open items have no due date (`pmsync check` lists them)\n"
    return out


def as_markdown(report: OverdueReport) -> str:
    out = [f"## Overdue postmortem action items ({report.today.isoformat()})", ""]
    if not report.overdue:
        out.append("Nothing is overdue. 🎉")
    else:
        out += ["| Days late | Item | Owner | Due | Incident | Issue |", "|---:|---|---|---|---|---|"]
        for entry in report.overdue:
            link = f"[#{entry.number}]({entry.url})" if entry.number is not None else ""
            out.append(
                f"| {entry.days_late} | {md_cell(entry.title)} | {md_cell(entry.who)} | {entry.due.isoformat()} | "
                f"{md_cell(entry.incident.title or entry.incident.id)} | {link} |"
            )
    out.append("")
    if report.due_soon:
        out += [f"### Due within {report.within} days", "", "| Due | Item | Owner | Issue |", "|---|---|---|---|"]
        for entry in report.due_soon:
            link = f"[#{entry.number}]({entry.url})" if entry.number is not None else ""
            out.append(f"| {entry.due.isoformat()} | {md_cell(entry.title)} | {md_cell(entry.who)} | {link} |")
        out.append("")
    return "\n".join(out)


def _entry_json(entry: Entry) -> dict[str, object]:
    plain = {name: getattr(entry, name) for name in ("path", "line", "title", "owner")}
    return plain | {
        "assignees": list(entry.assignees),
        "incident": entry.incident.id,
        "due": entry.due.isoformat(),
        "due_source": entry.source,
        "days_late": entry.days_late,
        "issue": entry.number,
        "url": entry.url,
    }


def as_json(report: OverdueReport) -> str:
    data = {
        "today": report.today.isoformat(),
        "within": report.within,
        "open_items": report.open_items,
        "without_due": report.without_due,
        "overdue": [_entry_json(e) for e in report.overdue],
        "due_soon": [_entry_json(e) for e in report.due_soon],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def reminder_messages(reminders: ReminderResult, label: str, *, dry_run: bool) -> list[str]:
    """What `overdue --label/--remind/--digest` did (or would do), one line each."""
    verb = "would " if dry_run else ""
    lines = [f"{verb}label #{number} {label}" for number in reminders.label_added]
    lines += [f"{verb}unlabel #{number}" for number in reminders.label_removed]
    lines += [f"{verb}remind #{number} ({threshold}+ days late)" for number, threshold in reminders.reminded]
    if reminders.digest_written:
        lines.append(f"{verb}update the digest issue" + (f" #{reminders.digest}" if reminders.digest else ""))
    lines += [f"error: {error}" for error in reminders.errors]
    return lines
