"""gh's conventions: global options before or after the command, -R/--repo and GH_REPO,
one --format vocabulary (table, json, markdown, and a command's own) with `text` kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmsync.cli import main
from tests.helpers import doc, write

PM = doc(
    """
    # Checkout outage

    On 2024-03-11 checkout failed.

    ## Action items

    - Add an alert on checkout errors @jdoe due 2024-04-01
    """
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GH_REPO", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    write(tmp_path / "pm.md", PM)
    write(tmp_path / "other.yaml", "repository: acme/from-config\n")


def _push(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(list(argv)) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "other.yaml", "push", "--offline", "--format", "json", "pm.md"],
        ["push", "--config", "other.yaml", "--offline", "--format", "json", "pm.md"],
        ["push", "--offline", "--format", "json", "pm.md", "--config", "other.yaml"],
    ],
)
def test_config_before_or_after_the_command(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert _push(capsys, *argv)["repository"] == "acme/from-config"


def test_jobs_and_debug_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--jobs", "2", "--debug", "--format", "json", "pm.md"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"][0]["path"] == "pm.md"


def test_repo_flag_before_or_after_and_over_gh_repo_and_the_config(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["push", "--offline", "--format", "json", "pm.md"]
    assert _push(capsys, "--config", "other.yaml", *base)["repository"] == "acme/from-config"
    monkeypatch.setenv("GH_REPO", "acme/from-env")
    assert _push(capsys, "--config", "other.yaml", *base)["repository"] == "acme/from-env"
    assert _push(capsys, "-R", "acme/flag", "--config", "other.yaml", *base)["repository"] == "acme/flag"
    assert _push(capsys, *base, "--repo", "acme/after")["repository"] == "acme/after"


@pytest.mark.parametrize("value", ["acme", "https://github.com/acme/x", "a/b/c"])
def test_a_repo_not_owner_slash_repo_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    assert main(["push", "--offline", "-R", value, "pm.md"]) == 2
    assert f"-R/--repo '{value}' is not of the form OWNER/REPO" in capsys.readouterr().err


def test_gh_repo_named_in_its_error(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GH_REPO", "nope")
    assert main(["push", "--offline", "pm.md"]) == 2
    assert "GH_REPO 'nope' is not of the form OWNER/REPO" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("scan", []),
        ("check", ["sarif"]),
        ("push", []),
        ("pull", []),
        ("sync", []),
        ("overdue", []),
        ("report", ["html"]),
    ],
)
def test_every_command_offers_table_json_markdown(
    capsys: pytest.CaptureFixture[str], command: str, extra: list[str]
) -> None:
    assert main([command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"--format [{'|'.join(['table', 'json', 'markdown', *extra])}]" in help_text
    assert "text" not in help_text.split("--format")[1].split("]")[0]  # the old name works, unlisted


def test_text_is_still_read_as_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", "--offline", "--format", "text", "pm.md"]) == 0
    as_text = capsys.readouterr().out
    assert main(["push", "--offline", "--format", "table", "pm.md"]) == 0
    assert capsys.readouterr().out == as_text
    assert as_text.startswith("pmsync push → OWNER/REPO (dry run")


def test_push_markdown_is_the_job_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", "--offline", "--format", "markdown", "pm.md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## pmsync push\n\nDry run: no issue was written and no document changed.")
    assert "| create |  | Add an alert on checkout errors | `pm.md:7` |" in out
