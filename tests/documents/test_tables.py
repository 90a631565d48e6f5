"""Status columns of action item tables: found by header, read and written like a task box."""

from __future__ import annotations

import pytest

from pmsync.documents.tables import cell_state, cell_text, set_cell, status_column

TABLE = [
    "## Action items",
    "",
    "| Action item | Owner | Status |",
    "|---|:---:|---|",
    "| Add a canary | @kwame | Open · [#3](https://github.com/acme/pm/issues/3) · done 2024-05-01 |",
    "| Rotate keys | @amy | In progress |",
]


def test_the_status_column_is_found_from_any_row_of_its_table() -> None:
    assert status_column(TABLE, 5) == 2
    assert status_column(TABLE, 6) == 2
    assert status_column(["| Item | Owner |", "|---|---|", "| A | b |"], 3) is None
    assert status_column(["no table here"], 1) is None


def test_a_cell_is_read_without_pmsyncs_span() -> None:
    assert cell_text(TABLE[4], 2) == "Open"
    assert cell_text(TABLE[4], 7) is None


@pytest.mark.parametrize(
    ("words", "state"),
    [
        ("Open", "open"),
        ("In progress", "open"),
        ("TODO", "open"),
        ("Done", "completed"),
        ("✅ 2024-05-01", "completed"),
        ("Won't do", "not_planned"),
        ("Dropped: superseded by #12", "not_planned"),
        ("Not done", "open"),
        ("see the runbook", None),
        ("", None),
    ],
)
def test_the_words_of_a_status_cell(words: str, state: str | None) -> None:
    assert cell_state(words) == state


def test_writing_a_cell_keeps_the_span_and_the_spacing() -> None:
    assert set_cell(TABLE[4], 2, "Done") == TABLE[4].replace("| Open · ", "| Done · ")
    assert set_cell(TABLE[5], 2, "Won't do") == "| Rotate keys | @amy | Won't do |"
    assert set_cell(TABLE[5], 9, "Done") == TABLE[5]
