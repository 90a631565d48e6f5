"""`<!-- pmsync: item -->` / `<!-- pmsync: not-an-item -->`: the author's decision wins.

The scorer here is fixed, not the shipped weights: it keeps exactly the entries
with a task box, so each test shows what the override changes. The documents
keep their entries in follow-up sections, where every entry is a candidate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsync.config import Config
from pmsync.extract import Candidates, decide, default_scorer, read_candidates
from pmsync.extract.overrides import Override, strip_overrides
from pmsync.extract.scorer import Scorer
from pmsync.model import Diagnostic, Postmortem
from tests.helpers import doc, run_cli, write

TASKS_ONLY = Scorer({"bias": -1.0, "checkbox": 2.0})
UNUSED = "matches no candidate item; move it onto the item's line or before a heading"


def read(text: str) -> Candidates:
    return read_candidates("pm.md", doc(text).encode("utf-8"), Config())


def extract(text: str, scorer: Scorer = TASKS_ONLY) -> Postmortem:
    return decide(read(text), scorer)


def found(pm: Postmortem) -> list[tuple[int, str]]:
    return [(item.line, item.title) for item in pm.items]


def test_without_overrides_the_scorer_keeps_the_task_entries() -> None:
    pm = extract(
        """
        # Cache outage

        ## Action items

        - [ ] Add a cache hit-rate alert
        - Nice work everyone
        """
    )
    assert found(pm) == [(5, "Add a cache hit-rate alert")]
    assert pm.diagnostics == ()


def test_trailing_override_forces_item_and_not_an_item() -> None:
    pm = extract(
        """
        ## Action items

        - [ ] Add a cache hit-rate alert <!-- pmsync: not-an-item -->
        - Restart the cache nodes one by one <!-- pmsync: item -->
        - [ ] Document the failover runbook
        - Nice work everyone
        """
    )
    assert found(pm) == [(4, "Restart the cache nodes one by one"), (5, "Document the failover runbook")]
    assert pm.diagnostics == ()


def test_spaces_and_case_are_tolerated() -> None:
    pm = extract(
        """
        ## Action items

        - [ ] Add a cache hit-rate alert <!--pmsync:NOT-AN-ITEM-->
        - [ ] Buy the team a cake <!--   PMSync :  not - an - item   -->
        - Document the failover runbook <!-- pmsync:   Item -->
        """
    )
    assert found(pm) == [(5, "Document the failover runbook")]


def test_own_line_override_decides_the_candidate_at_the_next_line() -> None:
    pm = extract(
        """
        # Cache outage

        ## Action items

        - [ ] Add a cache hit-rate alert
        <!-- pmsync: not-an-item -->

        - [ ] Buy the team a cake
        - Document the failover runbook
          <!-- pmsync: not-an-item -->
          - [ ] Ask Sam about the old wiki page
          - [ ] Write the runbook's first draft

        <!-- pmsync: item -->
        - Review the cache eviction policy
        - Resized the cache

        <!-- pmsync: item -->
        We will review the cache sizing every quarter.
        """
    )
    assert found(pm) == [
        (5, "Add a cache hit-rate alert"),
        (12, "Write the runbook's first draft"),
        (15, "Review the cache eviction policy"),
        (19, "We will review the cache sizing every quarter."),
    ]
    assert pm.diagnostics == ()


def test_section_switch_off_and_on_includes_sub_sections() -> None:
    pm = extract(
        """
        # Cache outage

        <!-- pmsync: not-an-item -->
        ## Action items from the first review

        - [ ] Add a cache hit-rate alert

        ### Ideas for later

        - [ ] Shard the cache by tenant

        ## Action items

        - [ ] Document the failover runbook

        <!-- pmsync: item -->
        ## Follow-ups

        - Alert on the eviction rate

        ### Tooling

        - Add a cache dashboard

        ## Next steps

        - Page the on-call engineer sooner
        """
    )
    # Each switch ends at the next heading of its level: "Action items", "Next steps".
    assert found(pm) == [
        (14, "Document the failover runbook"),
        (19, "Alert on the eviction rate"),
        (23, "Add a cache dashboard"),
    ]
    assert pm.diagnostics == ()


def test_setext_and_bold_line_sections_and_the_innermost_switch_wins() -> None:
    pm = extract(
        """
        Cache outage
        ============

        <!-- pmsync: item -->
        Action items
        ------------

        - Alert on the eviction rate

        <!-- pmsync: not-an-item -->
        **Short term:**

        - [ ] Add a cache hit-rate alert

        **Long term:**

        - Document the failover runbook

        Follow-ups
        ----------

        - Page the on-call engineer sooner
        """
    )
    # "Action items" is switched on down to "Follow-ups", its bold sub-sections included;
    # "Short term" inside it is switched off, down to the next bold line.
    assert found(pm) == [(8, "Alert on the eviction rate"), (17, "Document the failover runbook")]


def test_the_override_on_the_line_beats_the_section_switch() -> None:
    pm = extract(
        """
        <!-- pmsync: not-an-item -->
        ## Action items

        - Add a cache hit-rate alert
        - Document the failover runbook <!-- pmsync: item -->
        """
    )
    assert found(pm) == [(5, "Document the failover runbook")]


def test_strip_overrides_blanks_the_comments_and_keeps_every_position() -> None:
    text = "- Add an alert <!-- pmsync: item -->\n  <!--pmsync:NOT-AN-ITEM-->\n- Thanks all\n"
    stripped, overrides = strip_overrides(text)
    assert stripped == "- Add an alert" + " " * 22 + "\n" + " " * 27 + "\n- Thanks all\n"
    assert [len(line) for line in stripped.split("\n")] == [len(line) for line in text.split("\n")]
    assert overrides.found == (Override(0, True, target=0), Override(1, False, target=2))


def test_text_without_overrides_is_returned_as_is() -> None:
    text = "## Action items\n\n<!-- a note -->\n- Add an alert\n"
    stripped, overrides = strip_overrides(text)
    assert stripped is text
    assert overrides.found == ()


def test_overrides_in_code_are_text_about_them() -> None:
    text = doc(
        """
        ## Action items

        Write `<!-- pmsync: item -->` at the end of the item's line.

        ```markdown
        - Thanks all <!-- pmsync: not-an-item -->
        ```
        """
    )
    stripped, overrides = strip_overrides(text)
    assert stripped == text
    assert overrides.found == ()


def test_comment_never_appears_in_titles_with_the_shipped_weights() -> None:
    pm = decide(
        read(
            """
            # Cache outage

            ## Action items

            - Add a cache hit-rate alert <!-- pmsync: item -->
            - [ ] Document the failover runbook <!-- pmsync: item -->

            | Action | Owner |
            |---|---|
            | Rotate the cache credentials <!-- pmsync: item --> | @sam |

            ### Better cache sizing <!-- pmsync: item -->

            We will size the cache from the last quarter's peak.
            """
        ),
        default_scorer(),
    )
    assert found(pm) == [
        (5, "Add a cache hit-rate alert"),
        (6, "Document the failover runbook"),
        (10, "Rotate the cache credentials"),
        (12, "Better cache sizing"),
    ]
    assert not any("pmsync" in item.title or "<!--" in item.text for item in pm.items)


def test_line_numbers_of_later_items_are_unchanged() -> None:
    text = """
        # Cache outage

        ## Action items

        <!-- pmsync: item -->
        - Add a cache hit-rate alert
        <!-- pmsync: not-an-item -->
        - [ ] Thanks all

        - [ ] Document the failover runbook
          over two lines
        - [ ] Rotate the cache credentials
        """
    pm = extract(text)
    assert [(item.line, item.end_line, item.title) for item in pm.items] == [
        (6, 6, "Add a cache hit-rate alert"),
        (10, 11, "Document the failover runbook over two lines"),
        (12, 12, "Rotate the cache credentials"),
    ]
    lines = doc(text).split("\n")
    assert [lines[item.line - 1].lstrip("-[ ]") for item in pm.items] == [
        "Add a cache hit-rate alert",
        "Document the failover runbook",
        "Rotate the cache credentials",
    ]


def test_pmsyncs_own_span_after_the_comment_still_binds_the_item() -> None:
    url = "https://github.com/acme/pm/issues/12"
    pm = extract(f"## Action items\n\n- Add a cache alert <!-- pmsync: item --> · [#12]({url}) · open\n")
    assert found(pm) == [(3, "Add a cache alert")]
    issue = pm.items[0].issue
    assert issue is not None and (issue.number, issue.url) == (12, url)


def test_an_override_that_matches_nothing_is_a_warning() -> None:
    pm = extract(
        """
        # Cache outage <!-- pmsync: item -->

        We were lucky this time. <!-- pmsync: item -->

        <!-- pmsync: not-an-item -->
        ## Empty section

        ## Action items

        - Add a cache hit-rate alert <!-- pmsync: item -->
        <!-- pmsync: item -->
        """
    )
    assert found(pm) == [(10, "Add a cache hit-rate alert")]
    assert pm.diagnostics == (
        Diagnostic("pm.md", 1, "warning", "override-unused", f"<!-- pmsync: item --> {UNUSED}"),
        Diagnostic("pm.md", 3, "warning", "override-unused", f"<!-- pmsync: item --> {UNUSED}"),
        Diagnostic("pm.md", 5, "warning", "override-unused", f"<!-- pmsync: not-an-item --> {UNUSED}"),
        Diagnostic("pm.md", 11, "warning", "override-unused", f"<!-- pmsync: item --> {UNUSED}"),
    )
    assert read("## Action items\n\n- Add an alert\n<!-- pmsync: item -->\n").overrides.unused([]) == [4]


def test_wants_items_names_the_lines_an_item_override_covers() -> None:
    overrides = read(
        """
        ## Timeline

        - Restarted the cache <!-- pmsync: item -->

        <!-- pmsync: item -->
        ## What we saw

        - Evictions rose

        ## Lessons learned <!-- pmsync: not-an-item -->
        """
    ).overrides
    assert [line for line in range(12) if overrides.wants_items(line, line + 1)] == [2, 5, 6, 7, 8]
    assert overrides.wants_items(0, 12)
    assert not overrides.wants_items(9, 12)


def test_pmsync_check_prints_the_unused_override_as_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    write(
        tmp_path / "pm.md",
        "# Cache outage\n\n## Action items\n\n- Add a cache alert @sam due 2030-01-01\n\n<!-- pmsync: item -->\n",
    )
    run = run_cli(capsys, "check", "pm.md")
    assert run.code == 0
    assert run.out_lines == [f"pm.md:7: warning: <!-- pmsync: item --> {UNUSED} [override-unused]"]
    assert run.err_lines[-1] == "1 documents, 1 items: 0 errors, 1 warnings"


def test_an_item_override_in_a_report_section() -> None:
    pm = extract(
        """
        # Cache outage

        ## Timeline

        - Restart the cache nodes one by one <!-- pmsync: item -->

        ## Action items

        - [ ] Add a cache hit-rate alert
        """
    )
    assert found(pm) == [(5, "Restart the cache nodes one by one"), (9, "Add a cache hit-rate alert")]
    assert pm.diagnostics == ()
