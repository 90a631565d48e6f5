"""The span pmsync writes next to an item: render, find, strip."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmsync.links import Status, find_spans, md_cell, render, strip_spans

URL = "https://github.com/acme/pm/issues/123"
DAY = dt.date(2024, 5, 3)


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (Status(123, URL), f" · [#123]({URL})"),
        (Status(123, URL, "open"), f" · [#123]({URL}) · open"),
        (Status(123, URL, "open", DAY), f" · [#123]({URL}) · open"),  # no date for an open issue
        (Status(123, URL, "completed", DAY), f" · [#123]({URL}) · done 2024-05-03"),
        (Status(123, URL, "not_planned", DAY), f" · [#123]({URL}) · won't do 2024-05-03"),
        (Status(123, URL, "completed"), f" · [#123]({URL}) · done"),
        (Status(123, URL, "open", None, "jdoe"), f" · [#123]({URL}) · open · @jdoe"),
        (Status(123, URL, None, None, "jdoe"), f" · [#123]({URL}) · @jdoe"),
        (Status(123, URL, "completed", DAY, None, True), f" · [#123]({URL}) · done 2024-05-03 <!-- pmsync:cell -->"),
        (Status(123, URL, "open", None, "jdoe", True), f" · [#123]({URL}) · open · @jdoe <!-- pmsync:cell -->"),
        (Status(123, URL, None, None, None, True), f" · [#123]({URL})"),  # no state, nothing the words agree with
    ],
)
def test_render_and_find(status: Status, text: str) -> None:
    assert render(status) == text
    line = f"- Add alerting on replication lag{text}"
    [span] = find_spans(line, 7)
    assert span.line == 7
    assert line[: span.start] == "- Add alerting on replication lag"
    assert span.end == len(line)
    assert (span.ref.number, span.ref.repo, span.ref.url, span.ref.bound) == (123, "acme/pm", URL, True)
    assert span.state == status.state
    assert span.date == (status.date if status.state not in (None, "open") else None)
    assert span.assignee == status.assignee
    assert span.words == (status.words and status.state is not None)


@pytest.mark.parametrize(
    "after",
    ["", " |", "   |", "  ", "\t", "\\"],
    ids=["end", "cell", "padded-cell", "hard-break", "tab", "backslash"],
)
def test_span_is_found_before_what_may_follow_it(after: str) -> None:
    line = f"| Rotate keys | @bob{render(Status(5, URL.replace('123', '5'), 'open'))}{after}"
    [span] = find_spans(line, 0)
    assert line[span.end :] == after


def test_not_a_span() -> None:
    for line in (
        "- Rotate keys [#5](https://github.com/acme/pm/issues/5)",  # no separator: a person's link
        f"- Rotate keys · [#5]({URL})",  # the number must be the URL's
        "- Rotate keys · [#5](https://github.com/acme/pm/pull/5)",
        "- Rotate keys · #5 · open",
    ):
        assert find_spans(line, 0) == [], line


def test_strip_spans_keeps_everything_else() -> None:
    lines = [
        "# Outage",
        "",
        f"- Add alerting{render(Status(123, URL, 'open'))}",
        "- Unlinked item  ",
        f"| Rotate keys | @bob | done{render(Status(124, URL.replace('123', '124'), 'completed', DAY))} |",
    ]
    text, spans = strip_spans("\n".join(lines))
    assert text.split("\n") == ["# Outage", "", "- Add alerting", "- Unlinked item  ", "| Rotate keys | @bob | done |"]
    assert sorted(spans) == [2, 4]
    assert spans[2].ref.number == 123 and spans[2].state == "open"
    assert spans[4].ref.number == 124 and spans[4].state == "completed" and spans[4].date == DAY


def test_strip_spans_without_spans_is_the_same_text() -> None:
    text = "# Title\r\n\n- item · not a span\n"
    assert strip_spans(text) == (text, {})


states = st.sampled_from([None, "open", "completed", "not_planned"])
logins = st.none() | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,20}", fullmatch=True)


@given(
    number=st.integers(1, 999_999_999),
    repo=st.from_regex(r"[A-Za-z0-9_.-]{1,20}/[A-Za-z0-9_.-]{1,20}", fullmatch=True),
    state=states,
    date=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    assignee=logins,
    before=st.text(alphabet=st.characters(blacklist_characters="\n\r·"), max_size=40),
)
def test_render_find_strip_round_trip(
    number: int, repo: str, state: str | None, date: dt.date | None, assignee: str | None, before: str
) -> None:
    url = f"https://github.com/{repo}/issues/{number}"
    status = Status(number, url, state, date, assignee)  # type: ignore[arg-type]
    line = f"- {before.rstrip()}{render(status)}"
    [span] = find_spans(line, 0)
    assert (span.ref.number, span.ref.url, span.ref.repo) == (number, url, repo)
    assert span.state == state
    assert span.date == (date if state not in (None, "open") else None)
    assert span.assignee == assignee
    assert strip_spans(line) == (f"- {before.rstrip()}", {0: span})


def test_md_cell_keeps_a_title_from_closing_a_status_table() -> None:
    assert md_cell("Add <!-- /pmsync:status --> a | b\nc") == "Add &lt;!-- /pmsync:status --> a \\| b c"
