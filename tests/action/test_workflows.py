"""The workflows pass actionlint; action.yml (which actionlint does not lint: it is
not a workflow) is checked here for its structure and against script injection;
the example workflow is the one `pmsync init` writes; the pre-commit hook is well formed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmsync.commands.init import ACTION_REF, workflow_text

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted([*(ROOT / ".github" / "workflows").glob("*.yml"), *(ROOT / "examples" / "workflows").glob("*.yml")])
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUT_REFERENCE = re.compile(r"\binputs\.([A-Za-z_][\w-]*)")
# The contexts a composite action's step may read (no secrets: the token comes in as an input).
ALLOWED_CONTEXTS = ("inputs.", "steps.", "github.action_path", "github.token")


def actionlint() -> str:
    """The actionlint binary the test extra installs into this venv."""
    binary = Path(sys.executable).parent / "actionlint"
    found = str(binary) if binary.exists() else shutil.which("actionlint")
    assert found, "actionlint is not installed: pip install -e '.[test]'"
    return found


def run_actionlint(cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint(), "-no-color", *map(str, files)], cwd=cwd, capture_output=True, text=True, check=False
    )


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def action() -> dict[str, Any]:
    return load(ACTION)


def steps() -> list[dict[str, Any]]:
    """The script steps (`run:`), not the one `uses:` step (actions/cache)."""
    return [step for step in action()["runs"]["steps"] if "run" in step]


# --- actionlint ---------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_workflow_passes_actionlint(workflow: Path) -> None:
    result = run_actionlint(ROOT, workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_were_found() -> None:
    names = {str(p.relative_to(ROOT)) for p in WORKFLOWS}
    assert {".github/workflows/ci.yml", "examples/workflows/pmsync.yml"} <= names


def _workflow_using_the_action(with_: dict[str, str], outputs: list[str]) -> str:
    env = {f"OUT_{i}": f"${{{{ steps.pmsync.outputs.{name} }}}}" for i, name in enumerate(outputs)}
    workflow = {
        "name": "uses-pmsync",
        "on": "push",
        "jobs": {
            "job": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"uses": "actions/checkout@v5"},
                    {"id": "pmsync", "uses": "./", "with": with_},
                    {"env": env, "run": "env | grep '^OUT_'"},
                ],
            }
        },
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def test_actionlint_reads_action_yml_inputs_and_outputs(tmp_path: Path) -> None:
    """actionlint checks a workflow's use of a local action against its action.yml:
    every declared input and output is accepted, and an undeclared one is refused."""
    shutil.copy(ACTION, tmp_path / "action.yml")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    workflow = tmp_path / ".github" / "workflows" / "uses.yml"
    declared = action()
    every_input = dict.fromkeys(declared["inputs"], "x")

    workflow.write_text(_workflow_using_the_action(every_input, list(declared["outputs"])), encoding="utf-8")
    result = run_actionlint(tmp_path, workflow)
    assert result.returncode == 0, result.stdout + result.stderr

    workflow.write_text(_workflow_using_the_action({"bogus": "x"}, ["not-an-output"]), encoding="utf-8")
    result = run_actionlint(tmp_path, workflow)
    assert result.returncode == 1
    assert 'input "bogus" is not defined' in result.stdout
    assert '"not-an-output" is not defined' in result.stdout


# --- action.yml ---------------------------------------------------------------------------------


def test_action_metadata_has_the_required_keys() -> None:
    data = action()
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(data)
    assert data["runs"]["using"] == "composite"
    for name, spec in data["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
        assert "default" in spec, f"input {name} has no default"
    for name, spec in data["outputs"].items():
        assert spec.get("description") and spec.get("value"), f"output {name}"
    assert {"command", "config", "paths", "token", "write-back", "dry-run", "extra-args"} <= set(data["inputs"])
    assert {"issues-created", "issues-updated", "issues-closed", "overdue"} <= set(data["outputs"])
    assert data["inputs"]["command"]["default"] == "sync"
    assert data["inputs"]["write-back"]["default"] == "commit"
    assert data["inputs"]["dry-run"]["default"] == "false"
    assert data["inputs"]["token"]["default"] == "${{ github.token }}"


def test_every_step_is_a_bash_run_step_with_an_id() -> None:
    every = action()["runs"]["steps"]
    ids = [step.get("id") for step in every]
    assert all(ids) and len(set(ids)) == len(ids)
    assert [step["id"] for step in every if "uses" in step] == ["cache"]  # the one step that is not a script
    for step in steps():
        assert step.get("shell") == "bash", step["id"]
        assert isinstance(step.get("run"), str) and step["run"].strip(), step["id"]


def test_the_install_is_cached_keyed_on_the_actions_pyproject() -> None:
    every = {step["id"]: step for step in action()["runs"]["steps"]}
    cache = every["cache"]
    assert cache["uses"] == "actions/cache@v4"
    assert cache["with"] == {
        "path": "${{ steps.cache-key.outputs.venv }}",
        "key": "${{ steps.cache-key.outputs.key }}",
    }
    key = every["cache-key"]
    assert '"$PMSYNC_ACTION_PATH/pyproject.toml"' in key["run"] and "sha256sum" in key["run"]
    assert key["env"] == {"PMSYNC_ACTION_PATH": "${{ github.action_path }}"}
    # pmsync runs from the action's checkout: a cached venv never runs an older pmsync
    assert every["run"]["env"]["PYTHONPATH"] == every["write-back"]["env"]["PYTHONPATH"] == "${{ github.action_path }}"


def test_every_inputs_reference_names_a_declared_input() -> None:
    declared = set(action()["inputs"])
    referenced = set(INPUT_REFERENCE.findall(ACTION.read_text(encoding="utf-8")))
    assert referenced, "action.yml reads no input?"
    assert referenced <= declared, f"undeclared inputs: {referenced - declared}"
    unused = declared - referenced
    assert not unused, f"inputs declared but never used: {unused}"


def test_no_expression_inside_a_run_script() -> None:
    """Script injection: `${{ }}` in a script is pasted into the shell before it runs.
    Inputs reach the scripts through env: only."""
    for step in steps():
        assert "${{" not in step["run"], f"step {step['id']} has an expression inside its script"


def test_step_expressions_read_only_inputs_steps_and_the_action_path() -> None:
    for step in steps():
        for name, value in step.get("env", {}).items():
            for expression in EXPRESSION.findall(str(value)):
                assert expression.startswith(ALLOWED_CONTEXTS), f"{step['id']}.env.{name}: {expression}"
                assert "secrets." not in expression


def test_output_values_read_outputs_of_existing_steps() -> None:
    ids = {step["id"] for step in steps()}
    outputs_written: dict[str, set[str]] = {}
    for spec in action()["outputs"].values():
        match = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert match, spec["value"]
        assert match.group(1) in ids
        outputs_written.setdefault(match.group(1), set()).add(match.group(2))
    assert "run" in outputs_written and "write-back" in outputs_written


def test_the_token_reaches_only_the_steps_that_need_it() -> None:
    """GITHUB_TOKEN only for the step that runs pmsync; GH_TOKEN for `gh pr create` in write-back."""
    holders = {
        step["id"]: name
        for step in steps()
        for name, value in step.get("env", {}).items()
        if "inputs.token" in str(value)
    }
    assert holders == {"run": "GITHUB_TOKEN", "write-back": "GH_TOKEN"}


def test_install_step_installs_from_the_action_checkout_into_runner_temp() -> None:
    install = next(step for step in steps() if step["id"] == "install")
    assert install["env"]["PMSYNC_ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$PMSYNC_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    assert '"$PMSYNC_VENV"' in install["run"] and "-m venv" in install["run"]
    assert install["env"]["PMSYNC_VENV"] == "${{ steps.cache-key.outputs.venv }}"


def test_run_scripts_are_valid_bash(tmp_path: Path) -> None:
    for step in steps():
        script = tmp_path / f"{step['id']}.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{step['id']}: {result.stderr}"


# --- The example workflow -----------------------------------------------------------------------


def example() -> dict[Any, Any]:
    return load(ROOT / "examples" / "workflows" / "pmsync.yml")


def test_the_example_workflow_is_what_pmsync_init_writes() -> None:
    text = (ROOT / "examples" / "workflows" / "pmsync.yml").read_text(encoding="utf-8")
    assert text == workflow_text()
    assert text.count(f"uses: {ACTION_REF}") == 2


def test_example_workflow_schedule_permissions_and_concurrency() -> None:
    data = example()
    triggers = data[True]  # YAML 1.1 reads the key `on` as True
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert all(cron.split()[0] not in ("0", "*") for cron in crons), "schedule off the hour"
    assert "17 */6 * * *" in crons
    assert "workflow_dispatch" in triggers
    assert data["concurrency"]["cancel-in-progress"] is False
    assert data["permissions"] == {"contents": "read"}
    granted = {name: job.get("permissions", {}) for name, job in data["jobs"].items()}
    assert granted["sync"] == {"contents": "write", "issues": "write"}
    assert granted["overdue"] == {"contents": "read", "issues": "write"}
    text = (ROOT / "examples" / "workflows" / "pmsync.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s*# pull-requests: write # only for write-back: pull-request", text, re.M)


def test_example_overdue_job_labels_and_reminds_weekly() -> None:
    data = example()
    job = data["jobs"]["overdue"]
    weekly = next(e["cron"] for e in data[True]["schedule"] if e["cron"].split()[4] != "*")
    assert weekly in job["if"]
    step = next(s for s in job["steps"] if s.get("uses") == ACTION_REF)
    assert step["with"]["command"] == "overdue"
    assert step["with"]["extra-args"] == "--label --remind --digest"  # the digest issue is kept up to date


def test_example_syncs_when_a_postmortem_is_pushed_and_runs_either_job_by_hand() -> None:
    data = example()
    triggers = data[True]
    assert triggers["push"] == {"branches": ["main"], "paths": ["postmortems/**/*.md"]}
    job_input = triggers["workflow_dispatch"]["inputs"]["job"]
    assert job_input["type"] == "choice" and job_input["options"] == ["sync", "overdue"]
    sync_if, overdue_if = data["jobs"]["sync"]["if"], data["jobs"]["overdue"]["if"]
    assert "github.event_name == 'push'" in sync_if and "inputs.job == 'sync'" in sync_if
    assert "inputs.job == 'overdue'" in overdue_if and "push" not in overdue_if
    overdue_step = next(s for s in data["jobs"]["overdue"]["steps"] if s.get("uses") == ACTION_REF)
    assert overdue_step["with"]["dry-run"] == "${{ inputs.dry-run == true }}"


def test_init_names_the_configs_paths_in_the_push_trigger() -> None:
    text = workflow_text(paths=["docs/incidents/**/*.md", "ops/*outage*.md"])
    assert '    paths:\n      - "docs/incidents/**/*.md"\n      - "ops/*outage*.md"\n' in text


# --- CI and pre-commit --------------------------------------------------------------------------


def test_ci_runs_actionlint_and_this_action_offline_without_secrets() -> None:
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    jobs = ci["jobs"]
    assert any("actionlint" in str(step.get("run", "")) for step in jobs["actionlint"]["steps"])
    uses_local = [s for s in jobs["action"]["steps"] if s.get("uses") == "./"]
    assert uses_local
    for step in uses_local:
        given = step.get("with", {})
        if given.get("command", "sync") in ("sync", "push"):
            assert given.get("dry-run") is True and given.get("offline") is True
        assert "secrets." not in str(given)
    assert "secrets." not in (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")


def test_pre_commit_hook_runs_pmsync_check_on_markdown() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    hook = next(h for h in hooks if h["id"] == "pmsync-check")
    assert hook["entry"] == "pmsync check"
    assert hook["language"] == "python"
    assert hook["types"] == ["markdown"]
    assert {"id", "name", "entry", "language"} <= set(hook)


def test_the_pre_commit_snippets_name_this_releases_tag() -> None:
    """The README and .pre-commit-hooks.yaml name one commit as `pre-commit autoupdate --freeze`
    writes it, `rev: <sha>  # frozen: v<version>`: this version's release, never a tag of
    some future version (tests/test_docs.py checks the commit holds the hook)."""
    from pmsync import __version__

    revs = set()
    for path in (ROOT / "README.md", ROOT / ".pre-commit-hooks.yaml"):
        found = re.findall(r"rev: (\S+)  # frozen: (v\S+)", path.read_text(encoding="utf-8"))
        assert [tag for _, tag in found] == [f"v{__version__}"], (path.name, found)
        revs.add(found[0][0])
    assert len(revs) == 1, revs
