"""Terminal tables: headed columns, fitted to a terminal's width with "…", whole when piped, coloured on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pmsync.cli import main
from pmsync.output.table import PIPED, Column, Terminal, cut, display_width, render_table
from tests.helpers import doc, write

COLUMNS = (Column("LINE", "right"), Column("STATE"), Column("OWNER", cut=True), Column("ITEM", cut=True))
ROWS = [
    ["9", "open", "jdoe", "Review the worker autoscaling ceiling every quarter and write down what changed"],
    ["12", ("done", "green"), "Ingrid Lind", "再発防止策を書く"],
]


def test_a_table_cut_to_a_terminal_of_48_columns() -> None:
    assert render_table(COLUMNS, ROWS, Terminal(width=48)) == (
        "LINE  STATE  OWNER        ITEM\n"
        "   9  open   jdoe         Review the worker aut…\n"
        "  12  done   Ingrid Lind  再発防止策を書く\n"
    )


def test_a_narrow_terminal_cuts_titles_to_their_least_and_never_numbers() -> None:
    out = render_table(COLUMNS, ROWS, Terminal(width=20))
    assert out == (
        "LINE  STATE  OWNER        ITEM\n"
        "   9  open   jdoe         Review the…\n"  # 12 columns at least: a cut title stays readable
        "  12  done   Ingrid Lind  再発防止策…\n"
    )


def test_piped_tables_are_never_cut() -> None:
    assert render_table(COLUMNS, ROWS, PIPED) == (
        "LINE  STATE  OWNER        ITEM\n"
        "   9  open   jdoe         Review the worker autoscaling ceiling every quarter and write down what changed\n"
        "  12  done   Ingrid Lind  再発防止策を書く\n"
    )


def test_colour_codes_wrap_the_text_not_the_padding() -> None:
    out = render_table(COLUMNS, ROWS, Terminal(width=200, color=True))
    assert out.splitlines()[0].startswith("\x1b[1mLINE\x1b[0m  \x1b[1mSTATE\x1b[0m")
    assert "  12  \x1b[32mdone\x1b[0m   Ingrid Lind" in out


def test_cut_counts_wide_characters_twice() -> None:
    assert cut("再発防止策を書く", 9) == "再発防止…"
    assert cut("short", 9) == "short"
    assert display_width("再発") == 4


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {"COLUMNS": "72"}, Terminal(72, True)),
        (True, {"COLUMNS": "72", "NO_COLOR": "1"}, Terminal(72, False)),
        (True, {"COLUMNS": "72", "TERM": "dumb"}, Terminal(72, False)),
        (False, {"COLUMNS": "72"}, Terminal(None, False)),
        (False, {"FORCE_COLOR": "1"}, Terminal(None, True)),
        (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, Terminal(None, False)),
    ],
)
def test_terminal_detect(tty: bool, environ: dict[str, str], expected: Terminal) -> None:
    stream = _Tty() if tty else io.StringIO()
    assert Terminal.detect(stream, environ) == expected


def test_a_terminal_without_columns_takes_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.get_terminal_size", lambda: __import__("os").terminal_size((91, 30)))
    assert Terminal.detect(_Tty(), {}).width == 91


def test_scan_piped_prints_whole_titles_under_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "40")  # not a terminal: COLUMNS does not cut
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    title = "Review the worker autoscaling ceiling every quarter and write down what changed"
    write(tmp_path / "pm.md", doc(f"# Outage\n\n## Action items\n\n- {title} @jdoe due 2024-04-01\n"))
    assert main(["scan", "pm.md"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == [
        "LINE  STATE  OWNER  DUE         ITEM",
        f"   5  open   jdoe   2024-04-01  {title}",
    ]


def test_force_color_colours_piped_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    write(tmp_path / "pm.md", doc("# Outage\n\n## Action items\n\n- [x] Add an alert @jdoe due 2024-04-01\n"))
    assert main(["scan", "pm.md"]) == 0
    assert "\x1b[32mdone\x1b[0m" in capsys.readouterr().out


def test_paths_are_cut_at_the_start_to_keep_the_file_and_line() -> None:
    columns = (Column("ITEM", cut=True), Column("WHERE", cut=True, keep_end=True))
    rows = [["Raise the worker autoscaling ceiling", "postmortems/2026-03-14-webhook-delivery-backlog.md:75"]]
    assert render_table(columns, rows, Terminal(width=34)).splitlines()[1] == "Raise the worke…  …y-backlog.md:75"
