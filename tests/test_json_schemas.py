"""Every command's `--format json` against the JSON Schema shipped in the package
(pmsync/schemas/COMMAND.schema.json), and check's SARIF against the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pmsync.cli import main
from tests.ghdouble import GitHubDouble

REPO = "acme/pm"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "postmortems"
SARIF_SCHEMA = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"
COMMANDS = ("scan", "check", "push", "pull", "sync", "overdue", "report")


def schema(command: str) -> dict[str, Any]:
    text = resources.files("pmsync").joinpath("schemas", f"{command}.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.mark.parametrize("command", COMMANDS)
def test_the_schemas_are_valid_and_shipped(command: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(command))
    assert schema(command)["title"] == f"pmsync {command} --format json"
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schemas/*.schema.json"' in pyproject  # package data: installed with pmsync


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> Any:
    assert main(argv) == code, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _valid(command: str, data: Any) -> None:
    validator = jsonschema.Draft202012Validator(schema(command), format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors


@pytest.fixture
def online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble) -> tuple[Path, GitHubDouble]:
    github_double.add_repo(REPO, private=True, assignees=["kwame", "lchen", "rmensah", "amina", "tgarcia"])
    folder = tmp_path / "postmortems"
    folder.mkdir()
    for path in EXAMPLES.glob("*.md"):
        (folder / path.name).write_bytes(path.read_bytes())
    (tmp_path / "pmsync.yaml").write_text(
        f"repository: {REPO}\npaths:\n  - postmortems/*.md\npush:\n  write_delay: 0\n  max_creates: 100\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    for name in ("GITHUB_REPOSITORY", "GH_REPO", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path, github_double


def test_every_command_json_matches_its_schema(
    online: tuple[Path, GitHubDouble], capsys: pytest.CaptureFixture[str]
) -> None:
    _valid("scan", _json(capsys, ["scan", "--format", "json"]))
    _valid("check", _json(capsys, ["check", "--format", "json"]))
    _valid("push", _json(capsys, ["push", "--offline", "--format", "json"]))
    _valid("push", _json(capsys, ["push", "--dry-run", "--format", "json"]))
    pushed = _json(capsys, ["push", "--format", "json"])
    _valid("push", pushed)
    created = [a for a in pushed["actions"] if a["kind"] == "create"]
    assert created and all(a["labels"] and "pmsync" in a["labels"] for a in created)
    assert any(a["assignees"] == ["kwame"] for a in created)
    webhook = next(a for a in created if "webhook" in a["path"])
    online[1].close_issue(REPO, webhook["number"], reason="completed")
    _valid("pull", _json(capsys, ["pull", "--dry-run", "--format", "json"]))
    synced = _json(capsys, ["sync", "--format", "json"])
    _valid("sync", synced)
    assert synced["pull"]["written"] and synced["written"]  # sync JSON holds the pull's results too
    _valid("pull", _json(capsys, ["pull", "--format", "json"]))
    _valid("overdue", _json(capsys, ["overdue", "--today", "2026-12-01", "--format", "json"]))
    _valid("overdue", _json(capsys, ["overdue", "--offline", "--today", "2026-12-01", "--format", "json"]))
    report = _json(capsys, ["report", "--today", "2026-12-01", "--format", "json"])
    _valid("report", report)
    _valid("report", _json(capsys, ["report", "--offline", "--since", "2026-06-01", "--format", "json"]))
    assert report["backlog"][-1][0] == "2026-12-01"


def test_a_schema_rejects_what_the_contract_forbids() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"documents": [{"path": "x.md", "incident": {}, "items": []}]}, schema("scan"))
    with pytest.raises(AssertionError):
        _valid("report", {"today": "2026-12-01"})


def test_check_sarif_is_valid_sarif_2_1_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "postmortems").mkdir()
    for path in EXAMPLES.glob("*.md"):
        (tmp_path / "postmortems" / path.name).write_bytes(path.read_bytes())
    (tmp_path / "postmortems" / "empty notes.md").write_text("# Notes\n\nNothing here.\n", encoding="utf-8")
    (tmp_path / "postmortems" / "dup.md").write_text(
        "# Dup\n\n## Action items\n\n- Investigate the cache @amy due 2024-05-01\n"
        "- Investigate the cache @amy due 2024-05-01\n",
        encoding="utf-8",
    )
    log = _json(capsys, ["check", "--format", "sarif", "postmortems"], code=1)
    sarif_schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules][:8] == [
        "no-items", "missing-owner", "owner-not-login", "missing-due",
        "unparseable-date", "duplicate-item", "near-duplicate", "vague-wording",
    ]  # fmt: skip
    assert all(rule["help"]["text"] and rule["shortDescription"]["text"] for rule in rules)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["duplicate-item"]["level"] == "error"
    assert rules[by_rule["duplicate-item"]["ruleIndex"]]["id"] == "duplicate-item"
    location = by_rule["duplicate-item"]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "postmortems/dup.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 6},
    }
    empty = by_rule["no-items"]["locations"][0]["physicalLocation"]
    assert empty == {"artifactLocation": {"uri": "postmortems/empty%20notes.md", "uriBaseId": "%SRCROOT%"}}
    messages = [r["message"]["text"] for r in run["results"] if r["ruleId"] == "owner-not-login"]
    assert "owner 'Ingrid Lind' is not a GitHub login; write '@login' or map the name under `owners:`" in messages
