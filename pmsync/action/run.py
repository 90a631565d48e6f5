"""The run step: run one pmsync command with the action's inputs, read its JSON, and
write the step outputs and the job summary (rendered by pmsync.output.summary)."""

from __future__ import annotations

import glob
import hashlib
import json
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmsync.action.git import WRITE_BACK_MODES, git, git_root
from pmsync.action.workflow import StepError, append_summary, set_outputs, truthy
from pmsync.errors import EXIT_FINDINGS, EXIT_OK
from pmsync.github.state import STATE_NAME
from pmsync.output.summary import Counts, RunRecord, log_text, plan_counts, summary_markdown

COMMANDS = ("sync", "push", "pull", "overdue", "report", "check")
DOCUMENT_SUFFIXES = (".md", ".markdown", ".mdx")


@dataclass(frozen=True)
class Inputs:
    command: str = "sync"
    config: str = ""
    paths: tuple[str, ...] = ()
    dry_run: bool = False
    offline: bool = False
    extra_args: tuple[str, ...] = ()
    write_back: str = "commit"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Inputs:
        command = environ.get("PMSYNC_COMMAND", "").strip() or "sync"
        if command not in COMMANDS:
            raise StepError(f"input command: '{command}' is not one of {', '.join(COMMANDS)}")
        write_back = environ.get("PMSYNC_WRITE_BACK", "").strip() or "commit"
        if write_back not in WRITE_BACK_MODES:
            raise StepError(f"input write-back: '{write_back}' is not one of {', '.join(WRITE_BACK_MODES)}")
        try:
            extra = tuple(shlex.split(environ.get("PMSYNC_EXTRA_ARGS", "")))
        except ValueError as err:
            raise StepError(f"input extra-args: {err}") from None
        offline = truthy(environ.get("PMSYNC_OFFLINE"))
        if offline and command == "pull":
            raise StepError("input offline: pull reads the issues' status from GitHub and cannot run offline")
        return cls(
            command=command,
            config=environ.get("PMSYNC_CONFIG", "").strip(),
            paths=tuple(environ.get("PMSYNC_PATHS", "").split()),
            dry_run=truthy(environ.get("PMSYNC_DRY_RUN")),
            offline=offline,
            extra_args=extra,
            write_back=write_back,
        )

    @property
    def writes_documents(self) -> bool:
        """Whether this run may change the postmortems (and so may need writing back)."""
        return self.command in ("sync", "push", "pull") and not (self.dry_run or self.offline)

    @property
    def user_format(self) -> bool:
        return any(arg == "--format" or arg.startswith("--format=") for arg in self.extra_args)


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Glob patterns in the paths input expanded (no shell does it); a pattern matching nothing stays."""
    found: list[str] = []
    for path in paths:
        if glob.has_magic(path):
            matches = sorted(glob.glob(path, recursive=True))  # noqa: PTH207 - absolute patterns too
            found.extend(matches or [path])
        else:
            found.append(path)
    return found


def pmsync_argv(inputs: Inputs) -> list[str]:
    """The pmsync command line for the inputs (without the program)."""
    argv = ["--config", inputs.config] if inputs.config else []
    command = inputs.command
    options: list[str] = []
    if command in ("sync", "push"):
        if inputs.offline:
            command, options = "push", ["--offline"]  # sync has no offline form: the plan is push's
        elif inputs.dry_run:
            options = ["--dry-run"]
    elif command == "pull":
        options = ["--dry-run"] if inputs.dry_run else []
    elif command in ("overdue", "report"):
        options = ["--offline"] if inputs.offline else []
        if command == "overdue" and inputs.dry_run:
            options.append("--dry-run")
    if not inputs.user_format:
        options.append("--format=json")  # what the Action reads; it never reads pmsync's messages
    return [*argv, command, *options, *inputs.extra_args, *expand_paths(inputs.paths)]


def dirty_files(root: Path) -> dict[str, str]:
    """Files that differ from HEAD or are untracked, relative to the root, with a hash of their content."""
    listing = git(["status", "--porcelain=v1", "-z", "--untracked-files=all"], root).stdout
    entries = listing.split("\0")
    state: dict[str, str] = {}
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            index += 1  # the original path of a rename or copy follows
        file = root / path
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "missing"
        except OSError:
            digest = "unreadable"
        state[path] = digest
    return state


def changed_documents(before: Mapping[str, str], after: Mapping[str, str], named: set[str]) -> list[str]:
    """Files the run changed that are postmortems: Markdown, or reported as updated by pmsync."""
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    return [
        path
        for path in changed
        if "\n" not in path
        and (path.lower().endswith(DOCUMENT_SUFFIXES) or path in named or Path(path).name == STATE_NAME)
    ]


def read_json(stdout: str) -> dict[str, Any] | None:
    """The JSON object pmsync printed, or None when it printed something else."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def python_command() -> list[str]:
    return [sys.executable, "-m", "pmsync"]


def offline_overdue(inputs: Inputs, environ: Mapping[str, str]) -> int | None:
    """How many items are overdue by the documents (as a sync just left them): no network."""
    argv = ["--config", inputs.config] if inputs.config else []
    argv += ["overdue", "--offline", "--format=json", *expand_paths(inputs.paths)]
    env = {k: v for k, v in environ.items() if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    result = subprocess.run([*python_command(), *argv], capture_output=True, text=True, env=env, check=False)
    data = read_json(result.stdout)
    if result.returncode != EXIT_OK or data is None or not isinstance(data.get("overdue"), list):
        return None
    return len(data["overdue"])


def written_paths(data: Mapping[str, Any] | None, cwd: Path, root: Path) -> set[str]:
    """The documents pmsync says it wrote (its JSON's "written"), relative to the git root."""
    found: set[str] = set()
    for name in data.get("written", []) if data is not None else []:
        try:
            found.add((cwd / str(name)).resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            continue
    return found


def _counts(command: str, data: Mapping[str, Any] | None) -> Counts:
    if command in ("sync", "push"):
        return plan_counts(data) if data is not None and "summary" in data else Counts(known=False)
    if command == "overdue":
        overdue = data.get("overdue") if data is not None else None
        return Counts(overdue=len(overdue)) if isinstance(overdue, list) else Counts(known=False)
    overall = data.get("overall") if data is not None and command == "report" else None
    if isinstance(overall, dict) and isinstance(overall.get("overdue"), int):
        return Counts(overdue=overall["overdue"])
    return Counts()


def run_pmsync(inputs: Inputs, environ: Mapping[str, str], cwd: Path) -> RunRecord:
    argv = pmsync_argv(inputs)
    print(f"pmsync {shlex.join(argv)}", flush=True)
    root = git_root(cwd)
    before = dirty_files(root) if root is not None and inputs.writes_documents else {}
    # stderr is not captured: pmsync's progress and messages reach the log while it runs
    # (a first import of hundreds of issues takes minutes); only the JSON on stdout is read.
    sys.stdout.flush()
    sys.stderr.flush()
    result = subprocess.run(
        [*python_command(), *argv], stdout=subprocess.PIPE, stderr=None, text=True, env=dict(environ), check=False
    )
    data = None if inputs.user_format else read_json(result.stdout)
    record = RunRecord(
        inputs.command,
        result.returncode,
        result.stdout,
        _counts(inputs.command, data),
        data,
        offline=inputs.offline,
        writes_documents=inputs.writes_documents,
    )
    if inputs.command == "sync" and record.exit_code in (EXIT_OK, EXIT_FINDINGS):
        record.counts.overdue = offline_overdue(inputs, environ)
    sys.stdout.write(result.stdout if data is None else log_text(record))
    sys.stdout.flush()
    if root is not None and inputs.writes_documents:
        record.changed = changed_documents(before, dirty_files(root), written_paths(data, cwd, root))
    return record


def run_step(environ: Mapping[str, str], cwd: Path) -> int:
    inputs = Inputs.from_env(environ)
    record = run_pmsync(inputs, environ, cwd)
    counts = record.counts
    if inputs.command not in ("overdue", "report"):
        # overdue and report append their own Markdown to the job summary under GitHub Actions
        append_summary(summary_markdown(record), environ)
    write_back = inputs.write_back if inputs.writes_documents and record.changed else "none"
    set_outputs(
        {
            "issues-created": str(counts.created) if counts.known else "",
            "issues-updated": str(counts.updated) if counts.known else "",
            "issues-closed": str(counts.closed) if counts.known else "",
            "overdue": "" if counts.overdue is None else str(counts.overdue),
            "exit-code": str(record.exit_code),
            "documents-changed": str(len(record.changed)),
            "changed-files": "\n".join(record.changed),
            "write-back": write_back,
        },
        environ,
    )
    return 0
