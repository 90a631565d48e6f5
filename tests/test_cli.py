"""`pmsync scan` and `pmsync check` through the command line (cli.main)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pmsync import __version__
from pmsync import cli as cli_module
from pmsync.cli import main
from pmsync.commands import context
from pmsync.errors import (
    EXIT_AUTH,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUT_OF_DATE,
    EXIT_USAGE,
)
from tests.helpers import FORMATS, doc, run_cli, write

ITEM_KEYS: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "title": str,
    "text": str,
    "group": (str, type(None)),
    "owner": (str, type(None)),
    "due": (str, type(None)),
    "priority": (str, type(None)),
    "kind": (str, type(None)),
    "done": bool,
    "issue": (str, type(None)),
    "line": int,
    "end_line": int,
}
INCIDENT_KEYS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "title": (str, type(None)),
    "date": (str, type(None)),
    "severity": (str, type(None)),
    "label": str,
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DIAGNOSTIC_LINE = re.compile(
    r"^(?P<file>[^:\s]+)(?::(?P<line>\d+))?: (?P<level>error|warning|notice): .+ \[(?P<rule>[a-z-]+)\]$"
)

OUTAGE = doc(
    """
    # Checkout outage

    Severity: SEV2

    On 2024-03-11 checkout failed for 40 minutes.

    ## Action items

    - Add an alert on checkout errors @jdoe due 2024-04-01
    - [x] Roll back faster with a one-click script
    - P1 Write the database failover runbook. Owner: Jane Doe
    - Fix the retry storm, see #123
    """
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder with no config and outside GitHub Actions."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    run = run_cli(capsys, "scan", "--format", "json", *args)
    assert run.code == 0, run.err
    data: dict[str, Any] = json.loads(run.out)
    return data


# -- scan --format json ---------------------------------------------------------------


def test_scan_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("postmortems/2024-03-11-outage.md"), OUTAGE)
    data = scan_json(capsys, "postmortems/2024-03-11-outage.md")
    assert list(data) == ["documents"]
    [document] = data["documents"]
    assert {"path", "incident", "items"} <= set(document)
    assert document["path"] == "postmortems/2024-03-11-outage.md"  # as given on the command line

    incident = document["incident"]
    for key, types in INCIDENT_KEYS.items():
        assert key in incident, key
        assert isinstance(incident[key], types), (key, incident[key])
    assert incident["id"] == "2024-03-11-outage"
    assert incident["title"] == "Checkout outage"
    assert incident["date"] == "2024-03-11"
    assert incident["severity"] == "SEV2"
    assert incident["label"] == "incident:2024-03-11-outage"

    items = document["items"]
    for item in items:
        for key, types in ITEM_KEYS.items():
            assert key in item, key
            assert isinstance(item[key], types), (key, item[key])
        assert item["due"] is None or ISO_DATE.match(item["due"])
        assert 1 <= item["line"] <= item["end_line"]
    assert any(item["due"] is not None for item in items)  # the date check above ran
    assert [i["title"] for i in items] == [
        "Add an alert on checkout errors",
        "Roll back faster with a one-click script",
        "Write the database failover runbook.",
        "Fix the retry storm, see #123",
    ]
    first, second, third, fourth = items
    assert (first["owner"], first["due"], first["done"], first["line"]) == ("jdoe", "2024-04-01", False, 9)
    assert (second["done"], second["owner"], second["due"], second["line"]) == (True, None, None, 10)
    assert (third["priority"], third["owner"], third["line"]) == ("P1", "Jane Doe", 11)
    assert (fourth["issue"], fourth["group"], fourth["kind"], fourth["priority"]) == ("#123", None, None, None)
    assert len({i["key"] for i in items}) == 4


def test_scan_json_unknowns_are_null(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("bare.md"), "## Action items\n\n- Add an alert\n")
    [document] = scan_json(capsys, "bare.md")["documents"]
    incident = document["incident"]
    assert (incident["title"], incident["date"], incident["severity"]) == (None, None, None)
    [item] = document["items"]
    assert {k: item[k] for k in ("group", "owner", "due", "priority", "kind", "issue")} == dict.fromkeys(
        ("group", "owner", "due", "priority", "kind", "issue")
    )
    assert item["done"] is False


def test_scan_json_issue_url(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("x.md"), "## Action items\n\n- Remove the endpoint https://github.com/acme/api/issues/456\n")
    [document] = scan_json(capsys, "x.md")["documents"]
    assert document["items"][0]["issue"] == "https://github.com/acme/api/issues/456"


def test_scan_json_folder_and_several_documents(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pm/b.md"), "# B\n\n## Action items\n\n- Add b\n")
    write(Path("pm/a.md"), "# A\n\n## Action items\n\n- Add a\n")
    write(Path("pm/notes.txt"), "## Action items\n\n- Not markdown by name\n")
    write(Path("pm/.hidden/c.md"), "# C\n\n## Action items\n\n- Add c\n")
    data = scan_json(capsys, "pm")
    assert [(d["path"], d["incident"]["title"]) for d in data["documents"]] == [("pm/a.md", "A"), ("pm/b.md", "B")]


def test_scan_json_is_unicode(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("ja.md"), (FORMATS / "japanese.md").read_text(encoding="utf-8"))
    run = run_cli(capsys, "scan", "--format", "json", "ja.md")
    assert "再発防止策" in run.out or "設定ファイル" in run.out  # not \\u escapes
    assert json.loads(run.out)["documents"][0]["items"][0]["title"] == "設定ファイルの変更をCIで検証する"


# -- scan --format table / markdown -----------------------------------------------------


def test_scan_table(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("outage.md"), OUTAGE)
    run = run_cli(capsys, "scan", "outage.md")  # table is the default
    assert run.code == 0
    assert run.out_lines[0] == "outage.md  (Checkout outage, 2024-03-11, 4 items)"
    assert "Add an alert on checkout errors" in run.out
    assert "Roll back faster with a one-click script" in run.out
    assert re.search(r"^\s+10\s+done\s", run.out, re.M)
    assert re.search(r"^\s+9\s+open\s+jdoe\s+2024-04-01\s", run.out, re.M)
    assert run_cli(capsys, "scan", "--format", "table", "outage.md").out == run.out


def test_scan_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("outage.md"), OUTAGE)
    run = run_cli(capsys, "scan", "--format", "markdown", "outage.md")
    assert run.code == 0
    assert run.out.startswith("### Checkout outage\n")
    assert "`outage.md` · 2024-03-11 · SEV2" in run.out
    assert "| ⬜ | Add an alert on checkout errors | jdoe | 2024-04-01 | 9 |" in run.out
    assert "| ✅ | Roll back faster with a one-click script |  |  | 10 |" in run.out


def test_scan_markdown_no_items(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("quiet.md"), "# Quiet\n\nNothing happened.\n")
    run = run_cli(capsys, "scan", "--format", "markdown", "quiet.md")
    assert "_No action items found._" in run.out


def test_scan_no_documents(capsys: pytest.CaptureFixture[str]) -> None:
    Path("empty-folder").mkdir()
    run = run_cli(capsys, "scan", "empty-folder")
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == ["Error: no document matches empty-folder: check the path for a typo"]


# -- check --------------------------------------------------------------------------------


RULE_DOCS: dict[str, tuple[str, int | None, str]] = {
    # rule: (document, line of the finding, level)
    "no-items": ("# Quiet\n\nNothing broke today.\n", None, "warning"),
    "missing-owner": ("# T\n\n## Action items\n\n- Add a lag alert. Due: 2024-04-01\n", 5, "warning"),
    "missing-due": ("# T\n\n## Action items\n\n- Add a lag alert @jdoe\n", 5, "warning"),
    "unparseable-date": ("# T\n\n## Action items\n\n- Add a lag alert @jdoe. Due: next sprint\n", 5, "error"),
    "duplicate-item": (
        "# T\n\n## Action items\n\n- Add a lag alert @jdoe due 2024-04-01\n- Add a lag alert @jdoe due 2024-04-01\n",
        6,
        "error",
    ),
    "vague-wording": (
        "# T\n\n## Action items\n\n- Investigate the database. Owner: @jdoe. Due: 2024-04-01\n",
        5,
        "warning",
    ),
}


@pytest.mark.parametrize("rule", sorted(RULE_DOCS))
def test_check_rule_fires(capsys: pytest.CaptureFixture[str], rule: str) -> None:
    text, line, level = RULE_DOCS[rule]
    write(Path("pm.md"), text)
    run = run_cli(capsys, "check", "pm.md")
    findings = [DIAGNOSTIC_LINE.match(out) for out in run.out_lines]
    assert all(findings), run.out
    assert [(m["file"], m["line"] and int(m["line"]), m["level"], m["rule"]) for m in findings if m] == [
        ("pm.md", line, level, rule)
    ]
    assert run.code == (1 if level == "error" else 0)
    # a one-line summary goes to stderr
    assert run.err_lines[-1].startswith("1 documents, ")


def test_check_line_format(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pm.md"), RULE_DOCS["missing-owner"][0])
    run = run_cli(capsys, "check", "pm.md")
    assert run.out_lines == [
        "pm.md:5: warning: no owner for 'Add a lag alert.'; add '@login' or an Owner column [missing-owner]"
    ]
    assert run.err_lines == [  # the findings counted by rule, then the tally
        "RULE           LEVEL    FINDINGS  DOCUMENTS  WHAT",
        "missing-owner  warning         1          1  An action item without an owner",
        "1 documents, 1 items: 0 errors, 1 warnings",
    ]


def test_check_clean_document_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pm.md"), "# T\n\n## Action items\n\n- Add a lag alert @jdoe due 2024-04-01\n- [x] Roll back\n")
    run = run_cli(capsys, "check", "pm.md")
    assert (run.code, run.out) == (0, "")
    assert run.err_lines == ["1 documents, 2 items: 0 errors, 0 warnings"]


def test_check_exit_codes_with_mixed_findings(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("warn.md"), RULE_DOCS["missing-due"][0])
    write(Path("err.md"), RULE_DOCS["unparseable-date"][0])
    assert run_cli(capsys, "check", "warn.md").code == 0
    run = run_cli(capsys, "check", "warn.md", "err.md")
    assert run.code == 1
    assert {m["rule"] for m in map(DIAGNOSTIC_LINE.match, run.out_lines) if m} == {"missing-due", "unparseable-date"}


def test_check_github_annotations(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    write(Path("pm.md"), RULE_DOCS["duplicate-item"][0])
    write(Path("quiet.md"), RULE_DOCS["no-items"][0])
    run = run_cli(capsys, "check", "pm.md", "quiet.md")
    assert run.code == 1
    assert run.out_lines[0].startswith("::error file=pm.md,line=6,")
    assert "duplicate-item" in run.out_lines[0]
    assert "repeats the item on line 5" in run.out_lines[0]
    assert run.out_lines[1].startswith("::warning file=quiet.md,")
    assert "line=" not in run.out_lines[1].split("::")[1]
    assert len(run.out_lines) == 2


def test_check_annotation_escapes_percent(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    write(Path("pm.md"), "# T\n\n## Action items\n\n- Keep errors under 5% @jdoe\n")
    run = run_cli(capsys, "check", "pm.md")
    assert run.out_lines == [
        "::warning file=pm.md,line=5,title=pmsync missing-due::no due date for 'Keep errors under 5%25'; "
        "add 'due YYYY-MM-DD'"
    ]


def test_check_annotations_only_when_github_actions_is_true(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    write(Path("pm.md"), RULE_DOCS["missing-due"][0])
    run = run_cli(capsys, "check", "pm.md")
    assert not run.out.startswith("::")
    assert DIAGNOSTIC_LINE.match(run.out_lines[0])


def test_check_skips_done_items(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pm.md"), "# T\n\n## Action items\n\n- [x] Investigate the database\n")
    run = run_cli(capsys, "check", "pm.md")
    assert (run.code, run.out) == (0, "")


def test_check_reports_unreadable_file(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "check", "missing.md")
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == ["Error: no document matches missing.md: check the path for a typo"]


# -- options, help, version -----------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "--version")
    assert run.code == 0
    assert run.out.strip() == f"pmsync, version {__version__}"


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["--help"], "Usage: pmsync [OPTIONS] COMMAND [ARGS]..."),
        (["-h"], "Usage: pmsync [OPTIONS] COMMAND [ARGS]..."),
        (["scan", "--help"], "Usage: pmsync scan [OPTIONS] [PATHS]..."),
        (["check", "--help"], "Usage: pmsync check [OPTIONS] [PATHS]..."),
    ],
)
def test_help(capsys: pytest.CaptureFixture[str], argv: list[str], usage: str) -> None:
    run = run_cli(capsys, *argv)
    assert run.code == 0
    assert run.out.startswith(usage)


def test_top_level_help_lists_commands_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli(capsys, "--help").out
    assert re.search(r"^\s+scan\s", out, re.M)
    assert re.search(r"^\s+check\s", out, re.M)
    assert "2 usage or configuration error" in out


def test_scan_help_lists_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert "[table|json|markdown]" in run_cli(capsys, "scan", "--help").out


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "--bogus"],
        ["check", "--bogus"],
        ["--bogus"],
        ["scan", "--format", "yaml"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    run = run_cli(capsys, *argv)
    assert run.code == 2
    assert run.out == ""
    assert any(line.startswith("Error: ") for line in run.err_lines)


def test_python_dash_m_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pmsync", "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"pmsync, version {__version__}"


def test_python_dash_m_check_exit_code(tmp_path: Path) -> None:
    write(tmp_path / "pm.md", RULE_DOCS["unparseable-date"][0])
    result = subprocess.run(
        [sys.executable, "-m", "pmsync", "check", "pm.md"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "pm.md:5: error: " in result.stdout
    assert "Traceback" not in result.stderr


def test_an_internal_error_exits_3_with_one_line_and_a_please_report_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(arguments: list[str], config: object) -> None:
        raise KeyError("surprise")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(context, "scan", broken)

    assert main(["scan"]) == EXIT_INTERNAL == 3

    err = capsys.readouterr().err
    assert err.splitlines()[0] == "Error: internal error: KeyError: 'surprise'"
    assert "please report" in err.splitlines()[1] and "--debug" in err.splitlines()[1]
    assert "Traceback" not in err


def test_an_internal_error_with_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(arguments: list[str], config: object) -> None:
        raise KeyError("surprise")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(context, "scan", broken)

    assert main(["--debug", "scan"]) == EXIT_INTERNAL

    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "KeyError: 'surprise'" in err


def test_the_exit_codes_in_help_and_readme_are_the_ones_pmsync_uses() -> None:
    codes = {EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_AUTH, EXIT_OUT_OF_DATE, EXIT_INTERRUPTED}
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert {int(code) for code in re.findall(r"^\| (\d+) \|", readme, re.M)} == codes
    help_text = " ".join((cli_module.cli.help or "").split())
    assert all(f"{code} " in help_text for code in codes)


def test_scan_explain_names_sections_and_decisions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path / "pm.md",
        "# Queue outage\n\n## Timeline\n\n- 10:02 the queue stopped\n\n## Action items\n\n- [ ] Alert on queue depth\n",
    )
    run = run_cli(capsys, "scan", "--explain", "pm.md")
    assert run.code == 0
    assert "line 7: 'Action items' (heading 2): kind followup, mode strong" in run.out
    assert "line 9: item; score" in run.out
    assert "Alert on queue depth" in run.out
    assert "10:02 the queue stopped" not in run.out  # a timeline line that commits to nothing is not even a candidate


def test_scan_explain_of_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "scan", "--explain", "missing.md")
    assert run.code == EXIT_USAGE
    assert run.err.splitlines()[0].startswith("Error: missing.md: cannot read it")


def test_commands_that_do_not_talk_to_github_never_import_its_client() -> None:
    """PyGithub and requests cost more to import than a whole scan of a few documents."""
    probe = (
        "import sys\n"
        "from pmsync.cli import main\n"
        "for argv in (['scan', 'examples/postmortems'], ['check', 'examples/postmortems'], ['--help']):\n"
        "    main(argv)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('github', 'requests', 'jsonschema')))\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"


def test_check_json_has_the_counts_and_findings_the_text_shows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    write(
        tmp_path / "pm.md",
        "# Outage\n\n## Action items\n\n- Investigate the cache\n- Add an alert @amy due 2024-05-01\n",
    )
    text = run_cli(capsys, "check", "pm.md")
    as_json = run_cli(capsys, "check", "--format", "json", "pm.md")

    data = json.loads(as_json.out)
    assert as_json.code == text.code
    tally = f"1 documents, 2 items: {data['errors']} errors, {data['warnings']} warnings\n"
    assert as_json.err == tally and text.err.endswith("\n" + tally)  # the table shows the counts by rule first
    assert (data["documents"], data["items"]) == (1, 2)
    lines = [f"{f['path']}:{f['line']}: {f['level']}: {f['message']} [{f['code']}]" for f in data["findings"]]
    assert lines == text.out_lines
    assert data["warnings"] == sum(f["level"] == "warning" for f in data["findings"]) > 0
