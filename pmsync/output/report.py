"""Follow-up metrics as a table, Markdown (with the backlog as a Mermaid chart), JSON,
and one self-contained HTML page (inline SVG chart and styles; no script, font or
image fetched), fit to publish with GitHub Pages or keep as a workflow artifact."""

from __future__ import annotations

import json
from html import escape

from pmsync.engine.report import IncidentFigures, ItemStatus, Report
from pmsync.links import md_cell
from pmsync.output.chart import backlog_mermaid, backlog_svg
from pmsync.output.table import PIPED, Cell, Column, Terminal, render_table, styled


def _fmt(value: float | None, suffix: str = "") -> str:
    return "-" if value is None else f"{value:g}{suffix}"


REPORT_COLUMNS = (
    Column("INCIDENT", cut=True),
    *(Column(name, "right") for name in ("ITEMS", "DONE", "OPEN", "OVERDUE", "WON'T DO", "IN TIME", "MEDIAN", "P90")),
)


def as_table(report: Report, terminal: Terminal = PIPED) -> str:
    head = f"Follow-up report on {report.today.isoformat()}" + (f" (since {report.since})" if report.since else "")
    rows: list[list[Cell]] = []
    for name, f in [(i.title, i.figures) for i in report.incidents] + [("All incidents", report.overall)]:
        late: Cell = (str(f.overdue), "red") if f.overdue else "0"
        rows.append(
            [
                name,
                str(f.items),
                str(f.done),
                str(f.open),
                late,
                str(f.wont_do),
                _fmt(f.percent_done_in_time, "%"),
                _fmt(f.median_days_to_close, "d"),
                _fmt(f.p90_days_to_close, "d"),
            ]
        )
    out = styled(head, "bold", terminal) + "\n" + render_table(REPORT_COLUMNS, rows, terminal)
    out += (
        f"\nItems missing an owner: {report.overall.missing_owner}, missing a due date: {report.overall.missing_due}\n"
    )
    if report.without_items:
        out += "Postmortems with no action items: " + ", ".join(report.without_items) + "\n"
    return out


def as_markdown(report: Report) -> str:
    out = [f"## Postmortem follow-up report ({report.today.isoformat()})", ""]
    out += [
        "| Incident | Items | Done | Open | Overdue | Won't do | Done in time | Median days to close | p90 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(i.title, i.figures) for i in report.incidents] + [("**All**", report.overall)]
    for name, f in rows:
        cell = md_cell(name)
        out.append(
            f"| {cell} | {f.items} | {f.done} | {f.open} | {f.overdue} | {f.wont_do} | "
            f"{_fmt(f.percent_done_in_time, '%')} | {_fmt(f.median_days_to_close)} | {_fmt(f.p90_days_to_close)} |"
        )
    out += [
        "",
        f"Items missing an owner: {report.overall.missing_owner}. Missing a due date: {report.overall.missing_due}.",
    ]
    if report.without_items:
        out += ["", "Postmortems with no action items: " + ", ".join(f"`{p}`" for p in report.without_items) + "."]
    if report.backlog:
        out += ["", "### Backlog", "", backlog_mermaid(report.backlog)]
    return "\n".join(out) + "\n"


def as_json(report: Report) -> str:
    data = {
        "today": report.today.isoformat(),
        "since": report.since.isoformat() if report.since else None,
        "overall": report.overall.as_dict(),
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "date": i.date.isoformat() if i.date else None,
                "path": i.path,
                **i.figures.as_dict(),
            }
            for i in report.incidents
        ],
        "without_items": list(report.without_items),
        "backlog": [[point.day.isoformat(), point.open, point.overdue] for point in report.backlog],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


_STATES = {"open": "open", "completed": "done", "not_planned": "won't do"}
_STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 1040px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
.meta { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.d { white-space: nowrap; }
tr.late td { background: #fff1f0; } .state-completed { color: #1a7f37; } .state-not_planned { color: #57606a; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; padding: 0; }
.figures li { list-style: none; border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem 1rem; }
.figures b { display: block; font-size: 1.4rem; }
svg { max-width: 100%; height: auto; }
"""


def _cell(value: object, numeric: bool = False) -> str:
    text = "–" if value is None else escape(str(value))
    return f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>"


def _date_cell(item: ItemStatus) -> str:
    return f'<td class="d">{item.due.isoformat()}</td>' if item.due else "<td>–</td>"


def _issue_cell(item: ItemStatus) -> str:
    if item.issue is None:
        return "<td></td>"
    if item.url:
        return f'<td><a href="{escape(item.url)}">#{item.issue}</a></td>'
    return f"<td>#{item.issue}</td>"


def _incident_section(incident: IncidentFigures) -> list[str]:
    f = incident.figures
    when = incident.date.isoformat() if incident.date else "no date"
    out = [
        f'<section class="incident" id="incident-{escape(incident.id)}">',
        f"<h3>{escape(incident.title)}</h3>",
        f'<p class="meta">{when} · <code>{escape(incident.path)}</code> · {f.items} items, {f.done} done, '
        f"{f.open} open, {f.overdue} overdue</p>",
        "<table>",
        '<thead><tr><th class="n">Line</th><th>Item</th><th>Owner</th><th>Due</th><th>State</th>'
        "<th>Issue</th></tr></thead>",
        "<tbody>",
    ]
    for item in incident.items:
        late = item.days_late is not None
        state = _STATES.get(item.state, item.state) + (f", {item.days_late} days late" if late else "")
        row = '<tr class="late">' if late else "<tr>"
        out.append(
            f"{row}{_cell(item.line, True)}{_cell(item.title)}{_cell(item.owner)}"
            f"{_date_cell(item)}"
            f'<td class="state-{escape(item.state)}">{escape(state)}</td>{_issue_cell(item)}</tr>'
        )
    out += ["</tbody>", "</table>", "</section>"]
    return out


def as_html(report: Report) -> str:
    """The report as one HTML page: figures, the backlog chart, the overdue list, a table per incident."""
    overall = report.overall
    since = f" (incidents since {report.since.isoformat()})" if report.since else ""
    title = f"Postmortem follow-up report, {report.today.isoformat()}"
    overdue = sorted(
        ((item, incident) for incident in report.incidents for item in incident.items if item.days_late is not None),
        key=lambda pair: -(pair[0].days_late or 0),
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Action items of {len(report.incidents)} postmortems{escape(since)}, written by pmsync.</p>',
        '<ul class="figures">',
        *(
            f'<li class="figure-{key}"><b>{value}</b>{label}</li>'
            for key, value, label in (
                ("items", overall.items, "items"),
                ("done", overall.done, "done"),
                ("open", overall.open, "open"),
                ("overdue", overall.overdue, "overdue"),
                ("wont-do", overall.wont_do, "won't do"),
            )
        ),
        "</ul>",
        '<h2 id="backlog">Backlog</h2>',
        backlog_svg(report.backlog).strip() if report.backlog else "<p>No items to chart.</p>",
        '<h2 id="overdue">Overdue</h2>',
    ]
    if overdue:
        out += [
            '<table class="overdue">',
            '<thead><tr><th class="n">Days late</th><th>Item</th><th>Owner</th><th>Due</th><th>Incident</th>'
            "<th>Issue</th></tr></thead>",
            "<tbody>",
        ]
        for item, incident in overdue:
            out.append(
                f"<tr>{_cell(item.days_late, True)}{_cell(item.title)}{_cell(item.owner)}"
                f"{_date_cell(item)}"
                f'<td><a href="#incident-{escape(incident.id)}">{escape(incident.title)}</a></td>'
                f"{_issue_cell(item)}</tr>"
            )
        out += ["</tbody>", "</table>"]
    else:
        out.append("<p>Nothing is overdue.</p>")
    out += [
        '<h2 id="incidents">Incidents</h2>',
        "<table>",
        '<thead><tr><th>Incident</th><th class="n">Items</th><th class="n">Done</th><th class="n">Open</th>'
        '<th class="n">Overdue</th><th class="n">Won\'t do</th><th class="n">Done in time</th>'
        '<th class="n">Median days to close</th></tr></thead>',
        "<tbody>",
    ]
    for incident in report.incidents:
        f = incident.figures
        out.append(
            f'<tr><td><a href="#incident-{escape(incident.id)}">{escape(incident.title)}</a></td>'
            f"{_cell(f.items, True)}{_cell(f.done, True)}{_cell(f.open, True)}{_cell(f.overdue, True)}"
            f"{_cell(f.wont_do, True)}{_cell(_fmt(f.percent_done_in_time, '%'), True)}"
            f"{_cell(_fmt(f.median_days_to_close), True)}</tr>"
        )
    out += ["</tbody>", "</table>"]
    for incident in report.incidents:
        out += _incident_section(incident)
    if report.without_items:
        out.append(
            "<p>Postmortems with no action items: "
            + ", ".join(f"<code>{escape(path)}</code>" for path in report.without_items)
            + ".</p>"
        )
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
