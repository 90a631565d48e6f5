"""`pmsync scan --explain FILE`: sections with their kind, candidates with decision, score and features.

A fixed scorer, so the numbers in the report are the test's own, not the shipped weights'.
"""

from __future__ import annotations

from pmsync.config import Config
from pmsync.extract import Candidates, decide, read_candidates
from pmsync.extract.explain import explain
from pmsync.extract.scorer import Scorer
from tests.helpers import doc

LONG = "Restart the cache nodes one by one while the traffic is low, and watch the hit rate and the latency"
SCORER = Scorer({"bias": -1.0, "checkbox": 1.75, "label": 0.5, "origin=heading": 0.75, "origin=prose": 1.5})


def read(text: str) -> Candidates:
    return read_candidates("pm.md", doc(text).encode("utf-8"), Config())


def test_the_whole_report() -> None:
    report = explain(
        read(
            """
            # Cache outage

            ## Timeline

            ## Action items

            - [ ] Add a cache hit-rate alert
            - **Runbook**: document the failover
            - [ ] Nice work everyone <!-- pmsync: not-an-item -->
            """
        ),
        SCORER,
    )
    assert report.split("\n") == [
        "pm.md: 3 candidates; threshold 0.00; every score includes the bias -1.00",
        "",
        "Sections",
        "  line 1: 'Cache outage' (heading 1): kind neutral, mode none; no known title words",
        "    line 3: 'Timeline' (heading 2): kind negative, mode none; title words 'timeline' (done)",
        "    line 5: 'Action items' (heading 2): kind followup, mode strong; "
        "title words 'action items' (follow-up); 'action' (generic follow-up)",
        "",
        "Candidates",
        "  line 7: item; score 0.75 vs threshold 0.00",
        "    Add a cache hit-rate alert",
        "    checkbox +1.75",
        "  line 8: not an item; score -0.50 vs threshold 0.00",
        "    Runbook",
        "    label +0.50",
        "  line 9: not an item (forced by override); score 0.75 vs threshold 0.00",
        "    Nice work everyone",
        "    checkbox +1.75",
        "",
    ]


def test_sections_name_their_kind_and_the_words_that_decided_it() -> None:
    report = explain(
        read(
            """
            Notes before any heading.

            ## Lessons learned

            We should test failover.

            ## Follow-ups

            **Summary**

            - Add an alert

            ### Sizing

            - Size the cache from the peak
            """
        ),
        SCORER,
    )
    sections = report.split("\n\nSections\n", 1)[1].split("\n\n", 1)[0].split("\n")
    assert sections == [
        "  line 1: (before the first heading): kind neutral, mode none",
        "  line 3: 'Lessons learned' (heading 2): kind weak, mode none; title words 'lessons learned' (lessons)",
        "  line 7: 'Follow-ups' (heading 2): kind followup, mode strong; title words 'follow-ups' (follow-up)",
        "    line 9: 'Summary' (label): kind neutral (part of a followup section), mode strong; "
        "title words 'summary' (negative); ignored inside a follow-up section",
        "    line 13: 'Sizing' (heading 3): kind neutral (part of a followup section), mode strong; "
        "no known title words",
    ]


def test_forced_kept_rejected_and_covered_candidates_say_so() -> None:
    text = """
        ## Action items

        - [ ] Add a cache hit-rate alert
        - [ ] LONG <!-- pmsync: not-an-item -->
        - Evictions rose at noon
        - Alert on the eviction rate <!-- pmsync: item -->

        ### Better sizing

        We will size the cache from the peak.
        """
    report = explain(read(text.replace("LONG", LONG)), SCORER)
    candidates = report.split("\n\nCandidates\n", 1)[1].split("\n")
    assert candidates == [
        "  line 3: item; score 0.75 vs threshold 0.00",
        "    Add a cache hit-rate alert",
        "    checkbox +1.75",
        "  line 4: not an item (forced by override); score 0.75 vs threshold 0.00",
        "    Restart the cache nodes one by one while the traffic is low, and watch the hit …",
        "    checkbox +1.75",
        "  line 5: not an item; score -1.00 vs threshold 0.00",
        "    Evictions rose at noon",
        "    no weighted features",
        "  line 6: item (forced by override); score -1.00 vs threshold 0.00",
        "    Alert on the eviction rate",
        "    no weighted features",
        "  line 8: item; score 0.25 vs threshold 0.00",
        "    Better sizing",
        "    origin=heading +0.75, label +0.50",
        "  line 10: covered by a heading item (line 8); score 0.50 vs threshold 0.00",
        "    We will size the cache from the peak.",
        "    origin=prose +1.50",
        "",
    ]
    assert len(candidates[4].strip()) == 80


def test_the_four_features_that_pushed_most_with_their_sign() -> None:
    scorer = Scorer(
        {"bias": 0.1, "mode=strong": 0.5, "checkbox": -3.0, "imperative": 2.0, "kind=followup": 1.0, "cells": 9.0}
    )
    report = explain(read("## Action items\n\n- [ ] Add a cache hit-rate alert\n"), scorer)
    assert report.split("\n")[0] == "pm.md: 1 candidates; threshold 0.00; every score includes the bias +0.10"
    assert report.split("\n")[-4:] == [
        "  line 3: item; score 0.60 vs threshold 0.00",
        "    Add a cache hit-rate alert",
        "    checkbox -3.00, imperative +2.00, kind=followup +1.00, mode=strong +0.50",
        "",
    ]


def test_unmatched_overrides_are_listed() -> None:
    report = explain(read("## Action items\n\n- Add an alert\n\n<!-- pmsync: item -->\n"), SCORER)
    assert report.endswith("\n\nOverrides that match no candidate\n  line 5: <!-- pmsync: item -->\n")


def test_the_report_agrees_with_decide() -> None:
    candidates = read(
        """
        # Cache outage

        Action item: add a cache dashboard before the next release.

        ## Action items

        - [ ] Add a cache hit-rate alert
        - [ ] Nice work everyone <!-- pmsync: not-an-item -->
        - Alert on the eviction rate <!-- pmsync: item -->
        - Evictions rose at noon

        ### Better sizing

        We will size the cache from the peak.
        """
    )
    report = explain(candidates, SCORER)
    explained = [line.split(":")[0] for line in report.split("\n") if line.startswith("  line ") and ": item" in line]
    assert explained == [f"  line {item.line}" for item in decide(candidates, SCORER).items]
    assert explained == ["  line 3", "  line 7", "  line 9", "  line 12"]
