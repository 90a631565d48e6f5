"""Incident metadata: title, id, label, start date, severity, review status."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import doc, extract, extract_fixture

# -- title ------------------------------------------------------------------------


def test_title_from_front_matter_beats_heading() -> None:
    pm = extract_fixture("front_matter_yaml.md")
    assert pm.incident.title == "Object storage latency"


def test_title_from_toml_front_matter() -> None:
    assert extract_fixture("front_matter_toml.md").incident.title == "Metrics pipeline gap"


def test_title_from_first_heading() -> None:
    assert extract_fixture("atx_headings.md").incident.title == "Payment queue backlog"
    assert extract_fixture("setext_headings.md").incident.title == "Cache stampede on the catalog service"


def test_title_skips_followup_heading() -> None:
    pm = extract("## Action items\n\n- Add an alert\n")
    assert pm.incident.title is None


def test_title_from_bold_first_line() -> None:
    assert extract_fixture("bold_label_heading.md").incident.title == "DNS resolution failure"


def test_no_title() -> None:
    assert extract_fixture("plain_title_line.md").incident.title is None
    assert extract("").incident.title is None


# -- id and label ---------------------------------------------------------------------


def test_id_from_front_matter() -> None:
    pm = extract_fixture("front_matter_yaml.md")
    assert pm.incident.id == "INC-2041"
    assert pm.incident.label == "incident:INC-2041"


def test_id_from_toml_front_matter() -> None:
    assert extract_fixture("front_matter_toml.md").incident.id == "INC-77"


@pytest.mark.parametrize(
    ("path", "ident"),
    [
        ("postmortems/2024-03-11-outage.md", "2024-03-11-outage"),
        ("postmortems/2024-03-11 Checkout Outage.md", "2024-03-11-checkout-outage"),
        ("notes/DB_Failover.markdown", "db-failover"),
        ("README", "readme"),
        ("postmortems/.md", "incident"),
    ],
)
def test_id_from_file_name(path: str, ident: str) -> None:
    pm = extract("# Outage\n", path=path)
    assert pm.incident.id == ident
    assert pm.incident.label == f"incident:{ident}"


def test_long_id_label_is_truncated_with_hash_suffix() -> None:
    first_id = "2024-03-11-" + "very-long-incident-name-" * 3 + "one"
    second_id = "2024-03-11-" + "very-long-incident-name-" * 3 + "two"
    first = extract(f"---\nid: {first_id}\n---\n# T\n").incident
    second = extract(f"---\nid: {second_id}\n---\n# T\n").incident
    assert first.id == first_id  # the id itself is not shortened
    for incident in (first, second):
        assert len(incident.label) <= 50
        assert incident.label.startswith("incident:2024-03-11-very-long")
    assert first.label != second.label  # the hash keeps long ids with a common prefix apart
    # stable: the same id gives the same label
    assert extract(f"---\nid: {first_id}\n---\n").incident.label == first.label


def test_label_of_id_at_the_limit_is_not_changed() -> None:
    ident = "x" * (50 - len("incident:"))
    assert extract(f"---\nid: {ident}\n---\n").incident.label == f"incident:{ident}"


def test_numeric_front_matter_id() -> None:
    assert extract("---\nid: 42\n---\n# T\n").incident.id == "42"


# -- date -------------------------------------------------------------------------------


def test_date_from_front_matter_start_time() -> None:
    assert extract_fixture("front_matter_yaml.md").incident.date == dt.date(2024, 4, 2)
    assert extract_fixture("front_matter_toml.md").incident.date == dt.date(2023, 12, 24)


def test_date_from_start_time_line() -> None:
    pm = extract(
        doc(
            """
            # Replica lag

            Report written: 2024-03-20

            **Start Time:** March 11, 2024 14:02 UTC

            ## Summary

            On 2024-03-12 the dashboards finally recovered after a long day.
            """
        )
    )
    assert pm.incident.date == dt.date(2024, 3, 11)


def test_date_from_summary_first_dated_sentence() -> None:
    pm = extract(
        doc(
            """
            # API outage

            Date: 2024-02-01

            ## Summary

            On January 3, 2024 the API failed for thirty minutes for all of our customers.

            ## Timeline

            - 2024-01-02 23:00 config change prepared
            """
        )
    )
    assert pm.incident.date == dt.date(2024, 1, 3)


def test_summary_date_skips_precursor_sentence() -> None:
    """A change released days before is not when the incident started."""
    pm = extract(
        doc(
            """
            # API outage

            ## Summary

            A config change was released on 2024-01-01. On 2024-01-03 the API failed for thirty minutes for all users.
            """
        )
    )
    assert pm.incident.date == dt.date(2024, 1, 3)


def test_date_from_timeline() -> None:
    pm = extract(
        doc(
            """
            # Outage

            Short text here.

            ## Timeline

            - 2023-02-14 10:00 alert fired
            - 2023-02-13 23:00 deploy started

            ## Action items

            - Add a check
            """
        )
    )
    assert pm.incident.date == dt.date(2023, 2, 13)


def test_date_from_title() -> None:
    pm = extract("# Outage of 2022-11-30\n\nShort text.\n\n## Action items\n\n- Add a check\n")
    assert pm.incident.date == dt.date(2022, 11, 30)


def test_no_date() -> None:
    assert extract("# Outage\n\nShort text.\n").incident.date is None


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("# Website outage 5-26-21\n\nThe site was down.\n", dt.date(2021, 5, 26)),
        ("# Website outage 26/5/21\n\nThe site was down.\n", dt.date(2021, 5, 26)),
        # The summary gives month and day; the year is the one the document names.
        (
            "# Key compromise\n\n## Summary\n\nOn Sunday, October 31 at 21:33 PT a user saw a spend.\n\n"
            "## Timeline\n\n| Date (2021) | Event |\n| --- | --- |\n| Oct 31 | report |\n",
            dt.date(2021, 10, 31),
        ),
        ("# Outage v1-2-3\n\nRelease 4.5 broke it.\n", None),  # a version number, not a date
    ],
)
def test_date_when_no_complete_date_is_written(text: str, date: dt.date | None) -> None:
    assert extract(text).incident.date == date


# -- severity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("---\nseverity: SEV2\n---\n# T\n", "SEV2"),
        ("---\nseverity: 2\n---\n# T\n", "SEV2"),
        ("# T\n\nSeverity: SEV2\n", "SEV2"),
        ("# T\n\n**Severity**: sev-1\n", "SEV1"),
        ("# T\n\nSeverity: 3\n", "SEV3"),
        ("# T\n\nNo rating was given.\n", None),
    ],
)
def test_severity(text: str, severity: str | None) -> None:
    assert extract(text).incident.severity == severity


# -- review status ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("---\nstatus: draft\n---\n# T\n", "draft"),
        ("---\nstatus: reviewed\n---\n# T\n", "reviewed"),
        ("---\nstatus: Approved\n---\n# T\n", "reviewed"),
        ("# T\n\nStatus: Draft\n", "draft"),
        ("# T\n\n**Status:** In review\n", "draft"),
        ("# T\n\nStatus: Final\n", "reviewed"),
        ("# T\n\nNothing about review.\n", None),
    ],
)
def test_review_status(text: str, status: str | None) -> None:
    assert extract(text).incident.status == status


def test_front_matter_status_from_fixtures() -> None:
    assert extract_fixture("front_matter_yaml.md").incident.status == "draft"
    assert extract_fixture("front_matter_toml.md").incident.status == "reviewed"
    assert extract_fixture("front_matter_yaml.md").incident.severity == "SEV2"


# -- front matter problems ----------------------------------------------------------------


def test_invalid_front_matter_is_a_warning_not_a_crash() -> None:
    pm = extract("---\nid: [unclosed\n---\n# Title\n\n## Action items\n\n- Add an alert\n", path="pm.md")
    assert [(d.path, d.line, d.level, d.code) for d in pm.diagnostics] == [("pm.md", 1, "warning", "front-matter")]
    assert "YAML" in pm.diagnostics[0].message
    assert pm.incident.id == "pm"
    assert [(i.title, i.line) for i in pm.items] == [("Add an alert", 8)]


def test_invalid_toml_front_matter_is_a_warning() -> None:
    pm = extract('+++\nid = "unterminated\n+++\n# Title\n')
    assert [d.code for d in pm.diagnostics] == ["front-matter"]
    assert "TOML" in pm.diagnostics[0].message


def test_front_matter_that_is_not_a_mapping_is_ignored() -> None:
    pm = extract("---\n- a\n- b\n---\n# Title\n", path="x.md")
    assert (pm.incident.id, pm.incident.title) == ("x", "Title")


def test_front_matter_after_bom() -> None:
    pm = extract(b"\xef\xbb\xbf---\nid: INC-9\n---\n# Title\n")
    assert pm.incident.id == "INC-9"
    assert pm.incident.title == "Title"


@pytest.mark.parametrize(
    "line",
    ["2024年3月5日に決済APIが停止した。", "2024년 3월 5일 결제 API가 중단되었습니다.", "2024年03月05日 支付接口中断。"],
)
def test_dates_written_the_cjk_way(line: str) -> None:
    assert extract(f"# 障害\n\n{line}\n").incident.date == dt.date(2024, 3, 5)


def test_a_bold_section_name_first_is_not_the_title() -> None:
    pm = extract(
        "**Issue Summary**\n\nPostmortem: Checkout outage on 2024-05-01\n\n**Action items**\n\n- Add a canary stage\n"
    )
    assert pm.incident.title == "Postmortem: Checkout outage on 2024-05-01"
