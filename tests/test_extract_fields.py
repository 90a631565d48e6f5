"""Fields of an item: owner, due date, priority, kind, state, issue reference, span, key."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from pmsync.config import Config
from pmsync.extract import extract_document
from tests.helpers import doc, extract, extract_fixture, item_starting, titles

if TYPE_CHECKING:
    from pmsync.model import Item

HEADER = doc(
    """
    # Replica lag outage

    Start Time: 2024-03-11 14:02 UTC

    ## Action items

    """
)
FIRST_ITEM_LINE = HEADER.count("\n") + 1  # the line the first entry below the header is on


def only(entry: str, config: Config | None = None, *, header: str = HEADER) -> Item:
    """The one item of a document with `entry` under 'Action items'."""
    pm = extract(header + entry + "\n", config=config)
    assert len(pm.items) == 1, titles(pm)
    return pm.items[0]


# -- owner -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "owner"),
    [
        ("- Add replica lag alerting @jdoe", "jdoe"),
        ("- Rotate the database credentials. Owner: Priya", "Priya"),
        ("- Rotate the database credentials. Owner: @priya-k", "priya-k"),
        ("- Write the failover runbook. Owner: Jane Doe", "Jane Doe"),
        ("- Write the failover runbook (assignee: kim)", "kim"),
        ("- Add replica lag alerting", None),
        ("- Add replica lag alerting. Owner: TBD", None),
        ("- Email ops@example.com about replica lag alerting", None),
    ],
)
def test_owner(entry: str, owner: str | None) -> None:
    assert only(entry).owner == owner


def test_owner_alias_from_config() -> None:
    config = Config(owners=(("Jane Doe", "jdoe"), ("Kim Park", "kpark")))
    assert only("- Write the failover runbook. Owner: Jane Doe", config).owner == "jdoe"
    # table column, matched without regard to case
    pm = extract_fixture("table.md", config)
    assert [i.owner for i in pm.items] == ["mlopez", "kpark", "tsato"]


def test_owner_alias_is_case_insensitive() -> None:
    config = Config(owners=(("Jane Doe", "jdoe"),))
    assert only("- Write the failover runbook. Owner: jane doe", config).owner == "jdoe"


# -- due date ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "due"),
    [
        ("- Upgrade the database driver, due 2024-04-15", dt.date(2024, 4, 15)),
        ("- Upgrade the database driver (due: 2024-04-15)", dt.date(2024, 4, 15)),
        ("- Shard the sessions table. Due: 22 July 2026", dt.date(2026, 7, 22)),
        ("- Shard the sessions table. Due: July 22, 2026", dt.date(2026, 7, 22)),
        ("- Enable slow query logging by May 1", dt.date(2024, 5, 1)),  # year from the incident
        ("- Upgrade the kernel by Jan 5", dt.date(2025, 1, 5)),  # before the incident: next year
        ("- Review the paging policy within the next week", dt.date(2024, 3, 18)),  # incident + 7 days
        ("- Review the paging policy within 2 weeks", dt.date(2024, 3, 25)),
        ("- Migrate backups to the new region (Q2 2024)", dt.date(2024, 6, 30)),
        ("- Migrate backups to the new region (Q4 2024)", dt.date(2024, 12, 31)),
        ("- Migrate backups to the new region", None),
    ],
)
def test_due(entry: str, due: dt.date | None) -> None:
    item = only(entry)
    assert item.due == due
    assert not item.due_unparseable


def test_due_unparseable() -> None:
    item = only("- Archive old snapshots. Due: next sprint")
    assert item.due is None
    assert item.due_unparseable
    assert item.due_text is not None and "next sprint" in item.due_text


def test_relative_due_without_incident_date_is_unparseable() -> None:
    header = "# Undated\n\n## Action items\n\n"
    item = only("- Review the paging policy within the next week", header=header)
    assert item.due is None
    assert item.due_unparseable


def test_due_from_table_column_and_front_matter_date() -> None:
    pm = extract(
        doc(
            """
            ---
            start_time: 2024-03-11
            ---
            # Outage

            ## Action items

            | Action | Owner | Due |
            |---|---|---|
            | Add an alert | @a | 2024-04-01 |
            | Write a runbook | @b | April 20 |
            | Shard the table | @c | next sprint |
            | Tidy the dashboards | @d | TBD |
            """
        )
    )
    assert [(i.title, i.due, i.due_unparseable) for i in pm.items] == [
        ("Add an alert", dt.date(2024, 4, 1), False),
        ("Write a runbook", dt.date(2024, 4, 20), False),
        ("Shard the table", None, True),
        ("Tidy the dashboards", None, False),
    ]


# -- priority and kind ---------------------------------------------------------------


@pytest.mark.parametrize("level", ["P0", "P1", "P2", "P3", "P4"])
def test_priority_prefix(level: str) -> None:
    item = only(f"- {level} Add a connection limit per client")
    assert item.priority == level
    assert item.title == "Add a connection limit per client"


def test_priority_in_text() -> None:
    assert only("- Add a connection limit per client (P2)").priority == "P2"


@pytest.mark.parametrize(("tag", "level"), [("**HIGH**", "P1"), ("**LOW**", "P3"), ("CRITICAL:", "P0")])
def test_priority_word_prefix(tag: str, level: str) -> None:
    item = only(f"- {tag} Patch the proxy configuration")
    assert item.priority == level
    assert item.title == "Patch the proxy configuration"


def test_no_priority() -> None:
    assert only("- Patch the proxy configuration").priority is None


def test_kind_from_type_column() -> None:
    pm = extract(
        doc(
            """
            # Outage

            ## Action items

            | Action Item | Type | Priority |
            |---|---|---|
            | Add a canary stage | Prevent | P1 |
            | Alert on error budget burn | Detect | P2 |
            | Script the rollback | Mitigate | High |
            | Train on-call engineers | Process | Low |
            | Tidy the logs | Other | |
            """
        )
    )
    assert [(i.kind, i.priority) for i in pm.items] == [
        ("prevent", "P1"),
        ("detect", "P2"),
        ("mitigate", "P1"),
        ("process", "P3"),
        (None, None),
    ]


# -- issue references ---------------------------------------------------------------


def test_issue_short_reference() -> None:
    item = only("- Fix the retry storm, see #123")
    assert item.issue is not None
    assert (item.issue.number, item.issue.repo) == (123, None)


def test_issue_cross_repo_reference() -> None:
    item = only("- Fix the retry storm, see acme/api#77")
    assert item.issue is not None
    assert (item.issue.number, item.issue.repo) == (77, "acme/api")


def test_issue_url() -> None:
    item = only("- Remove the legacy endpoint https://github.com/acme/api/issues/456")
    assert item.issue is not None
    assert (item.issue.number, item.issue.repo, item.issue.url) == (
        456,
        "acme/api",
        "https://github.com/acme/api/issues/456",
    )


def test_issue_markdown_link() -> None:
    item = only("- Remove the legacy endpoint [#456](https://github.com/acme/api/issues/456)")
    assert item.issue is not None
    assert (item.issue.number, item.issue.repo) == (456, "acme/api")


def test_issue_reference_link_definition() -> None:
    text = HEADER + "- [#2226]: Tune the autovacuum settings\n\n[#2226]: https://github.com/acme/db/issues/2226\n"
    pm = extract(text)
    assert titles(pm) == ["Tune the autovacuum settings"]
    issue = pm.items[0].issue
    assert issue is not None
    assert (issue.number, issue.repo, issue.url) == (2226, "acme/db", "https://github.com/acme/db/issues/2226")


def test_no_issue_reference() -> None:
    assert only("- Tune the autovacuum settings").issue is None
    # an HTML entity or an anchor is not an issue
    assert only("- Tune the autovacuum settings, see the docs page#section").issue is None


# -- done / won't do ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "done", "wont"),
    [
        ("- [ ] Add an alert on lag", False, False),
        ("- [x] Add an alert on lag", True, False),
        ("- Add an alert on lag ✅", True, False),
        ("- Add an alert on lag (done)", True, False),
        ("- ~~Add an alert on lag~~", False, True),
    ],
)
def test_state(entry: str, done: bool, wont: bool) -> None:
    item = only(entry)
    assert (item.done, item.wont_do) == (done, wont)


# -- spans ----------------------------------------------------------------------------


def test_line_and_end_line() -> None:
    text = HEADER + doc(
        """
        - Add replica lag alerting
          so that on-call hears about lag
          before users do
        - Rotate the database credentials
        ## Appendix

        Nothing here.
        """
    )
    pm = extract(text)
    assert [(i.title, i.line, i.end_line) for i in pm.items] == [
        ("Add replica lag alerting so that on-call hears about lag before users do", 7, 9),
        ("Rotate the database credentials", 10, 10),
    ]


def test_end_line_of_last_list_entry_excludes_trailing_blank_line() -> None:
    pm = extract_fixture("atx_headings.md")
    last = pm.items[-1]
    assert last.title == "Load test the queue at twice the peak rate"
    assert (last.line, last.end_line) == (14, 14)  # line 15 is blank, 16 is "## Appendix"


def test_lines_count_crlf_and_front_matter() -> None:
    text = "---\nid: x\n---\r\n# T\r\n\r\n## Action items\r\n\r\n- Add an alert\r\n- Add a runbook\r\n"
    pm = extract(text)
    assert [(i.title, i.line) for i in pm.items] == [("Add an alert", 8), ("Add a runbook", 9)]


def test_anchor_line_is_where_the_entry_text_ends() -> None:
    text = HEADER + "- Add replica lag alerting\n  so that on-call hears about it\n  - with a runbook link\n"
    item = only_item(text)
    assert (item.line, item.anchor_line) == (FIRST_ITEM_LINE, FIRST_ITEM_LINE + 1)


def only_item(text: str) -> Item:
    pm = extract(text)
    assert len(pm.items) == 1, titles(pm)
    return pm.items[0]


# -- keys -------------------------------------------------------------------------------


def test_keys_stable_across_reextraction() -> None:
    data = (HEADER + "- Add an alert\n- Write a runbook\n").encode()
    first = extract_document("doc.md", data, Config())
    second = extract_document("doc.md", data, Config())
    assert [i.key for i in first.items] == [i.key for i in second.items]
    assert all(i.key for i in first.items)


def test_keys_do_not_depend_on_line_numbers() -> None:
    before = extract(HEADER + "- Add an alert\n- Write a runbook\n")
    shifted = extract(
        HEADER.replace("## Action items", "Some context.\n\nMore context.\n\n## Action items")
        + ("- Add an alert\n- Write a runbook\n")
    )
    assert [i.line for i in shifted.items] != [i.line for i in before.items]
    assert [i.key for i in shifted.items] == [i.key for i in before.items]


def test_keys_unique_for_duplicate_titles() -> None:
    pm = extract(HEADER + "- Add an alert\n- Add an alert\n- Add an alert\n- Write a runbook\n")
    keys = [i.key for i in pm.items]
    assert titles(pm) == ["Add an alert", "Add an alert", "Add an alert", "Write a runbook"]
    assert len(set(keys)) == 4
    # and the duplicates keep their keys on a second read
    again = extract(HEADER + "- Add an alert\n- Add an alert\n- Add an alert\n- Write a runbook\n")
    assert [i.key for i in again.items] == keys


def test_key_differs_between_items() -> None:
    pm = extract(HEADER + "- Add an alert\n- Write a runbook\n")
    first, second = pm.items
    assert first.key != second.key
    assert item_starting(pm, "Write").key == second.key
