"""The Action's write-back step in process, against a local bare repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pmsync.action.git import (
    BOT_NAME,
    COMMIT_MESSAGE,
    commit_message,
    gh_environment,
    pull_request_body,
    workflow_run_url,
    write_back_step,
)
from pmsync.action.workflow import StepError, append_summary, escape_data, set_outputs

RUN = {"GITHUB_SERVER_URL": "https://ghe.example.com", "GITHUB_REPOSITORY": "acme/pm", "GITHUB_RUN_ID": "42"}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    origin, root = tmp_path / "origin.git", tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(root)], check=True, capture_output=True)
    _git(root, "checkout", "-q", "-b", "main")
    (root / "pm.md").write_text("# Outage\n", encoding="utf-8")
    _git(root, "add", "pm.md")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    _git(root, "push", "-q", "origin", "main")
    return root


def test_commit_write_back_commits_the_files_as_the_bot_and_pushes(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (checkout / "pm.md").write_text("# Outage\n\n- [x] Fix it · [#1](u) · done\n", encoding="utf-8")
    (checkout / "scratch.txt").write_text("not a postmortem\n", encoding="utf-8")
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    environ = RUN | {
        "PMSYNC_WRITE_BACK": "commit",
        "PMSYNC_CHANGED_FILES": "pm.md\n",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
    }

    assert write_back_step(environ, checkout) == 0

    sha = _git(checkout, "rev-parse", "HEAD")
    assert _git(checkout, "ls-remote", "origin", "refs/heads/main").split()[0] == sha
    assert _git(checkout, "log", "-1", "--format=%an|%s", "main") == f"{BOT_NAME}|{COMMIT_MESSAGE}"
    assert _git(checkout, "show", "--name-only", "--format=", "HEAD") == "pm.md"
    assert f"commit={sha}\n" in outputs.read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == f"Committed `{sha[:12]}` to `main`: 1 postmortem(s) updated.\n\n"
    assert capsys.readouterr().out == f"committed {sha[:12]} to main: 1 postmortem(s)\n"


def test_write_back_with_nothing_to_write_sets_empty_outputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert write_back_step({"PMSYNC_WRITE_BACK": "commit"}, tmp_path) == 0
    assert write_back_step({"PMSYNC_WRITE_BACK": "none", "PMSYNC_CHANGED_FILES": "a.md"}, tmp_path) == 0
    assert capsys.readouterr().out.splitlines() == [
        "write-back: nothing to write back",
        "output commit=''",
        "output pull-request=''",
        "write-back: none",
        "output commit=''",
        "output pull-request=''",
    ]


def test_write_back_refuses_an_unknown_mode_and_a_folder_that_is_no_checkout(tmp_path: Path) -> None:
    with pytest.raises(StepError, match="write-back: 'force' is not one of none, commit, pull-request"):
        write_back_step({"PMSYNC_WRITE_BACK": "force", "PMSYNC_CHANGED_FILES": "a.md"}, tmp_path)
    with pytest.raises(StepError, match=r"write-back needs a git checkout \(actions/checkout\)"):
        write_back_step({"PMSYNC_WRITE_BACK": "commit", "PMSYNC_CHANGED_FILES": "a.md"}, tmp_path)


def test_commit_and_pull_request_texts_name_the_files_and_the_run() -> None:
    url = "https://ghe.example.com/acme/pm/actions/runs/42"
    assert workflow_run_url(RUN) == url
    assert workflow_run_url({}) == ""
    assert commit_message(["a.md"], RUN) == (
        f"{COMMIT_MESSAGE}\n\npmsync wrote issue links and status next to the action items of:\n\n"
        f"- a.md\n\nRun: {url}\n"
    )
    body = pull_request_body(["a.md"], "main", {})
    assert body.splitlines()[2] == "- `a.md`"
    assert "rebuilt from `main` on every run" in body and "Run:" not in body


def test_gh_environment_points_gh_at_the_server_and_repository() -> None:
    env = gh_environment(RUN | {"GH_TOKEN": "t"})
    assert (env["GH_REPO"], env["GH_HOST"], env["GH_ENTERPRISE_TOKEN"]) == (
        "ghe.example.com/acme/pm",
        "ghe.example.com",
        "t",
    )
    assert gh_environment({"GITHUB_REPOSITORY": "acme/pm"})["GH_REPO"] == "acme/pm"


def test_workflow_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    outputs = tmp_path / "outputs"
    set_outputs({"one": "1", "many": "a\nb"}, {"GITHUB_OUTPUT": str(outputs)})
    lines = outputs.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "one=1"
    assert lines[1].startswith("many<<ghadelimiter_") and lines[2:4] == ["a", "b"] and lines[4] == lines[1][6:]
    append_summary("## x\n\n", {"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")})
    append_summary("ignored", {})
    assert (tmp_path / "s.md").read_text(encoding="utf-8") == "## x\n\n"
    assert capsys.readouterr().out == ""
