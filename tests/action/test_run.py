"""The Action's run step in process: inputs, the pmsync command line, reading its
JSON, the documents changed, and the step outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pmsync.action import run as action_run
from pmsync.action.run import (
    Inputs,
    changed_documents,
    plan_counts,
    pmsync_argv,
    read_json,
    run_step,
    written_paths,
)
from pmsync.action.steps import main as steps_main
from pmsync.action.workflow import StepError
from pmsync.errors import EXIT_USAGE

ROOT = Path(__file__).resolve().parents[2]


def test_inputs_default_to_a_sync_committed_back() -> None:
    assert Inputs.from_env({}) == Inputs(command="sync", write_back="commit")


def test_inputs_are_read_from_the_environment() -> None:
    inputs = Inputs.from_env(
        {
            "PMSYNC_COMMAND": "overdue",
            "PMSYNC_CONFIG": " ci/pmsync.yaml ",
            "PMSYNC_PATHS": "a.md  docs/*.md",
            "PMSYNC_DRY_RUN": "yes",
            "PMSYNC_EXTRA_ARGS": "--label --within '7'",
            "PMSYNC_WRITE_BACK": "none",
        }
    )
    assert inputs == Inputs(
        "overdue", "ci/pmsync.yaml", ("a.md", "docs/*.md"), True, False, ("--label", "--within", "7"), "none"
    )
    assert not inputs.writes_documents
    assert not inputs.user_format


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"PMSYNC_COMMAND": "deploy"},
            "input command: 'deploy' is not one of sync, push, pull, overdue, report, check",
        ),
        ({"PMSYNC_WRITE_BACK": "force"}, "input write-back: 'force' is not one of none, commit, pull-request"),
        ({"PMSYNC_EXTRA_ARGS": "--label 'open"}, "input extra-args: No closing quotation"),
        ({"PMSYNC_COMMAND": "pull", "PMSYNC_OFFLINE": "true"}, "input offline: pull reads the issues' status"),
    ],
)
def test_bad_inputs_are_one_step_error(environ: dict[str, str], message: str) -> None:
    with pytest.raises(StepError) as raised:
        Inputs.from_env(environ)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("inputs", "argv"),
    [
        (Inputs(), ["sync", "--format=json"]),
        (Inputs(dry_run=True, config="c.yaml"), ["--config", "c.yaml", "sync", "--dry-run", "--format=json"]),
        (Inputs("push", offline=True), ["push", "--offline", "--format=json"]),
        (Inputs("sync", offline=True), ["push", "--offline", "--format=json"]),
        (Inputs("pull", dry_run=True), ["pull", "--dry-run", "--format=json"]),
        (Inputs("overdue", offline=True, dry_run=True), ["overdue", "--offline", "--dry-run", "--format=json"]),
        (Inputs("report", extra_args=("--format", "markdown")), ["report", "--format", "markdown"]),
        (Inputs("check", paths=("x.md",)), ["check", "--format=json", "x.md"]),
    ],
)
def test_the_pmsync_command_line_asks_for_json_unless_the_user_chose_a_format(inputs: Inputs, argv: list[str]) -> None:
    assert pmsync_argv(inputs) == argv


def test_read_json_takes_one_object_and_nothing_else() -> None:
    assert read_json('{"a": 1}\n') == {"a": 1}
    assert read_json("[1, 2]") is None
    assert read_json("pmsync push → acme/pm\n") is None


def test_plan_counts_count_what_was_done_or_in_a_dry_run_planned() -> None:
    actions = [
        {"kind": "create", "url": "u", "error": None},
        {"kind": "create", "url": None, "error": "boom"},
        {"kind": "update", "url": "u"},
        {"kind": "reopen", "url": "u"},
        {"kind": "close_orphan", "url": "u"},
        {"kind": "noop", "url": None},
        "not an action",
    ]
    done = plan_counts({"dry_run": False, "actions": actions})
    assert (done.created, done.updated, done.closed) == (1, 2, 1)
    planned = plan_counts({"dry_run": True, "actions": actions})
    assert (planned.created, planned.updated, planned.closed) == (2, 2, 1)


def test_written_paths_are_relative_to_the_git_root(tmp_path: Path) -> None:
    work = tmp_path / "repo" / "docs"
    work.mkdir(parents=True)
    data = {"written": ["pm/a.md", "../outside.md", "../../elsewhere.md"]}
    assert written_paths(data, work, tmp_path / "repo") == {"docs/pm/a.md", "outside.md"}
    assert written_paths(None, work, tmp_path / "repo") == set()


def test_changed_documents_are_postmortems_the_state_file_or_named_by_pmsync() -> None:
    before = {"notes.txt": "1", "a.md": "1"}
    after = {"notes.txt": "2", "a.md": "2", "b.MARKDOWN": "1", "pmsync.state.json": "1", "c.txt": "1", "x\ny.md": "1"}
    assert changed_documents(before, after, {"c.txt"}) == ["a.md", "b.MARKDOWN", "c.txt", "pmsync.state.json"]


def _git_workspace(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    (root / "postmortems").mkdir(parents=True)
    source = ROOT / "examples" / "postmortems"
    for document in sorted(source.glob("*.md")):
        (root / "postmortems" / document.name).write_bytes(document.read_bytes())
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_run_step_offline_push_writes_the_plan_counts_and_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _git_workspace(tmp_path)
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    environ = {
        "PMSYNC_COMMAND": "push",
        "PMSYNC_OFFLINE": "true",
        "PMSYNC_PATHS": "postmortems/*.md",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": "/usr/bin:/bin",
    }
    monkeypatch.chdir(root)

    assert run_step(environ, root) == 0

    values = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if "=" in line)
    assert values["issues-created"] == "14"  # two items already done are history: not filed
    assert (values["issues-updated"], values["issues-closed"], values["exit-code"]) == ("0", "0", "0")
    assert (values["documents-changed"], values["write-back"]) == ("0", "none")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## pmsync push --offline\n\nDry run: no issue was written and no document changed.")
    assert "| 14 | 0 | 0 | 0 | 7 | 0 | 0 | – |" in text
    log = capsys.readouterr().out
    assert log.splitlines()[0].startswith("pmsync push --offline --format=json postmortems/")
    assert "pmsync push → OWNER/REPO (dry run: nothing written)" in log


def test_run_step_shows_text_as_printed_when_the_user_chose_a_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _git_workspace(tmp_path)
    summary = tmp_path / "summary.md"
    environ = {
        "PMSYNC_COMMAND": "push",
        "PMSYNC_OFFLINE": "true",
        "PMSYNC_EXTRA_ARGS": "--format text",
        "PMSYNC_PATHS": "postmortems",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    monkeypatch.chdir(root)

    assert run_step(environ, root) == 0

    out = capsys.readouterr().out
    assert "output issues-created=''" in out  # counts unknown: the text is not read
    assert "14 to create" in summary.read_text(encoding="utf-8")


def test_the_steps_entry_point_checks_its_argument(capsys: pytest.CaptureFixture[str]) -> None:
    assert steps_main([]) == EXIT_USAGE
    assert "usage: python -m pmsync.action {run|write-back}" in capsys.readouterr().err


def test_a_step_error_is_one_error_annotation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PMSYNC_COMMAND", "deploy")
    assert steps_main(["run"]) == EXIT_USAGE
    assert capsys.readouterr().out == (
        "::error title=pmsync::input command: 'deploy' is not one of sync, push, pull, overdue, report, check\n"
    )


def test_python_command_runs_this_pmsync() -> None:
    assert action_run.python_command() == [sys.executable, "-m", "pmsync"]
    result = subprocess.run([*action_run.python_command(), "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("pmsync, version ")


def test_pmsyncs_messages_reach_the_log_while_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run step does not hold pmsync's stderr back until it ends: a long first import shows
    its progress as it goes. The stand-in pmsync prints a progress line, then waits until the
    test has read that line from the step's stderr; had the step captured it, it would wait forever."""
    import os
    import threading

    seen = tmp_path / "seen"
    fake = tmp_path / "fake_pmsync.py"
    fake.write_text(
        "import pathlib, sys, time\n"
        "print('pmsync: 1/450 writes', file=sys.stderr, flush=True)\n"
        f"flag = pathlib.Path({str(seen)!r})\n"
        "for _ in range(400):\n"
        "    if flag.exists():\n"
        '        print(\'{"documents": 1, "items": 0, "errors": 0, "warnings": 0, "findings": []}\')\n'
        "        sys.exit(0)\n"
        "    time.sleep(0.05)\n"
        "sys.exit(9)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(action_run, "python_command", lambda: [sys.executable, str(fake)])
    monkeypatch.setattr(action_run, "git_root", lambda cwd: None)
    read_end, write_end = os.pipe()
    saved = os.dup(2)
    records = []
    os.dup2(write_end, 2)
    try:
        worker = threading.Thread(
            target=lambda: records.append(action_run.run_pmsync(Inputs(command="check"), {}, tmp_path))
        )
        worker.start()
        line = b""
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            while not line.endswith(b"\n"):
                line += pipe.read(1)
            seen.touch()  # only now may the stand-in finish
            worker.join(timeout=30)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write_end)
    assert line == b"pmsync: 1/450 writes\n"
    assert records and records[0].exit_code == 0 and records[0].data is not None
