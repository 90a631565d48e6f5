"""The backlog chart: ticks and series for a known history, in SVG and Mermaid."""

from __future__ import annotations

import datetime as dt
import re

from pmsync.engine.report import BacklogDay, Span, backlog
from pmsync.output.chart import backlog_mermaid, backlog_svg, x_ticks, y_ticks

D = dt.date
# Three items of an incident on 2024-03-01: one closed on 03-10, one due 03-05 still open,
# one due 03-20 closed on 03-25 (late from 03-21 to 03-24).
HISTORY = [
    Span(D(2024, 3, 1), D(2024, 3, 10), None),
    Span(D(2024, 3, 1), None, D(2024, 3, 5)),
    Span(D(2024, 3, 1), D(2024, 3, 25), D(2024, 3, 20)),
]


def test_backlog_counts_open_and_overdue_each_day() -> None:
    points = {p.day: (p.open, p.overdue) for p in backlog(HISTORY, D(2024, 3, 31))}
    assert points[D(2024, 3, 1)] == (3, 0)
    assert points[D(2024, 3, 5)] == (3, 0)  # due today is not late yet
    assert points[D(2024, 3, 6)] == (3, 1)
    assert points[D(2024, 3, 10)] == (2, 1)  # closed on the 10th: not open at its end
    assert points[D(2024, 3, 21)] == (2, 2)
    assert points[D(2024, 3, 25)] == (1, 1)
    assert points[D(2024, 3, 31)] == (1, 1)
    assert min(points) == D(2024, 3, 1) and max(points) == D(2024, 3, 31)


def test_backlog_honours_since_and_today() -> None:
    points = backlog(HISTORY, D(2024, 3, 12), since=D(2024, 3, 9))
    assert [(p.day.day, p.open, p.overdue) for p in points] == [(9, 3, 1), (10, 2, 1), (11, 2, 1), (12, 2, 1)]
    assert backlog(HISTORY, D(2024, 3, 1), since=D(2024, 4, 1)) == ()
    assert backlog([], D(2024, 3, 1)) == ()


def test_y_ticks_are_round_steps_to_a_top_above_the_highest() -> None:
    assert y_ticks(0) == [0, 1]
    assert y_ticks(3) == [0, 1, 2, 3]
    assert y_ticks(7) == [0, 2, 4, 6, 8]
    assert y_ticks(23) == [0, 5, 10, 15, 20, 25]
    assert y_ticks(450) == [0, 100, 200, 300, 400, 500]


def test_x_ticks_are_days_mondays_or_firsts_of_months() -> None:
    assert x_ticks(D(2024, 3, 1), D(2024, 3, 4)) == [D(2024, 3, day) for day in (1, 2, 3, 4)]
    assert x_ticks(D(2024, 3, 1), D(2024, 3, 31)) == [D(2024, 3, day) for day in (4, 11, 18, 25)]  # Mondays
    assert x_ticks(D(2024, 1, 15), D(2024, 12, 1)) == [D(2024, m, 1) for m in (3, 5, 7, 9, 11)]
    assert x_ticks(D(2022, 1, 15), D(2026, 12, 1)) == [D(y, 1, 1) for y in (2023, 2024, 2025, 2026)]


def test_svg_has_title_ticks_grid_legend_and_both_series() -> None:
    svg = backlog_svg(backlog(HISTORY, D(2024, 3, 31)))
    assert ">Open postmortem action items, 2024-03-01 to 2024-03-31</text>" in svg
    x_labels = re.findall(r'<text x="[\d.]+" y="\d+">(\d{4}-\d\d-\d\d)</text>', svg)
    assert x_labels == ["2024-03-04", "2024-03-11", "2024-03-18", "2024-03-25"]
    y_labels = re.findall(r'<text x="\d+" y="[\d.]+">(\d+)</text>', svg)
    assert y_labels == ["0", "1", "2", "3"]
    assert svg.count("<line x1=") >= 4 + 4 + 2  # grid lines across and down, legend keys
    assert ">Open</text>" in svg and ">Overdue</text>" in svg
    open_path = re.search(r'class="series open" d="([^"]+)"', svg)
    overdue_path = re.search(r'class="series overdue" d="([^"]+)"', svg)
    assert open_path and overdue_path
    assert len(open_path[1].split()) == len(overdue_path[1].split()) == 31  # one point a day
    # 3 open on the first day (the top of the plot), 1 at the end; overdue 0 then 1
    assert open_path[1].startswith("M56.0,48.0") and open_path[1].endswith(",192.0")
    assert overdue_path[1].startswith("M56.0,264.0") and overdue_path[1].endswith(",192.0")


def test_mermaid_samples_at_the_ticks_with_both_lines() -> None:
    out = backlog_mermaid(backlog(HISTORY, D(2024, 3, 31)))
    assert out.startswith("```mermaid\n")
    assert "xychart-beta" in out
    assert '    x-axis ["2024-03-04", "2024-03-11", "2024-03-18", "2024-03-25", "2024-03-31"]' in out
    assert '    y-axis "Items" 0 --> 3' in out
    assert "    line [3, 2, 2, 1, 1]" in out  # open
    assert "    line [0, 1, 1, 1, 1]" in out  # overdue
    short = backlog_mermaid([BacklogDay(D(2024, 3, 1), 2, 0), BacklogDay(D(2024, 3, 2), 1, 1)])
    assert '    x-axis ["2024-03-01", "2024-03-02"]' in short and backlog_mermaid([]) == ""


def test_an_item_filed_late_counts_from_its_incident() -> None:
    """A first import files old postmortems' items today: their backlog still starts at the incident."""
    from types import SimpleNamespace

    from pmsync.engine.report import _backlog_span

    filed = SimpleNamespace(created_at=dt.datetime(2026, 12, 1, 9, 0), closed_at=None, marker=None)
    assert _backlog_span(filed, "open", D(2026, 3, 14), D(2026, 4, 30), None) == Span(  # type: ignore[arg-type]
        D(2026, 3, 14), None, D(2026, 4, 30)
    )
    assert _backlog_span(filed, "open", None, None, None) == Span(D(2026, 12, 1), None, None)  # type: ignore[arg-type]
    # offline: open from the incident; done closes by its due date (else on the incident's day)
    assert _backlog_span(None, "open", D(2026, 3, 14), None, None) == Span(D(2026, 3, 14), None, None)
    assert _backlog_span(None, "completed", D(2026, 3, 14), D(2026, 3, 20), None) == Span(
        D(2026, 3, 14), D(2026, 3, 20), D(2026, 3, 20)
    )
    assert _backlog_span(None, "completed", D(2026, 3, 14), None, None) == Span(D(2026, 3, 14), D(2026, 3, 14), None)
    assert _backlog_span(None, "open", None, None, None) is None


def test_an_imported_done_item_is_dated_from_the_document_never_the_import_day() -> None:
    """push.file_done files done items closed on the import day: on the chart they close on the
    day the document says (else by their due date, else on the incident's day), and they open on
    the incident's date, not the import day."""
    from types import SimpleNamespace

    from pmsync.engine.report import _backlog_span

    def imported(on: str | None, *, closed: bool = True) -> SimpleNamespace:
        marker = SimpleNamespace(extra={"imported": {"state": "completed", "on": on}})
        day = dt.datetime(2026, 12, 1, 9, 0)
        return SimpleNamespace(created_at=day, closed_at=day if closed else None, marker=marker)

    incident, due, done = D(2026, 3, 14), D(2026, 3, 31), D(2026, 3, 20)
    assert _backlog_span(imported("2026-03-20"), "completed", incident, due, done) == Span(incident, done, due)  # type: ignore[arg-type]
    assert _backlog_span(imported(None), "completed", incident, due, None) == Span(incident, due, due)  # type: ignore[arg-type]
    assert _backlog_span(imported(None), "not_planned", incident, None, None) == Span(incident, incident, None)  # type: ignore[arg-type]
    # a document day before the incident (a typo) does not open the item before it
    assert _backlog_span(imported("2026-03-01"), "completed", incident, None, D(2026, 3, 1)) == Span(  # type: ignore[arg-type]
        incident, incident, None
    )
    # no incident date: the document gives no opening day, so not on the chart (the import day is no substitute)
    assert _backlog_span(imported("2026-03-20"), "completed", None, None, done) is None  # type: ignore[arg-type]
    # reopened since the import: open work, counted from its incident like any filed item
    assert _backlog_span(imported("2026-03-20", closed=False), "open", incident, due, done) == Span(  # type: ignore[arg-type]
        incident, None, due
    )
    # not filed at all (issue 14's default), done on a day the document gives
    assert _backlog_span(None, "completed", incident, due, done) == Span(incident, done, due)
