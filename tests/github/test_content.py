"""What pmsync writes into an issue: title, body, labels and the hidden marker."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from pmsync.github.content import (
    TITLE_LIMIT,
    Agreed,
    Marker,
    body_content,
    content_hash,
    incident_label,
    is_managed_label,
    issue_body,
    issue_title,
    kind_label,
    managed_label,
    parse_marker,
    priority_label,
    sanitize,
    with_marker,
)
from pmsync.model import Item
from tests.helpers import INCIDENT, new_item

AGREED = Agreed(
    title="Add alerting on replication lag",
    body="0123456789abcdef",
    labels=("incident:2024-03-11-db-outage", "pmsync", "priority:P1"),
    assignees=("jdoe",),
    milestone="Postmortem: Primary database outage",
)
MARKER = Marker("item", "postmortems/2024-03-11-db-outage.md", "3f2a9c1b7e", INCIDENT.id, AGREED)


def make_item(title: str = "Add alerting on replication lag", text: str = "", **fields: object) -> Item:
    return new_item(title=title, text=text, **{"key": "3f2a9c1b7e", "line": 45, "end_line": 45, **fields})


def _payload(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


# -- the marker ----------------------------------------------------------------------


def test_marker_round_trip() -> None:
    encoded = MARKER.encode()
    assert encoded.startswith("<!-- pmsync:v1 ") and encoded.endswith(" -->")
    assert parse_marker(f"Some body.\n\n{encoded}") == MARKER


def test_marker_without_agreed_values_and_parent_marker_round_trip() -> None:
    for marker in (replace(MARKER, agreed=None), Marker("parent", "postmortems/x.md", "parent", "x")):
        assert parse_marker(with_marker("body", marker)) == marker


def test_marker_keeps_fields_of_a_later_version() -> None:
    marker = replace(MARKER, extra={"sprint": 7, "reviewers": ["a", "b"]})
    parsed = parse_marker(marker.encode())
    assert parsed == marker
    assert parsed is not None and parsed.encode() == marker.encode()


@given(
    path=st.text(min_size=1, max_size=60),
    key=st.text(min_size=1, max_size=20),
    title=st.text(max_size=300),
    assignees=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), max_size=3),
)
def test_marker_round_trip_any_text(path: str, key: str, title: str, assignees: list[str]) -> None:
    marker = Marker("item", path, key, "incident", replace(AGREED, title=title, assignees=tuple(assignees)))
    body = with_marker("Text with <!-- comments --> and --> arrows", marker)
    assert parse_marker(body) == marker
    assert body.count("<!-- pmsync:v") == 1


def test_only_the_last_marker_counts() -> None:
    first = MARKER
    last = replace(MARKER, key="ffffffffff")
    assert parse_marker(f"{first.encode()}\n\ntext\n\n{last.encode()}") == last


def test_damaged_markers_are_none() -> None:
    valid = MARKER.encode()
    payload = valid.removeprefix("<!-- pmsync:v1 ").removesuffix(" -->")
    damaged = [
        "",
        "no marker here",
        valid[:-10],  # cut off
        f"<!-- pmsync:v1 {payload[:-7]} -->",  # truncated base64
        "<!-- pmsync:v1 bm90IGpzb24= -->",  # base64 of "not json"
        f"<!-- pmsync:v1 {_payload({'kind': 'item', 'path': 'a.md'})} -->",  # keys missing
        f"<!-- pmsync:v1 {_payload({'kind': 'epic', 'path': 'a', 'key': 'k', 'incident': 'i'})} -->",
        f"<!-- pmsync:v1 {_payload(['a', 'list'])} -->",
        f"<!-- pmsync:v1 {_payload({'kind': 'item', 'path': 'a', 'key': 'k', 'incident': 'i', 'agreed': {}})} -->",
        f"<!-- pmsync:v2 {payload} -->",  # a newer major version this release cannot read
    ]
    for body in damaged:
        assert parse_marker(body) is None, body


def test_body_content_drops_the_marker() -> None:
    assert body_content(with_marker("Readable text.\n", MARKER)) == "Readable text."
    assert body_content(None) == ""


# -- a marker forged in a document ------------------------------------------------------


def test_forged_marker_in_item_text_is_neutralised() -> None:
    forged = replace(MARKER, path="postmortems/other.md", key="forged0000").encode()
    item = make_item(text=f"Look: {forged} and a stray --> too")
    body = issue_body(item, INCIDENT, None)
    assert "<!--" not in body and "-->" not in body
    assert "&lt;!-- pmsync:v1" in body
    assert parse_marker(body) is None
    assert parse_marker(with_marker(body, MARKER)) == MARKER


def test_forged_marker_in_title_group_and_incident_is_neutralised() -> None:
    forged = replace(MARKER, key="forged0000").encode()
    item = make_item(title="x" * 300 + forged, group=f"Group {forged}")
    incident = replace(INCIDENT, title=f"Outage {forged}")
    body = with_marker(issue_body(item, incident, None), MARKER)
    assert body.count("<!--") == 1
    assert parse_marker(body) == MARKER


# -- mentions -----------------------------------------------------------------------------


def test_team_and_everyone_mentions_are_neutralised() -> None:
    text = "Ask @acme/sre and @everyone, cc @here; @jdoe owns it; mail ops@everyone.example"
    clean = sanitize(text)
    assert "`@acme/sre`" in clean and "`@everyone`" in clean and "`@here`" in clean
    assert "@jdoe owns" in clean and "`@jdoe`" not in clean
    assert "ops@everyone.example" in clean
    assert sanitize(text, allow_team_mentions=True) == text


def test_issue_body_neutralises_mentions_unless_allowed() -> None:
    item = make_item(text="Page @acme/oncall when it fires.", group="Owned by @acme/dba")
    body = issue_body(item, INCIDENT, None)
    assert "`@acme/oncall`" in body and "`@acme/dba`" in body
    allowed = issue_body(item, INCIDENT, None, allow_team_mentions=True)
    assert "Page @acme/oncall when" in allowed


# -- title and body -------------------------------------------------------------------------


def test_title_is_one_line_without_final_period() -> None:
    assert issue_title(make_item(title="  Add alerting\n  on   lag. ")) == "Add alerting on lag"


@given(st.text(min_size=1, max_size=2000))
def test_title_is_never_longer_than_github_allows(title: str) -> None:
    assert len(issue_title(make_item(title=title))) <= TITLE_LIMIT


def test_long_title_is_cut_and_kept_whole_in_the_body() -> None:
    words = " ".join(f"word{i}" for i in range(80))
    title = issue_title(make_item(title=words))
    assert len(title) <= TITLE_LIMIT and title.endswith("…")
    assert words in issue_body(make_item(title=words), INCIDENT, None)


def test_body_lists_the_fields_and_links_the_document_line() -> None:
    item = make_item(
        text="Page when lag exceeds 30 s.",
        group="Detect",
        owner="jdoe",
        due=dt.date(2024, 5, 1),
        priority="P1",
        kind="detect",
    )
    body = issue_body(item, INCIDENT, "https://github.com/acme/pm/blob/HEAD/postmortems/db.md")
    assert body.startswith("Page when lag exceeds 30 s.")
    for row in (
        "| **Incident** | Primary database outage (2024-03-11, SEV2) |",
        "| **Group** | Detect |",
        "| **Owner** | jdoe |",
        "| **Due** | 2024-05-01 |",
        "| **Priority** | P1 |",
        "| **Kind** | detect |",
        "(https://github.com/acme/pm/blob/HEAD/postmortems/db.md#L45)",
    ):
        assert row in body


def test_content_hash_ignores_line_anchors_and_line_endings() -> None:
    a = "Text\n\n[doc](https://x/doc.md#L45)"
    assert content_hash(a) == content_hash("Text\r\n\r\n[doc](https://x/doc.md#L99-L101)")
    assert content_hash(a) != content_hash("Other text\n\n[doc](https://x/doc.md#L45)")


# -- labels ---------------------------------------------------------------------------------------


def test_label_specs_fit_github_limits() -> None:
    long = replace(INCIDENT, title="An incident with a very long title " * 10)
    for spec in (managed_label("pmsync"), incident_label(long), priority_label("P0"), kind_label("prevent")):
        assert len(spec.name) <= 50 and len(spec.description) <= 100
        assert re.fullmatch("[0-9a-f]{6}", spec.color), spec.color
    assert priority_label("P1").name == "priority:P1"
    assert kind_label("detect").name == "kind:detect"
    assert incident_label(INCIDENT).name == INCIDENT.label


def test_managed_labels_are_the_ones_pmsync_sets() -> None:
    for name in ("pmsync", "incident:x", "priority:P1", "kind:detect"):
        assert is_managed_label(name, "pmsync")
    for name in ("bug", "pmsync-extra", "needs-triage", "Priority"):
        assert not is_managed_label(name, "pmsync")
