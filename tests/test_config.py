"""pmsync.yaml: discovery, validation errors, and the settings it changes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pmsync.config import Config, find_config, load_config, schema
from pmsync.errors import ConfigError
from tests.helpers import doc, extract, run_cli, titles, write

UPPFOLJNING = doc(
    """
    # Cachen föll

    Den 2024-02-02 föll cachen.

    ## Uppföljning

    - Lägg till ett larm för cachen. Owner: Jane Doe
    """
)
ACTION = "# Outage\n\nOn 2024-01-01 it broke.\n\n## Action items\n\n- Add an alert. Owner: Jane Doe\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def git_init(path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)


def owners_of(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[str, str | None]]:
    run = run_cli(capsys, *args)
    assert run.code == 0, run.err
    data = json.loads(run.out)
    return [(d["path"], item["owner"]) for d in data["documents"] for item in d["items"]]


# -- discovery -----------------------------------------------------------------------------


def test_config_found_in_current_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", "owners:\n  Jane Doe: jdoe\n")
    write(tmp_path / "pm.md", ACTION)
    assert find_config(tmp_path) == tmp_path / "pmsync.yaml"
    assert owners_of(capsys, "scan", "--format", "json", "pm.md") == [("pm.md", "jdoe")]


def test_config_found_at_git_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git_init(repo)
    write(repo / "pmsync.yaml", "owners:\n  Jane Doe: jdoe\n")
    sub = repo / "docs" / "postmortems"
    write(sub / "pm.md", ACTION)
    found = find_config(sub)
    assert found is not None
    assert found.resolve() == (repo / "pmsync.yaml").resolve()
    monkeypatch.chdir(sub)
    assert owners_of(capsys, "scan", "--format", "json", "pm.md") == [("pm.md", "jdoe")]


def test_config_in_current_folder_beats_git_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git_init(repo)
    write(repo / "pmsync.yaml", "owners:\n  Jane Doe: root\n")
    write(repo / "sub" / "pmsync.yaml", "owners:\n  Jane Doe: here\n")
    assert find_config(repo / "sub") == repo / "sub" / "pmsync.yaml"


def test_no_config_gives_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert find_config(tmp_path) is None
    write(tmp_path / "pm.md", ACTION)
    assert owners_of(capsys, "scan", "--format", "json", "pm.md") == [("pm.md", "Jane Doe")]


def test_config_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", "owners:\n  Jane Doe: fromcwd\n")
    write(tmp_path / "elsewhere" / "custom.yaml", "owners:\n  Jane Doe: jdoe\n")
    write(tmp_path / "pm.md", ACTION)
    assert owners_of(capsys, "--config", "elsewhere/custom.yaml", "scan", "--format", "json", "pm.md") == [
        ("pm.md", "jdoe")
    ]


def test_empty_config_file_is_defaults(tmp_path: Path) -> None:
    write(tmp_path / "pmsync.yaml", "")
    config = load_config(tmp_path / "pmsync.yaml")
    assert config.paths == ("postmortems/**/*.md",)
    assert config.check_level("missing-owner") == "warning"
    assert config.check_level("unparseable-date") == "error"


# -- errors ------------------------------------------------------------------------------------


def config_error(capsys: pytest.CaptureFixture[str], text: str) -> list[str]:
    """Write pmsync.yaml, run scan, check the exit code, return the stderr lines."""
    write(Path("pmsync.yaml"), text)
    write(Path("pm.md"), ACTION)
    run = run_cli(capsys, "scan", "pm.md")
    assert run.code == 2
    assert run.out == ""  # nothing scanned
    lines = run.err_lines
    assert sum(1 for line in lines if line.startswith("Error: ")) == 1, lines
    assert lines[0].startswith("Error: "), lines
    assert "pmsync.yaml" in lines[0]
    assert len(lines) <= 2, lines
    return lines


def test_unknown_top_level_key(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "paths: ['*.md']\nowner:\n  Jane: jdoe\n")
    assert "unknown key 'owner'" in lines[0]
    assert lines[1] == "hint: valid keys: " + ", ".join(sorted(schema()["properties"]))


def test_unknown_nested_key(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "sections:\n  followups: [suivi]\n")
    assert "unknown key 'sections.followups'" in lines[0]
    assert lines[1] == "hint: valid keys: followup, ignore"


def test_unknown_check_rule(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "check:\n  missing-owners: off\n")
    assert "'check.missing-owners'" in lines[0]
    assert lines[1].startswith("hint: valid keys: ")
    assert "missing-owner" in lines[1] and "vague-wording" in lines[1]


def test_wrong_type(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "paths: postmortems/*.md\n")
    assert "'paths'" in lines[0]
    assert "array" in lines[0]


def test_wrong_nested_type(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "sections:\n  followup: suivi\n")
    assert "'sections.followup'" in lines[0]
    assert "array" in lines[0]


def test_bad_enum_level_in_check(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "check:\n  missing-owner: fatal\n")
    assert "'check.missing-owner'" in lines[0]
    assert "fatal" in lines[0]
    assert lines[1] == "hint: valid choices: error, warning, off"


def test_bad_owner_login(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "owners:\n  Jane Doe: 'not a login'\n")
    assert "'owners.Jane Doe'" in lines[0]


def test_invalid_yaml_names_the_line(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "paths:\n  - a.md\n - b.md\n")
    assert "pmsync.yaml:3: invalid YAML" in lines[0]


def test_top_level_not_a_mapping(capsys: pytest.CaptureFixture[str]) -> None:
    lines = config_error(capsys, "- postmortems/*.md\n")
    assert "must be object" in lines[0]


def test_missing_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pm.md"), ACTION)
    run = run_cli(capsys, "--config", "nope.yaml", "scan", "pm.md")
    assert run.code == 2
    assert run.out == ""
    assert run.err_lines[0] == "Error: nope.yaml: no such config file"
    assert len(run.err_lines) <= 2


def test_config_path_is_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    Path("conf").mkdir()
    run = run_cli(capsys, "--config", "conf", "scan")
    assert run.code == 2
    assert "conf" in run.err


def test_config_error_from_check_too(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pmsync.yaml"), "bogus: 1\n")
    write(Path("pm.md"), ACTION)
    run = run_cli(capsys, "check", "pm.md")
    assert run.code == 2
    assert run.out == ""
    assert run.err_lines[0].startswith("Error: ") and "unknown key 'bogus'" in run.err_lines[0]


def test_load_config_raises_config_error(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", "bogus: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "bad.yaml")
    assert info.value.exit_code == 2
    assert str(tmp_path / "bad.yaml") in info.value.message


# -- settings applied -----------------------------------------------------------------------


def test_owner_alias_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", "owners:\n  Jane Doe: jdoe\n")
    write(tmp_path / "pm.md", ACTION)
    config = load_config(tmp_path / "pmsync.yaml")
    assert config.owner_aliases == {"jane doe": "jdoe"}
    assert [i.owner for i in extract(ACTION, config=config).items] == ["jdoe"]


def test_followup_word_makes_custom_heading_a_followup_section(tmp_path: Path) -> None:
    assert titles(extract(UPPFOLJNING)) == []
    write(tmp_path / "pmsync.yaml", "sections:\n  followup: [uppföljning]\n")
    config = load_config(tmp_path / "pmsync.yaml")
    pm = extract(UPPFOLJNING, config=config)
    assert [(i.title, i.line, i.section) for i in pm.items] == [("Lägg till ett larm för cachen.", 7, "Uppföljning")]


def test_ignore_word_makes_section_not_followup(tmp_path: Path) -> None:
    text = "# T\n\nOn 2024-01-01 it broke.\n\n## Action items (archived)\n\n- Add an alert\n"
    assert titles(extract(text)) == ["Add an alert"]
    write(tmp_path / "pmsync.yaml", "sections:\n  ignore: [archived]\n")
    assert titles(extract(text, config=load_config(tmp_path / "pmsync.yaml"))) == []


def test_check_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pm.md", "# T\n\n## Action items\n\n- Add a lag alert. Due: next sprint\n")
    run = run_cli(capsys, "check", "pm.md")
    assert run.code == 1
    assert {line.rsplit("[", 1)[1] for line in run.out_lines} == {"missing-owner]", "unparseable-date]"}
    write(tmp_path / "pmsync.yaml", "check:\n  unparseable-date: warning\n  missing-owner: 'off'\n")
    run = run_cli(capsys, "check", "pm.md")
    assert run.code == 0
    assert run.out_lines == [
        "pm.md:5: warning: cannot read the due date 'Due: next sprint'; write it as YYYY-MM-DD [unparseable-date]"
    ]
    write(tmp_path / "pmsync.yaml", "check:\n  missing-owner: error\n")
    assert run_cli(capsys, "check", "pm.md").code == 1


def test_config_paths_used_without_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", "paths:\n  - incidents/*.md\n  - extra/one.md\n")
    write(tmp_path / "incidents" / "b.md", "# B\n\n## Action items\n\n- Add b\n")
    write(tmp_path / "incidents" / "a.md", "# A\n\n## Action items\n\n- Add a\n")
    write(tmp_path / "extra" / "one.md", "# One\n\n## Action items\n\n- Add one\n")
    write(tmp_path / "postmortems" / "default.md", "# Default\n\n## Action items\n\n- Add default\n")
    run = run_cli(capsys, "scan", "--format", "json")
    assert run.code == 0, run.err
    paths = [d["path"] for d in json.loads(run.out)["documents"]]
    assert paths == ["incidents/a.md", "incidents/b.md", "extra/one.md"]


def test_config_paths_relative_to_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git_init(repo)
    write(repo / "pmsync.yaml", "paths:\n  - postmortems/**/*.md\n")
    write(repo / "postmortems" / "2024" / "a.md", "# A\n\n## Action items\n\n- Add a\n")
    monkeypatch.chdir(repo / "postmortems")
    run = run_cli(capsys, "scan", "--format", "json")
    assert run.code == 0, run.err
    [document] = json.loads(run.out)["documents"]
    assert document["path"] == "postmortems/2024/a.md"
    assert [i["title"] for i in document["items"]] == ["Add a"]


def test_exclude_globs_with_config_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", "exclude:\n  - postmortems/template*.md\n  - postmortems/index.md\n")
    write(tmp_path / "postmortems" / "a.md", "# A\n\n## Action items\n\n- Add a\n")
    write(tmp_path / "postmortems" / "index.md", "# Index\n\n## Action items\n\n- Add index\n")
    write(tmp_path / "postmortems" / "template.md", "# Template\n\n## Action items\n\n- Describe the action\n")
    write(tmp_path / "postmortems" / "template-short.md", "# Short\n\n## Action items\n\n- Describe it\n")
    run = run_cli(capsys, "scan", "--format", "json")
    assert [d["path"] for d in json.loads(run.out)["documents"]] == ["postmortems/a.md"]


def test_exclude_folder_glob_excludes_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`drafts/**` names everything under drafts/, whatever the Python version's glob does with `**`."""
    write(tmp_path / "pmsync.yaml", "exclude:\n  - postmortems/drafts/**\n")
    write(tmp_path / "postmortems" / "a.md", "# A\n\n## Action items\n\n- Add a\n")
    write(tmp_path / "postmortems" / "drafts" / "d.md", "# D\n\n## Action items\n\n- Add d\n")
    write(tmp_path / "postmortems" / "drafts" / "deep" / "e.md", "# E\n\n## Action items\n\n- Add e\n")
    run = run_cli(capsys, "scan", "--format", "json")
    assert [d["path"] for d in json.loads(run.out)["documents"]] == ["postmortems/a.md"]


def test_exclude_globs_with_folder_argument(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", "exclude:\n  - postmortems/template.md\n")
    write(tmp_path / "postmortems" / "a.md", "# A\n\n## Action items\n\n- Add a\n")
    write(tmp_path / "postmortems" / "template.md", "# Template\n\n## Action items\n\n- Describe the action\n")
    run = run_cli(capsys, "scan", "--format", "json", "postmortems")
    assert [d["path"] for d in json.loads(run.out)["documents"]] == ["postmortems/a.md"]


def test_exclude_applies_when_scanning_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git_init(repo)
    write(repo / "pmsync.yaml", "exclude:\n  - postmortems/template.md\n")
    write(repo / "postmortems" / "a.md", "# A\n\n## Action items\n\n- Add a\n")
    write(repo / "postmortems" / "template.md", "# Template\n\n## Action items\n\n- Describe the action\n")
    monkeypatch.chdir(repo / "postmortems")
    run = run_cli(capsys, "scan", "--format", "json", ".")
    assert run.code == 0, run.err
    assert [d["incident"]["title"] for d in json.loads(run.out)["documents"]] == ["A"]


def test_default_config_is_frozen() -> None:
    config = Config()
    with pytest.raises(AttributeError):
        config.paths = ()  # type: ignore[misc]
