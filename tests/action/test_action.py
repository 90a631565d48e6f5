"""The composite action (action.yml) run the way the Actions runner runs it.

A small runner below reads action.yml, evaluates each step's `env:` mapping
(substituting `${{ inputs.x }}`, `${{ github.action_path }}`, `${{ steps.ID.outputs.NAME }}`
and the few other contexts the action uses; anything else fails the test), writes
each `run:` script to a file and runs it with `bash --noprofile --norc -eo pipefail`
like `shell: bash` does, with a fresh $GITHUB_OUTPUT per step and one
$GITHUB_STEP_SUMMARY. The workspace is a temporary git repository holding
examples/postmortems with a local bare repository as `origin`; pmsync talks to
the GitHub double over HTTP; a fake `gh` first on PATH records pull request calls.

Only the install step is replaced (it would create a venv and pip install the
action from PyPI-resolved dependencies, too slow for a unit test): the replacement
hands the next steps this project's venv Python, the same output the real step
gives. The one `uses:` step, actions/cache, is recorded (what it would cache, under
which key), not run: no cache here. Every other step runs exactly as written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ghdouble import GitHubDouble

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
EXAMPLES = ROOT / "examples" / "postmortems"
REPO = "acme/pm"
TOKEN = "test-token"
OWNERS = [
    "amina", "dkowalski", "ebakker", "hfischer", "kwame", "lchen",
    "ncarter", "priya-k", "rmensah", "snakamura", "tgarcia", "yokafor",
]  # fmt: skip
BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
COMMIT_MESSAGE = "pmsync: update postmortem action item status"
CONFIG = f"repository: {REPO}\npaths:\n  - postmortems/**/*.md\npush:\n  write_delay: 0\n"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STEP_KEYS = {"id", "name", "shell", "env", "run"}
USES_STEP_KEYS = {"id", "name", "uses", "with"}
# This project's venv: stands in for the venv the install step would build.
INSTALL_REPLACEMENT = f'echo "python={sys.executable}" >> "$GITHUB_OUTPUT"\n'


# --- A composite-action runner --------------------------------------------------------------------


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` heredocs."""
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            while lines[index] != delimiter:
                value.append(lines[index])
                index += 1
            index += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


@dataclass
class ActionRun:
    outputs: dict[str, str]
    step_outputs: dict[str, dict[str, str]]
    summary: str
    logs: dict[str, str]
    failed_step: str | None = None
    exit_code: int = 0
    uses: dict[str, dict[str, str]] = field(default_factory=dict)  # `uses:` steps: their `with:`, evaluated


@dataclass
class Runner:
    """Runs action.yml's steps in `workspace` as the Actions runner would."""

    workspace: Path
    temp: Path
    path_prefix: list[Path] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))

    def evaluate(self, text: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
        contexts = {
            "github.action_path": str(ROOT),
            "github.token": TOKEN,
            "github.repository": REPO,
            "github.workspace": str(self.workspace),
            "runner.temp": str(self.temp),
            "runner.os": "Linux",
        }

        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression in contexts:
                return contexts[expression]
            if expression.startswith("inputs."):
                name = expression.removeprefix("inputs.")
                assert name in inputs, f"undeclared input {name}"
                return inputs[name]
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
            if step:
                return steps.get(step.group(1), {}).get(step.group(2), "")
            raise AssertionError(f"this test runner does not evaluate ${{{{ {expression} }}}}")

        return EXPRESSION.sub(value, text)

    def base_env(self) -> dict[str, str]:
        venv_bin = str(Path(sys.executable).parent)
        system_path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin]
        home = self.temp / "home"
        home.mkdir(exist_ok=True)
        return {
            "PATH": os.pathsep.join([*map(str, self.path_prefix), *system_path]),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_REF_NAME": "main",
            "GITHUB_EVENT_NAME": "schedule",
            "GITHUB_RUN_ID": "4242",
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            **self.extra_env,
        }

    def run(self, **given: str) -> ActionRun:
        declared = self.action["inputs"]
        assert set(given) <= set(declared), f"undeclared inputs {set(given) - set(declared)}"
        inputs = {
            name: given.get(name, self.evaluate(str(spec.get("default", "")), {}, {}))
            for name, spec in declared.items()
        }
        summary = self.temp / f"summary-{len(list(self.temp.glob('summary-*')))}.md"
        summary.touch()
        steps: dict[str, dict[str, str]] = {}
        logs: dict[str, str] = {}
        uses: dict[str, dict[str, str]] = {}
        for number, step in enumerate(self.action["runs"]["steps"]):
            if "uses" in step:
                assert set(step) <= USES_STEP_KEYS and step["uses"].startswith("actions/cache@"), step
                uses[step["id"]] = {k: self.evaluate(str(v), inputs, steps) for k, v in step["with"].items()}
                continue
            assert set(step) <= STEP_KEYS, f"the runner does not handle {set(step) - STEP_KEYS}"
            assert step["shell"] == "bash"
            step_id = step.get("id", f"step{number}")
            script = INSTALL_REPLACEMENT if step_id == "install" else step["run"]
            script_file = self.temp / f"step-{step_id}.sh"
            script_file.write_text(script, encoding="utf-8")
            output_file = self.temp / f"output-{step_id}"
            output_file.write_text("", encoding="utf-8")
            env = self.base_env()
            env |= {name: self.evaluate(str(text), inputs, steps) for name, text in step.get("env", {}).items()}
            env |= {"GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary)}
            result = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            logs[step_id] = result.stdout + result.stderr
            steps[step_id] = read_outputs(output_file)
            if result.returncode != 0:
                return ActionRun({}, steps, summary.read_text(), logs, step_id, result.returncode, uses)
        outputs = {
            name: self.evaluate(str(spec["value"]), inputs, steps) for name, spec in self.action["outputs"].items()
        }
        return ActionRun(outputs, steps, summary.read_text(encoding="utf-8"), logs, uses=uses)


# --- A workspace: a git checkout of examples/postmortems with a local origin ----------------------


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {args}: {result.stderr}"
    return result.stdout.strip()


@dataclass
class Workspace:
    checkout: Path
    remote: Path
    runner: Runner
    gh_state: Path

    def remote_git(self, *args: str) -> str:
        return git(self.remote, *args)

    def gh_calls(self) -> list[list[str]]:
        log = self.gh_state / "calls.jsonl"
        lines = log.read_text().splitlines() if log.exists() else []
        return [json.loads(line)["args"] for line in lines]


FAKE_GH = """#!{python}
import json, os, pathlib, sys
state = pathlib.Path({state!r})
args = sys.argv[1:]
call = {{"args": args, "GH_TOKEN": os.environ.get("GH_TOKEN"), "GH_REPO": os.environ.get("GH_REPO")}}
with (state / "calls.jsonl").open("a") as log:
    log.write(json.dumps(call) + "\\n")
prs = state / "open-prs.json"
if args[:2] == ["pr", "list"]:
    print(prs.read_text() if prs.exists() else "[]")
elif args[:2] == ["pr", "create"]:
    prs.write_text(json.dumps([{{"number": 7, "url": "https://github.com/acme/pm/pull/7"}}]))
    print("https://github.com/acme/pm/pull/7")
else:
    sys.exit("fake gh: not handled: " + " ".join(args))
"""


@pytest.fixture
def workspace(tmp_path: Path, github_double: GitHubDouble) -> Workspace:
    github_double.add_repo(REPO, private=True, assignees=OWNERS)
    remote = tmp_path / "remote.git"
    checkout = tmp_path / "checkout"
    temp = tmp_path / "runner-temp"
    gh_state = tmp_path / "gh"
    for folder in (checkout, temp, gh_state, tmp_path / "bin"):
        folder.mkdir()
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    shutil.copytree(EXAMPLES, checkout / "postmortems")
    (checkout / "pmsync.yaml").write_text(CONFIG, encoding="utf-8")
    (checkout / "README.md").write_text("# Postmortems\n", encoding="utf-8")
    git(checkout, "init", "--quiet", "--initial-branch=main")
    git(checkout, "add", ".")
    git(checkout, "commit", "--quiet", "-m", "Add postmortems")
    git(checkout, "remote", "add", "origin", str(remote))
    git(checkout, "push", "--quiet", "origin", "main")
    fake_gh = tmp_path / "bin" / "gh"
    fake_gh.write_text(FAKE_GH.format(python=sys.executable, state=str(gh_state)), encoding="utf-8")
    fake_gh.chmod(0o755)
    runner = Runner(
        checkout,
        temp,
        path_prefix=[tmp_path / "bin"],
        extra_env={"GITHUB_API_URL": github_double.url},
    )
    return Workspace(checkout, remote, runner, gh_state)


def _created_in_double(double: GitHubDouble) -> int:
    return len(double.issues(REPO))


# --- Tests ----------------------------------------------------------------------------------------


def test_commit_mode_files_issues_and_commits_only_postmortems(
    workspace: Workspace, github_double: GitHubDouble
) -> None:
    before = workspace.remote_git("rev-parse", "main")

    run = workspace.runner.run()  # all defaults: command sync, write-back commit

    assert run.failed_step is None, run.logs
    created = _created_in_double(github_double)
    assert created > 0
    # pmsync's progress reached the log as it ran (its stderr is not captured), the JSON was read after
    assert re.search(r"^pmsync: (\d+)/\1 writes$", run.logs["run"], re.M), run.logs["run"]
    # the install is cached, keyed on the runner and a hash of the action's pyproject.toml and Python
    key = run.step_outputs["cache-key"]
    assert re.fullmatch(r"pmsync-Linux-X64-[0-9a-f]{20}", key["key"])
    assert key["venv"] == f"{workspace.runner.temp}/pmsync-{key['key'][-20:]}"
    assert run.uses["cache"] == {"path": key["venv"], "key": key["key"]}
    assert run.outputs["issues-created"] == str(created)
    assert run.outputs["issues-updated"] == "0"
    assert run.outputs["issues-closed"] == "0"
    assert run.outputs["overdue"].isdigit()
    # The remote branch got one commit by the bot, changing postmortems only.
    assert workspace.remote_git("rev-parse", "main~1") == before
    assert workspace.remote_git("log", "-1", "--format=%an <%ae>", "main") == BOT
    assert workspace.remote_git("log", "-1", "--format=%s", "main") == COMMIT_MESSAGE
    changed = workspace.remote_git("diff", "--name-only", "main~1", "main").splitlines()
    assert changed and all(re.fullmatch(r"postmortems/[^/]+\.md|pmsync\.state\.json", path) for path in changed), (
        changed
    )
    assert run.outputs["commit"] == workspace.remote_git("rev-parse", "main")
    assert run.outputs["documents-changed"] == str(len(changed))
    # The job summary shows the plan's results and the write-back.
    assert "## pmsync sync" in run.summary
    assert f"| {created} | 0 | 0 |" in run.summary
    assert "Committed `" in run.summary
    assert "[#1](https://github.com/acme/pm/issues/1)" in run.summary
    # The run left no file of its own behind in the checkout, and the working tree is clean.
    assert git(workspace.checkout, "status", "--porcelain") == ""
    assert workspace.gh_calls() == []

    head = workspace.remote_git("rev-parse", "main")
    second = workspace.runner.run()

    assert second.failed_step is None, second.logs
    assert workspace.remote_git("rev-parse", "main") == head  # nothing changed: no commit
    assert second.outputs["issues-created"] == "0"
    assert second.outputs["commit"] == ""
    assert _created_in_double(github_double) == created
    assert "No document changed." in second.summary


def test_pull_request_mode_pushes_the_status_branch_and_opens_one_pr(
    workspace: Workspace, github_double: GitHubDouble
) -> None:
    main_before = workspace.remote_git("rev-parse", "main")

    run = workspace.runner.run(**{"write-back": "pull-request"})

    assert run.failed_step is None, run.logs
    assert workspace.remote_git("rev-parse", "main") == main_before  # the protected branch is untouched
    branch = workspace.remote_git("rev-parse", "pmsync/status")
    assert workspace.remote_git("rev-parse", "pmsync/status~1") == main_before
    assert workspace.remote_git("log", "-1", "--format=%an <%ae>", "pmsync/status") == BOT
    changed = workspace.remote_git("diff", "--name-only", "main", "pmsync/status").splitlines()
    assert changed and all(path.startswith("postmortems/") or path == "pmsync.state.json" for path in changed)
    calls = workspace.gh_calls()
    assert [call[:2] for call in calls] == [["pr", "list"], ["pr", "create"]]
    assert calls[0][2:4] == ["--head", "pmsync/status"]
    create = calls[1]
    assert create[create.index("--head") + 1] == "pmsync/status"
    assert create[create.index("--base") + 1] == "main"
    assert create[create.index("--title") + 1] == COMMIT_MESSAGE
    log = json.loads((workspace.gh_state / "calls.jsonl").read_text().splitlines()[1])
    assert (log["GH_TOKEN"], log["GH_REPO"]) == (TOKEN, REPO)
    assert run.outputs["pull-request"] == "https://github.com/acme/pm/pull/7"
    assert run.outputs["commit"] == branch
    assert "Opened pull request" in run.summary

    # The next scheduled run starts from a fresh checkout of main (the PR is not merged yet).
    git(workspace.checkout, "checkout", "--quiet", "main")
    created = _created_in_double(github_double)
    second = workspace.runner.run(**{"write-back": "pull-request"})

    assert second.failed_step is None, second.logs
    assert second.outputs["issues-created"] == "0"
    assert _created_in_double(github_double) == created  # found again by their markers: no duplicate
    calls = workspace.gh_calls()
    assert [call[:2] for call in calls[2:]] == [["pr", "list"]]  # the open PR is reported: no second create
    assert sum(call[:2] == ["pr", "create"] for call in calls) == 1
    assert second.outputs["pull-request"] == "https://github.com/acme/pm/pull/7"
    assert workspace.remote_git("rev-parse", "main") == main_before
    # The same changes again: the branch already holds them, so it is not pushed again.
    assert "already holds these changes" in second.logs["write-back"]
    assert workspace.remote_git("rev-parse", "pmsync/status") == branch


def test_commit_mode_rebases_when_the_branch_moved_during_the_run(workspace: Workspace, tmp_path: Path) -> None:
    """Someone pushed to main after the checkout: the status commit is rebased onto it, nothing is lost."""
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(workspace.remote), str(other))
    (other / "README.md").write_text("# Postmortems\n\nEdited meanwhile.\n", encoding="utf-8")
    git(other, "commit", "--quiet", "-am", "Edit the README")
    git(other, "push", "--quiet", "origin", "main")
    human = workspace.remote_git("rev-parse", "main")

    run = workspace.runner.run()

    assert run.failed_step is None, run.logs
    assert "rebasing the status commit" in run.logs["write-back"]
    assert workspace.remote_git("rev-parse", "main~1") == human
    assert workspace.remote_git("log", "-1", "--format=%an <%ae>", "main") == BOT
    assert run.outputs["commit"] == workspace.remote_git("rev-parse", "main")
    assert workspace.remote_git("show", "main:README.md").endswith("Edited meanwhile.")


def test_commit_mode_with_other_modified_files_commits_only_the_postmortems(
    workspace: Workspace, tmp_path: Path
) -> None:
    """An earlier step of the job left tracked files modified, and main moved meanwhile:
    the rebase sets them aside and puts them back; only pmsync's files are committed."""
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(workspace.remote), str(other))
    (other / "NOTES.md").write_text("Notes added meanwhile.\n", encoding="utf-8")
    git(other, "add", "NOTES.md")
    git(other, "commit", "--quiet", "-m", "Add notes")
    git(other, "push", "--quiet", "origin", "main")
    human = workspace.remote_git("rev-parse", "main")
    (workspace.checkout / "README.md").write_text("# Postmortems\n\nEdited by a build step.\n", encoding="utf-8")
    (workspace.checkout / "pmsync.yaml").write_text(CONFIG + "# a comment a build step added\n", encoding="utf-8")

    run = workspace.runner.run()

    assert run.failed_step is None, run.logs
    assert "rebasing the status commit" in run.logs["write-back"]
    assert workspace.remote_git("rev-parse", "main~1") == human
    changed = workspace.remote_git("diff", "--name-only", "main~1", "main").splitlines()
    assert changed and all(re.fullmatch(r"postmortems/[^/]+\.md|pmsync\.state\.json", path) for path in changed)
    assert workspace.remote_git("show", "main:README.md") == "# Postmortems"
    # The other changes are back in the workspace, as the build step left them, and still not committed.
    assert (workspace.checkout / "README.md").read_text(encoding="utf-8").endswith("Edited by a build step.\n")
    status = git(workspace.checkout, "status", "--porcelain").splitlines()
    assert sorted(line.strip() for line in status) == ["M README.md", "M pmsync.yaml"], status


def test_offline_dry_run_needs_no_token_and_writes_nothing(workspace: Workspace) -> None:
    """What the CI job runs against examples/postmortems: no secret, no network, no commit."""
    workspace.runner.extra_env = {}  # no API URL either
    head = git(workspace.checkout, "rev-parse", "HEAD")

    run = workspace.runner.run(**{"dry-run": "true", "offline": "true", "token": "", "paths": "postmortems"})

    assert run.failed_step is None, run.logs
    assert int(run.outputs["issues-created"]) > 0
    assert run.outputs["commit"] == ""
    assert "Dry run: no issue was written" in run.summary
    assert "pmsync --config" not in run.logs["run"]
    assert "push --offline --format=json postmortems" in run.logs["run"]
    assert git(workspace.checkout, "rev-parse", "HEAD") == head
    assert git(workspace.checkout, "status", "--porcelain") == ""


def test_overdue_command_counts_overdue_items(workspace: Workspace) -> None:
    run = workspace.runner.run(command="overdue", offline="true", token="")

    assert run.failed_step is None, run.logs
    overdue = json.loads(
        subprocess.run(
            [sys.executable, "-m", "pmsync", "overdue", "--offline", "--format", "json"],
            cwd=workspace.checkout,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["overdue"]
    assert run.outputs["overdue"] == str(len(overdue))
    assert run.outputs["issues-created"] == "0"
    assert "overdue" in run.summary.lower()  # pmsync itself writes its Markdown report there


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"command": "deploy"}, "input command: 'deploy' is not one of"),
        ({"write-back": "force-push"}, "input write-back: 'force-push' is not one of"),
        ({"command": "pull", "offline": "true"}, "pull reads the issues' status from GitHub"),
    ],
)
def test_bad_inputs_fail_with_one_error_line(workspace: Workspace, inputs: dict[str, Any], message: str) -> None:
    run = workspace.runner.run(**inputs)

    assert run.failed_step == "run"
    assert run.exit_code == 2
    errors = [line for line in run.logs["run"].splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and message in errors[0], run.logs["run"]


def test_a_failing_pmsync_run_fails_the_action_after_writing_its_summary(workspace: Workspace) -> None:
    """pmsync check exits 1 on an error-level finding: the action fails in its last step, not before."""
    (workspace.checkout / "postmortems" / "bad.md").write_text(
        "# Outage\n\n## Action items\n\n" + "- Add a failover runbook @amy due 2024-05-01\n" * 2, encoding="utf-8"
    )

    run = workspace.runner.run(command="check", offline="true")

    assert run.failed_step == "result"
    assert run.exit_code == 1
    assert run.step_outputs["run"]["exit-code"] == "1"
    assert "## pmsync check" in run.summary
    assert "bad.md" in run.summary
    assert "pmsync exited with code 1" in run.logs["result"]
