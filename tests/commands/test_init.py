"""`pmsync init`: a config and a workflow that work as written, never an overwrite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pmsync.commands.init import ACTION_REF, guess_paths, parse_remote, workflow_text
from pmsync.config import load_config
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "postmortems"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def make_repo(path: Path, origin: str | None = "https://github.com/acme/ops.git") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet")
    if origin:
        git(path, "remote", "add", "origin", origin)
    return path


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # git must not find a repository above the test's folder, nor read the user's settings.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "ops")
    shutil.copytree(EXAMPLES, root / "docs" / "postmortems")
    (root / "docs" / "postmortems" / "README.md").write_text("# Our postmortems\n", encoding="utf-8")
    (root / "docs" / "postmortems" / "template.md").write_text("# Title\n\n## Action items\n\n- \n", encoding="utf-8")
    (root / "README.md").write_text("# Ops\n", encoding="utf-8")
    (root / "docs" / "setup.md").write_text("# Setup\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_init_writes_a_config_and_workflow_that_work(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "init")

    assert run.code == 0, run.err
    config_file, workflow = repo / "pmsync.yaml", repo / ".github" / "workflows" / "pmsync.yml"
    data = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    assert data["repository"] == "acme/ops"
    assert data["paths"] == ["docs/postmortems/**/*.md"]
    assert data["exclude"] == ["docs/postmortems/README.md", "docs/postmortems/template.md"]
    assert load_config(config_file).repository == "acme/ops"  # valid against pmsync's schema
    # the push trigger watches the postmortems the config reads
    assert workflow.read_text(encoding="utf-8") == workflow_text(paths=["docs/postmortems/**/*.md"])
    assert f"uses: {ACTION_REF}" in workflow.read_text(encoding="utf-8")
    assert "wrote pmsync.yaml: repository acme/ops, paths docs/postmortems/**/*.md" in run.out
    assert "wrote .github/workflows/pmsync.yml" in run.out
    for step in ("pmsync check", "pmsync push --dry-run", "GITHUB_TOKEN", "issues: write", "Commit pmsync.yaml"):
        assert step in run.out, step

    # The next step it names works: pmsync check reads the postmortems the config points at.
    check = run_cli(capsys, "check")
    assert check.code == 0, check.err
    assert "4 documents" in check.err  # the four example postmortems, not README.md or the template

    # The workflow it wrote passes actionlint.
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "actionlint"), "-no-color", str(workflow)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_a_second_init_overwrites_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "init").code == 0
    config_file, workflow = repo / "pmsync.yaml", repo / ".github" / "workflows" / "pmsync.yml"
    config_file.write_text(config_file.read_text(encoding="utf-8") + "# my edit\n", encoding="utf-8")
    before = {path: path.read_bytes() for path in (config_file, workflow)}

    run = run_cli(capsys, "init", "--repository", "other/repo", "--path", "elsewhere/*.md")

    assert run.code == 0
    assert {path: path.read_bytes() for path in before} == before
    assert "pmsync.yaml exists, left alone" in run.out
    assert ".github/workflows/pmsync.yml exists, left alone" in run.out
    assert "wrote" not in run.out


def test_an_existing_config_is_kept_and_the_missing_workflow_written(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "pmsync.yaml").write_text("repository: acme/kept\n", encoding="utf-8")

    run = run_cli(capsys, "init")

    assert run.code == 0
    assert (repo / "pmsync.yaml").read_text(encoding="utf-8") == "repository: acme/kept\n"
    assert (repo / ".github" / "workflows" / "pmsync.yml").is_file()
    assert "pmsync.yaml exists, left alone" in run.out


def test_outside_a_git_repository_without_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)

    run = run_cli(capsys, "init")

    assert run.code == 2
    assert run.err_lines == ["Error: not in a git repository: pass --repository OWNER/NAME, or run pmsync init in one"]
    assert list(plain.iterdir()) == []


def test_repository_and_path_options_work_outside_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)

    run = run_cli(capsys, "init", "--repository", "acme/pm", "--path", "reviews/*.md", "--path", "old/**/*.md")

    assert run.code == 0, run.err
    data = yaml.safe_load((plain / "pmsync.yaml").read_text(encoding="utf-8"))
    assert (data["repository"], data["paths"]) == ("acme/pm", ["reviews/*.md", "old/**/*.md"])
    assert (plain / ".github" / "workflows" / "pmsync.yml").is_file()


def test_a_bad_repository_option_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "init", "--repository", "not a repo")

    assert run.code == 2
    assert run.err_lines == ["Error: --repository 'not a repo' is not of the form OWNER/NAME"]
    assert not (repo / "pmsync.yaml").exists()


def test_a_repository_without_origin_needs_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "bare", origin=None)
    monkeypatch.chdir(root)
    from pmsync.cli import main

    assert main(["init"]) == 2
    assert not (root / "pmsync.yaml").exists()


def test_init_from_a_subfolder_writes_at_the_git_root(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo / "docs")

    run = run_cli(capsys, "init")

    assert run.code == 0, run.err
    assert (repo / "pmsync.yaml").is_file() and (repo / ".github" / "workflows" / "pmsync.yml").is_file()
    assert not (repo / "docs" / "pmsync.yaml").exists()


def test_ssh_and_enterprise_remotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pmsync.cli import main

    ssh = make_repo(tmp_path / "ssh", origin="git@github.com:acme/postmortems.git")
    monkeypatch.chdir(ssh)
    assert main(["init"]) == 0
    assert yaml.safe_load((ssh / "pmsync.yaml").read_text())["repository"] == "acme/postmortems"

    ghes = make_repo(tmp_path / "ghes", origin="https://git.example.com/sre/pm")
    monkeypatch.chdir(ghes)
    assert main(["init"]) == 0
    data = yaml.safe_load((ghes / "pmsync.yaml").read_text())
    assert (data["repository"], data["api_url"]) == ("sre/pm", "https://git.example.com/api/v3")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/pm.git", ("github.com", "acme/pm")),
        ("https://github.com/acme/pm", ("github.com", "acme/pm")),
        ("https://github.com/acme/pm/", ("github.com", "acme/pm")),
        ("https://x-access-token:abc@github.com/acme/pm.git", ("github.com", "acme/pm")),
        ("git@github.com:acme/pm.git", ("github.com", "acme/pm")),
        ("git@github.com:acme/pm", ("github.com", "acme/pm")),
        ("ssh://git@github.com/acme/pm.git", ("github.com", "acme/pm")),
        ("ssh://git@github.com:22/acme/pm.git", ("github.com", "acme/pm")),
        ("git@GitHub.com:acme/my.repo.git", ("github.com", "acme/my.repo")),
        ("https://ghe.corp.example/sre/postmortems.git", ("ghe.corp.example", "sre/postmortems")),
        ("https://gitlab.com/group/sub/project.git", None),
        ("/srv/git/pm.git", None),
        ("../pm.git", None),
        ("", None),
    ],
)
def test_parse_remote(url: str, expected: tuple[str, str] | None) -> None:
    assert parse_remote(url) == expected


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# x\n", encoding="utf-8")


def test_guess_by_folder_names(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "incidents/2024/db.md",
        "incidents/2024/cache.markdown",
        "incidents/postmortems/nested.md",  # inside incidents/: covered by its glob
        "Post-Mortems/a.md",
        "pm/b.md",
        "node_modules/pkg/postmortem.md",
        ".github/incident.md",
        "README.md",
    )

    guess = guess_paths(tmp_path)

    assert guess.paths == [
        "Post-Mortems/**/*.md",
        "incidents/**/*.md",
        "incidents/**/*.markdown",
        "pm/**/*.md",
    ]
    assert guess.found == 5


def test_guess_by_file_names(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "docs/2024-03-01-api-outage.md",
        "docs/2024-04-01-dns-outage.md",
        "docs/guide.md",
        "reviews/incident-42.md",
        "postmortem-2023.md",
        "docs/incident-template.md",
        "ops/Outage [2022].md",
    )

    guess = guess_paths(tmp_path)

    assert guess.paths == ["*postmortem*.md", "docs/*outage*.md", "ops/Outage [[]2022].md", "reviews/*incident*.md"]
    assert guess.found == 5


def test_guess_finds_nothing_and_init_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(tmp_path / "empty")
    _touch(root, "README.md")
    monkeypatch.chdir(root)

    run = run_cli(capsys, "init")

    assert run.code == 0
    assert yaml.safe_load((root / "pmsync.yaml").read_text())["paths"] == ["postmortems/**/*.md"]
    assert "no postmortems found yet" in run.out


def test_config_option_puts_the_config_elsewhere_and_the_workflow_names_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(capsys, "--config", "docs/pmsync.yaml", "init")

    assert run.code == 0, run.err
    data = yaml.safe_load((repo / "docs" / "pmsync.yaml").read_text())
    assert data["paths"] == ["postmortems/**/*.md"]  # relative to the config's folder
    workflow = (repo / ".github" / "workflows" / "pmsync.yml").read_text()
    assert workflow.count('config: "docs/pmsync.yaml"') == 2
    assert "pmsync --config docs/pmsync.yaml check\n" in run.out
    assert run_cli(capsys, "--config", "docs/pmsync.yaml", "check").code == 0


def test_shell_completion_as_the_readme_shows(tmp_path: Path) -> None:
    """`_PMSYNC_COMPLETE=bash_source pmsync` prints the script; completing `pmsync in` offers init."""
    pmsync = [sys.executable, "-m", "pmsync"]
    source = subprocess.run(
        pmsync, env={**os.environ, "_PMSYNC_COMPLETE": "bash_source"}, capture_output=True, text=True, check=True
    )
    assert "_pmsync_completion()" in source.stdout
    env = {**os.environ, "_PMSYNC_COMPLETE": "bash_complete", "COMP_WORDS": "pmsync in", "COMP_CWORD": "1"}
    words = subprocess.run(pmsync, env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "plain,init" in words.stdout.splitlines()
