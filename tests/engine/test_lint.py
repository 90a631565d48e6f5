"""`pmsync check`'s rules: owners that are not logins, near-duplicates, vague wording
judged the same way however the item is written, --select/--ignore/--strict, the summary by rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmsync.cli import main
from pmsync.config import Config
from pmsync.engine.lint import RULES, check, is_near_duplicate, is_vague
from tests.helpers import doc, extract, new_item, write


@pytest.mark.parametrize(
    "title",
    [
        "Investigate the cache",
        "We should look into alerting",
        "P1 Improve monitoring by 2024-05-01",  # a date is not an end state
        "TODO: review the runbook",
        "Consider adding retries to the client",
        "Better dashboards",
        "need to evaluate the paging setup",
        "Follow up on the vendor's fix",
        "Analyze the failover due May 1",
    ],
)
def test_vague_items(title: str) -> None:
    assert is_vague(new_item(title=title))


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Investigate the cache", "Investigate the cache and alert when the hit rate is below 80%"),
        ("Improve alerting so that on-call is paged within 5 minutes", ""),
        ("Improve monitoring", "Page when p99 latency > 500 ms for 5 minutes"),  # the description says it
        ("Review the runbook until every step was rehearsed once", ""),
        ("Add an alert on replication lag", ""),  # not a vague verb
        ("Reviewer sign-off on config changes", ""),  # a word that starts like one is not one
    ],
)
def test_concrete_items(title: str, text: str) -> None:
    assert not is_vague(new_item(title=title, text=text or title))


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("Add an alert on replication lag", "Add alerts for replication lag", True),
        ("Write the database failover runbook", "Write a runbook for the database failover", True),
        ("Rotate the signing keys", "Rotate the signing key.", True),
        ("Add an alert on replication lag", "Add an alert on disk usage", False),
        ("Write the failover runbook", "Rehearse the failover runbook", False),
    ],
)
def test_near_duplicates(a: str, b: str, near: bool) -> None:
    assert is_near_duplicate(a, b) is near


PM = doc(
    """
    # Outage

    ## Action items

    - Add an alert on replication lag @jdoe due 2024-05-01
    - Add alerts for replication lag @amy due 2024-05-02
    - Investigate the cache. Owner: Ingrid Lind
    - Rotate the signing keys @jdoe due 2024-05-01
    - Rotate the signing keys @jdoe due 2024-05-01
    - [x] Done already, by Someone Else
    """
)


def test_findings_of_one_document() -> None:
    found = [(f.line, f.code, f.level) for f in check((extract(PM, "pm.md"),), Config())]
    assert found == [
        (6, "near-duplicate", "warning"),
        (7, "owner-not-login", "warning"),
        (7, "missing-due", "warning"),
        (7, "vague-wording", "warning"),
        (9, "duplicate-item", "error"),
    ]


def test_every_rule_has_help_and_a_config_level() -> None:
    for rule in RULES.values():
        assert rule.summary and rule.help.endswith((".", ")"))
        assert Config().check_level(rule.id) in ("error", "warning")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    write(tmp_path / "pm.md", PM)
    return tmp_path


def _codes(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["check", "--format", "json", *argv, "pm.md"])
    return code, [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]


def test_select_and_ignore(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _codes(capsys, "--select", "owner-not-login,vague-wording") == (0, ["owner-not-login", "vague-wording"])
    assert _codes(capsys, "--select", "duplicate-item") == (1, ["duplicate-item"])
    code, codes = _codes(capsys, "--ignore", "duplicate-item", "--ignore", "near-duplicate")
    assert code == 0 and "duplicate-item" not in codes and "near-duplicate" not in codes and len(codes) == 3


def test_strict_fails_on_warnings(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _codes(capsys, "--ignore", "duplicate-item")[0] == 0
    assert _codes(capsys, "--ignore", "duplicate-item", "--strict")[0] == 1
    assert _codes(capsys, "--select", "missing-owner", "--strict") == (0, [])


def test_an_unknown_rule_is_a_usage_error_listing_the_rules(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--select", "missing-owners", "pm.md"]) == 2
    err = capsys.readouterr().err
    assert "Error: --select: no rule named 'missing-owners'" in err
    assert "hint: rules: no-items, missing-owner, owner-not-login," in err


def test_the_summary_groups_the_findings_by_rule(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(workspace / "two.md", PM)
    assert main(["check", "pm.md", "two.md"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[1:-1] == [
        "RULE             LEVEL    FINDINGS  DOCUMENTS  WHAT",
        "owner-not-login  warning         2          2  An owner that is not a GitHub login",
        "missing-due      warning         2          2  An action item without a due date",
        "duplicate-item   error           2          2  The same action item listed twice",
        "near-duplicate   warning         2          2  Two action items that say nearly the same",
        "vague-wording    warning         2          2  An action item with no concrete end state",
    ]
    assert err[-1].startswith("2 documents, ") and err[-1].endswith(" items: 2 errors, 8 warnings")
    assert main(["check", "--format", "markdown", "pm.md"]) == 1
    out = capsys.readouterr().out
    assert "| `duplicate-item` | 1 | 1 | The same action item listed twice |" in out
    assert "### `vague-wording`\n\n- `pm.md:7` 'Investigate the cache.' has no concrete end state" in out
