"""The Action's job summary and log, rendered from pmsync's JSON."""

from __future__ import annotations

from typing import Any

from pmsync.output.summary import SUMMARY_LIMIT, Counts, RunRecord, log_text, summary_markdown


def _action(kind: str, number: int | None = None, **extra: Any) -> dict[str, Any]:
    action = {"kind": kind, "path": "pm/a.md", "line": 3, "title": f"Item {kind} | x", "number": number}
    action |= {"url": None, "error": None, "detail": None}
    return action | extra


def _plan(actions: list[dict[str, Any]], *, dry_run: bool = False, **extra: Any) -> dict[str, Any]:
    summary = {"create": 1, "update": 0, "close": 0, "reopen": 0, "adopt": 0, "noop": 2, "skip": 1}
    data = {"repository": "acme/pm", "dry_run": dry_run, "summary": summary | {"conflict": 0, "orphan": 0}}
    return data | {"warnings": [], "actions": actions, "written": [], "not_written": []} | extra


def test_a_sync_summary_has_counts_actions_skips_warnings_and_changed_documents() -> None:
    actions = [
        _action("create", 4, url="https://github.com/acme/pm/issues/4"),
        _action("update", 5, error="GitHub answered 500"),
        _action("skip", detail="draft postmortem"),
        _action("skip", detail="draft postmortem"),
        _action("noop", 6),
    ]
    data = _plan(actions, warnings=["@ghost | cannot be assigned"], pull={"changes": []})
    record = RunRecord("sync", 1, "", Counts(1, 0, 0, overdue=2), data, writes_documents=True, changed=["pm/a.md"])

    assert summary_markdown(record).split("\n\n") == [
        "## pmsync sync",
        "| created | updated | closed | unchanged | skipped | conflicts | orphaned | overdue |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        "| 1 | 0 | 0 | 2 | 1 | 0 | 0 | 2 |",
        "| | issue | item | document |\n| --- | --- | --- | --- |\n"
        "| created | [#4](https://github.com/acme/pm/issues/4) | Item create \\| x | `pm/a.md:3` |\n"
        "| FAILED update | #5 | Item update \\| x (GitHub answered 500) | `pm/a.md:3` |",
        "- 2 skipped: draft postmortem",
        "> [!WARNING]\n> @ghost \\| cannot be assigned",
        "Documents updated:",
        "- `pm/a.md`",
        "pmsync exited with code 1: see the log.",
    ]


def test_a_dry_run_summary_says_so_and_lists_at_most_the_limit() -> None:
    actions = [_action("create") for _ in range(SUMMARY_LIMIT + 3)]
    record = RunRecord("push", 0, "", Counts(SUMMARY_LIMIT + 3), _plan(actions, dry_run=True), offline=True)

    text = summary_markdown(record)

    assert text.startswith("## pmsync push --offline\n\nDry run: no issue was written and no document changed.\n\n")
    assert "| to create | to update | to close |" in text
    assert text.count("| create | ") == SUMMARY_LIMIT
    assert "| … | | and 3 more (see the log) | |" in text


def test_a_check_summary_has_the_tally_and_the_findings() -> None:
    data = {
        "documents": 2,
        "items": 5,
        "errors": 1,
        "warnings": 1,
        "findings": [
            {"path": "a.md", "line": 3, "level": "error", "code": "missing-owner", "message": "no owner"},
            {"path": "b.md", "line": None, "level": "warning", "code": "no-items", "message": "no items"},
        ],
    }
    record = RunRecord("check", 1, "", data=data)

    assert summary_markdown(record).split("\n\n") == [
        "## pmsync check",
        "2 documents, 5 items: 1 errors, 1 warnings",
        "````\na.md:3: error: no owner [missing-owner]\nb.md: warning: no items [no-items]\n````",
        "pmsync exited with code 1: see the log.",
    ]
    assert log_text(record) == (
        "::error file=a.md,line=3,title=pmsync missing-owner::no owner\n"
        "::warning file=b.md,title=pmsync no-items::no items\n"
        "2 documents, 5 items: 1 errors, 1 warnings\n"
    )


def test_a_pull_summary_lists_the_items_changed_or_says_no_document_changed() -> None:
    changes = [{"path": "pm/a.md", "change": "3: #4 done"}]
    changed = RunRecord("pull", 0, "", data={"changes": changes, "written": ["pm/a.md"]}, writes_documents=True)
    changed.changed = ["pm/a.md"]
    assert summary_markdown(changed) == (
        "## pmsync pull\n\n````\npm/a.md:3: #4 done\n````\n\nDocuments updated:\n\n- `pm/a.md`"
    )
    assert log_text(changed) == "pm/a.md:3: #4 done\n"
    quiet = RunRecord("pull", 0, "", data={"changes": []}, writes_documents=True)
    assert summary_markdown(quiet) == "## pmsync pull\n\nNo document changed."


def test_text_output_is_shown_as_printed() -> None:
    record = RunRecord("report", 0, "Follow-up report\n  items 3\n", Counts(known=False))
    assert summary_markdown(record) == "## pmsync report\n\n````\nFollow-up report\n  items 3\n````"


def test_the_log_of_a_plan_overdue_and_report() -> None:
    plan = _plan([_action("create", 4, url="u", detail="assign @amy"), _action("noop", 5)])
    assert log_text(RunRecord("sync", 0, "", data=plan | {"pull": {"changes": []}})) == (
        "pmsync sync → acme/pm\n"
        "  created    #4 Item create | x  pm/a.md:3 (assign @amy)\n"
        "1 create, 0 update, 0 close, 0 reopen, 0 adopt, 2 noop, 1 skip, 0 conflict, 0 orphan\n"
    )
    overdue = {"overdue": [{"issue": 4, "title": "Fix", "owner": None, "days_late": 3, "path": "a.md", "line": 2}]}
    assert log_text(RunRecord("overdue", 0, "", data=overdue)) == (
        "1 overdue action items\n  3 days late  #4 Fix  (no owner, a.md:2)\n"
    )
    report = {"overall": {"items": 3, "done": 1}}
    assert log_text(RunRecord("report", 0, "", data=report)) == "items: 3, done: 1\n"
