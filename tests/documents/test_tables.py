"""Status columns of action item tables: found by header, read and written like a task box."""

from __future__ import annotations

import pytest

from pmsync.documents.tables import cell_text, set_cell, status_column
from pmsync.extract.status import cell_state
from tests.helpers import doc, extract

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


SPAN = " · [#3](https://github.com/acme/pm/issues/3) · done 2024-05-01"
MARK = " <!-- pmsync:cell -->"


@pytest.mark.parametrize(
    ("cell", "done", "said", "agreed"),
    [
        (f"Done{SPAN}{MARK}", True, "completed", True),  # as pmsync wrote it
        (f"Open{SPAN}{MARK}", False, "open", True),  # the author's edit since: the document says open
        (f"In progress{SPAN}{MARK}", False, "open", True),
        (f"Open{SPAN}", True, "open", False),  # an earlier pmsync's row: the span's state stands
        (f"see the runbook{SPAN}{MARK}", True, None, True),  # words naming no state: the span's
    ],
)
def test_a_status_cell_beside_pmsyncs_span(cell: str, done: bool, said: str | None, agreed: bool) -> None:
    text = doc(
        f"""
        # Outage

        ## Action items

        | Action item | Owner | Status |
        |---|---|---|
        | Add a canary | @kwame | {cell} |
        """
    )
    [item] = extract(text).items
    assert (item.done, item.status_said, item.words_agreed, item.agreed_state) == (done, said, agreed, "completed")
