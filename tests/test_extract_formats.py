"""Extraction of action items from the many ways authors format a postmortem.

Each fixture in tests/fixtures/formats/ is a small fictional document written in
one style found in real postmortems (../shared/corpus/docs); the expectations
here are the items a careful reader would track, as the corpus README defines.
"""

from __future__ import annotations

import pytest

from tests.helpers import FORMATS, doc, extract, extract_fixture, item_titled, titles

# fixture -> the exact item titles, in document order
EXPECTED_TITLES: dict[str, list[str]] = {
    "atx_headings.md": [
        "Add an alert on consumer lag above 5 minutes",
        "Document the consumer restart procedure in the runbook",
        "Load test the queue at twice the peak rate",
    ],
    "setext_headings.md": [
        "Stagger cache expiry with random jitter",
        "Add request coalescing in the catalog client",
    ],
    "nospace_hash.md": ["Rotate build logs every day", "Alert when the disk is 80% full"],
    "bold_label_heading.md": [
        "Validate zone files in CI before deploy",
        "Keep the previous zone file for a fast rollback",
    ],
    "italic_label.md": [
        "Keep a database snapshot from the last 7 days.",
        "Test upgrades on the standby node first.",
    ],
    "plain_title_line.md": ["Raise the open file limit in the service unit", "Run a load test before every release"],
    "numbered_list.md": [
        "Renew certificates automatically with the ACME client",
        "Alert 14 days before any certificate expires",
        "Add the certificate inventory to the on-call handbook",
    ],
    "nested_groups.md": [
        "Add a latency SLO alert for checkout",
        "Graph connection pool saturation",
        "Raise the pool size to 200",
        "Move reporting queries to a replica",
    ],
    "bold_title_description.md": ["Enable quorum queues", "Partition drill"],
    "task_list.md": [
        "Page on-call when a backup job fails",
        "Restore the last good backup into staging",
        "Add a weekly restore test",
        "Rotate the backup bucket credentials",
    ],
    "table.md": [
        "Add checksums to index snapshots",
        "Alert on index replica divergence",
        "Write a runbook for index rebuilds",
    ],
    "plain_block.md": [
        "Configure automatic failover for web-01",
        "Monitor the disk health of every web server",
        "Schedule quarterly hardware maintenance",
    ],
    "marked_lines.md": ["Load third-party scripts asynchronously", "Set a performance budget for the login page"],
    "tab_indented.md": [
        "Write a script that raises the connection limit",
        "Test capacity with a load generator before each release",
    ],
    "front_matter_yaml.md": ["Cap the per-tenant request rate"],
    "front_matter_toml.md": ["Buffer metrics on the agents for 30 minutes"],
    "japanese.md": ["設定ファイルの変更をCIで検証する", "デプロイ前にステージングで負荷試験を行う"],
    "prose_followup.md": [
        "We will make the canary stage mandatory for every deploy.",
        "We will also add an alert on the login error rate.",
    ],
    "negative_sections.md": ["Add a dead letter queue for poison messages"],
    "mixed_reports.md": [
        "Working on a local fallback cache for flags",
        "Migrating flag storage to a replicated database",
    ],
    "completed_section.md": [
        "Alert when a job runs more than once per schedule",
        "Pin the scheduler to UTC",
        "Deduplicate job runs with a lock",
    ],
    "heading_items.md": [
        "Add backpressure to the ingest workers",
        "Harden the deploy pipeline",
        "Require a canary for ingest deploys",
        "Block deploys during incidents",
        "Alerting on stalls",
        "Better config validation",
    ],
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(p.name for p in FORMATS.glob("*.md")) == sorted(EXPECTED_TITLES)


@pytest.mark.parametrize("name", sorted(EXPECTED_TITLES))
def test_fixture_titles(name: str) -> None:
    assert titles(extract_fixture(name)) == EXPECTED_TITLES[name]


# -- section forms -----------------------------------------------------------------


def test_atx_heading_section_and_lines() -> None:
    pm = extract_fixture("atx_headings.md")
    assert [(i.line, i.section) for i in pm.items] == [(12, "Action Items"), (13, "Action Items"), (14, "Action Items")]
    assert all(i.group is None and not i.done for i in pm.items)


def test_setext_heading_opens_followup_section() -> None:
    pm = extract_fixture("setext_headings.md")
    assert {i.section for i in pm.items} == {"Follow-up actions"}
    assert [i.line for i in pm.items] == [9, 10]


def test_hash_without_space_is_a_heading() -> None:
    pm = extract_fixture("nospace_hash.md")
    assert pm.incident.title == "Disk full on build agent"
    assert {i.section for i in pm.items} == {"Corrective and preventative measures"}
    assert [i.line for i in pm.items] == [9, 10]


def test_bold_label_line_is_a_heading() -> None:
    pm = extract_fixture("bold_label_heading.md")
    assert {i.section for i in pm.items} == {"Action Items"}
    assert [i.line for i in pm.items] == [11, 12]


def test_italic_label_lines_open_sections() -> None:
    pm = extract_fixture("italic_label.md")
    # "_Tasks performed_" lists what was done during the incident: no items from it
    assert not any(i.title.startswith(("Upgraded", "Restarted")) for i in pm.items)
    assert {i.section for i in pm.items} == {"Lessons learned"}
    assert [i.line for i in pm.items] == [12, 13]


def test_plain_title_line_opens_section() -> None:
    pm = extract_fixture("plain_title_line.md")
    assert {i.section for i in pm.items} == {"Corrective and preventative measures"}
    assert [i.line for i in pm.items] == [9, 10]


def test_non_english_heading() -> None:
    pm = extract_fixture("japanese.md")
    assert {i.section for i in pm.items} == {"再発防止策"}
    assert pm.incident.title == "決済APIの障害"


def test_custom_heading_is_not_followup_without_config() -> None:
    pm = extract(
        doc(
            """
            # Cachen föll

            Den 2024-02-02 föll cachen.

            ## Uppföljning

            - Lägg till ett larm för cachen
            """
        )
    )
    assert titles(pm) == []


# -- item forms --------------------------------------------------------------------


def test_numbered_list_items() -> None:
    pm = extract_fixture("numbered_list.md")
    assert [i.line for i in pm.items] == [7, 8, 9]
    assert {i.section for i in pm.items} == {"Remediation"}


def test_nested_groups_take_bold_label_as_group() -> None:
    pm = extract_fixture("nested_groups.md")
    assert [(i.title, i.group, i.line) for i in pm.items] == [
        ("Add a latency SLO alert for checkout", "Monitoring", 8),
        ("Graph connection pool saturation", "Monitoring", 9),
        ("Raise the pool size to 200", "Database", 11),
        ("Move reporting queries to a replica", "Database", 12),
    ]


def test_bold_title_with_description() -> None:
    pm = extract_fixture("bold_title_description.md")
    quorum = item_titled(pm, "Enable quorum queues")
    assert quorum.text == "move every durable queue to quorum queues so a minority partition stops accepting writes."
    assert quorum.group is None
    drill = item_titled(pm, "Partition drill")
    assert drill.text == "rehearse a network partition in staging each quarter."
    assert (quorum.line, drill.line) == (7, 8)


def test_task_list_states() -> None:
    pm = extract_fixture("task_list.md")
    assert [(i.title, i.done) for i in pm.items] == [
        ("Page on-call when a backup job fails", False),
        ("Restore the last good backup into staging", True),
        ("Add a weekly restore test", False),  # malformed "[]" is an open box, not part of the title
        ("Rotate the backup bucket credentials", True),
    ]


def test_table_columns_found_by_header() -> None:
    pm = extract_fixture("table.md")
    checksums = item_titled(pm, "Add checksums to index snapshots")
    assert (checksums.owner, checksums.due and checksums.due.isoformat(), checksums.priority, checksums.kind) == (
        "mlopez",
        "2023-09-01",
        "P1",
        "prevent",
    )
    assert checksums.issue is not None and checksums.issue.number == 4410
    assert not checksums.done
    alert = item_titled(pm, "Alert on index replica divergence")
    assert (alert.owner, alert.priority, alert.kind) == ("Kim Park", "P2", "detect")
    assert alert.done  # DONE in the Bug column
    runbook = item_titled(pm, "Write a runbook for index rebuilds")
    assert (runbook.owner, runbook.kind, runbook.done) == ("tsato", "mitigate", True)  # Status column says done
    assert [i.line for i in pm.items] == [9, 10, 11]  # the empty and "..." rows give nothing


def test_table_without_item_column_uses_first_free_column() -> None:
    pm = extract(
        doc(
            """
            # Outage

            ## Action items

            | Change | Owner | Due |
            |---|---|---|
            | Add an alert on error rate | @kim | 2024-05-01 |
            """
        )
    )
    item = item_titled(pm, "Add an alert on error rate")
    assert (item.owner, item.due and item.due.isoformat(), item.line) == ("kim", "2024-05-01", 7)


def test_plain_block_lines_without_intro_and_closing() -> None:
    pm = extract_fixture("plain_block.md")
    assert [i.line for i in pm.items] == [13, 14, 15]
    assert not any("following measures" in i.title or i.title.startswith("In conclusion") for i in pm.items)


def test_marked_lines_outside_followup_sections() -> None:
    pm = extract_fixture("marked_lines.md")
    assert [(i.title, i.line) for i in pm.items] == [
        ("Load third-party scripts asynchronously", 8),
        ("Set a performance budget for the login page", 9),
    ]
    # the surrounding narrative is not an item
    assert not any("analytics script" in i.title for i in pm.items)


def test_tab_indented_list_read_as_list() -> None:
    pm = extract_fixture("tab_indented.md")
    assert [i.line for i in pm.items] == [5, 6]
    # the tab-indented list under "Root Cause and Resolution:" gives nothing
    assert not any("connection limit was set" in i.title for i in pm.items)


@pytest.mark.parametrize("name", ["front_matter_yaml.md", "front_matter_toml.md"])
def test_front_matter_is_not_content_and_keeps_line_numbers(name: str) -> None:
    pm = extract_fixture(name)
    expected_line = {"front_matter_yaml.md": 15, "front_matter_toml.md": 10}[name]
    assert [i.line for i in pm.items] == [expected_line]
    assert not any("id" in i.title.lower().split() for i in pm.items)
    assert pm.diagnostics == ()


def test_prose_followup_sentences_without_followup_heading() -> None:
    pm = extract_fixture("prose_followup.md")
    assert [i.line for i in pm.items] == [7, 7]
    # the narrative ("Engineers rolled back at 10:40.") is not an item
    assert not any("rolled back" in i.title for i in pm.items)


def test_prose_followup_sentence_ending_in_a_number() -> None:
    """A sentence that ends with a number ("... to 200.") still ends there."""
    pm = extract(
        doc(
            """
            # Pool exhaustion

            On 2024-05-06 the API ran out of database connections for 20 minutes.

            We will raise the connection pool size to 200. We will add an alert on pool saturation.
            """
        )
    )
    assert titles(pm) == [
        "We will raise the connection pool size to 200.",
        "We will add an alert on pool saturation.",
    ]


def test_report_sections_give_no_items() -> None:
    pm = extract_fixture("negative_sections.md")
    # imperative-looking lists under Timeline / Resolution / What went well are not items
    assert [(i.title, i.line) for i in pm.items] == [("Add a dead letter queue for poison messages", 21)]


def test_report_sections_give_no_items_even_without_followup_section() -> None:
    pm = extract(
        doc(
            """
            # Queue consumer crash loop

            The order queue consumers crash looped on 2024-07-08 for 35 minutes.

            ## Timeline

            - Deploy a new consumer build
            - Roll back the consumer build

            ## Resolution

            - Restart all consumer pods
            """
        )
    )
    assert titles(pm) == []


def test_mixed_reports_and_plans_keep_only_plans() -> None:
    pm = extract_fixture("mixed_reports.md")
    assert [(i.line, i.done) for i in pm.items] == [(9, False), (10, False)]


def test_completed_section_gives_done_items() -> None:
    pm = extract_fixture("completed_section.md")
    assert [(i.title, i.done, i.section) for i in pm.items] == [
        ("Alert when a job runs more than once per schedule", False, "Action items"),
        ("Pin the scheduler to UTC", True, "Completed actions"),
        ("Deduplicate job runs with a lock", True, "Completed actions"),
    ]


def test_list_of_only_reports_is_done() -> None:
    pm = extract(
        doc(
            """
            # Symlink broke the home page

            On 2023-09-01 the home page served stale content.

            ## Corrective measures

            - Updated the deploy script to recreate the symlink.
            - Added a check for the symlink to the smoke test.
            """
        )
    )
    assert [(i.title, i.done) for i in pm.items] == [
        ("Updated the deploy script to recreate the symlink.", True),
        ("Added a check for the symlink to the smoke test.", True),
    ]


def test_nested_details_and_nested_tasks() -> None:
    pm = extract_fixture("heading_items.md")
    backpressure = item_titled(pm, "Add backpressure to the ingest workers")
    assert backpressure.text == "cap the in-flight batches at 50 shed load when the cap is hit"
    assert (backpressure.line, backpressure.end_line) == (7, 9)
    canary = item_titled(pm, "Require a canary for ingest deploys")
    assert (canary.line, canary.done) == (11, False)
    block = item_titled(pm, "Block deploys during incidents")
    assert (block.line, block.done) == (12, True)


def test_hash_title_paragraph_and_heading_item() -> None:
    pm = extract_fixture("heading_items.md")
    stalls = item_titled(pm, "Alerting on stalls")
    assert stalls.text == "Page the on-call when no batch commits for ten minutes."
    assert (stalls.line, stalls.end_line) == (14, 15)
    validation = item_titled(pm, "Better config validation")
    assert validation.text == "We will validate every config file against its schema in CI."
    assert (validation.line, validation.end_line) == (17, 19)


def test_lessons_learned_list_of_measures_gives_every_entry() -> None:
    """'Lessons learned' that lists measures is a follow-up section: one entry, one item."""
    pm = extract(
        doc(
            """
            # Validator missed blocks

            The validator node missed 120 blocks on 2022-03-21 after an upgrade.

            ## Lessons learned

            1. Take a database snapshot before every upgrade.
            2. Test upgrades on the standby node first.
            """
        )
    )
    assert titles(pm) == [
        "Take a database snapshot before every upgrade.",
        "Test upgrades on the standby node first.",
    ]


def test_action_item_line_inside_followup_is_not_counted_twice() -> None:
    pm = extract(
        doc(
            """
            # Outage

            On 2024-01-01 the API failed.

            ## Action items

            - Add an alert on the error rate
            """
        )
    )
    assert titles(pm) == ["Add an alert on the error rate"]


@pytest.mark.parametrize("marker", ["> TODO:", "- TODO:", "* Action item:"])
def test_marked_line_in_quote_or_list_outside_followup(marker: str) -> None:
    """A line marked as an action counts wherever it stands, in a quote or a list too."""
    pm = extract(
        doc(
            f"""
            # Outage

            On 2024-01-01 the API failed because a certificate expired.

            {marker} Automate certificate renewal

            ## Impact

            All requests failed.
            """
        )
    )
    assert [(i.title, i.line) for i in pm.items] == [("Automate certificate renewal", 5)]
