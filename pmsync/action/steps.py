"""The steps of pmsync's GitHub Action (action.yml), run as `python -m pmsync.action STEP`.

`run`: runs one pmsync command with the action's inputs (read from `PMSYNC_*`
environment variables, never from the workflow text), writes the step outputs
(issues created, updated, closed, overdue count, the documents it changed) and the
job summary.

`write-back`: commits the postmortems the run changed, either to the current
branch (`commit`) or to the branch `pmsync/status` with a pull request opened by
the GitHub CLI (`pull-request`), for default branches that are protected.

Only the standard library is used here, and pmsync is run as a separate process
(`python -m pmsync`), exactly as a user would run it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmsync.github.state import STATE_NAME

COMMANDS = ("sync", "push", "pull", "overdue", "report", "check")
WRITE_BACK_MODES = ("none", "commit", "pull-request")
STATUS_BRANCH = "pmsync/status"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
COMMIT_MESSAGE = "pmsync: update postmortem action item status"
DOCUMENT_SUFFIXES = (".md", ".markdown", ".mdx")
PUSH_ATTEMPTS = 3
SUMMARY_LIMIT = 50  # action lines listed in the job summary; the rest are counted
EXIT_USAGE = 2


class StepError(Exception):
    """A problem the workflow author can fix: shown as one ::error line."""


# --- GitHub Actions files -------------------------------------------------------------------------


def escape_data(text: str) -> str:
    """Escape a workflow command's message (https://github.com/actions/toolkit, command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotate(level: str, message: str) -> None:
    print(f"::{level} title=pmsync::{escape_data(message)}", flush=True)


def set_outputs(values: Mapping[str, str], environ: Mapping[str, str]) -> None:
    """Append step outputs to $GITHUB_OUTPUT; multi-line values use a random heredoc delimiter."""
    path = environ.get("GITHUB_OUTPUT")
    lines = []
    for name, value in values.items():
        if "\n" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.writelines(lines)
    else:  # outside GitHub Actions: show what would have been set
        for name, value in values.items():
            print(f"output {name}={value!r}")


def append_summary(markdown: str, environ: Mapping[str, str]) -> None:
    path = environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip("\n") + "\n\n")


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "1", "on")


# --- Inputs and the pmsync command line ----------------------------------------------------------


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
        if not inputs.user_format:
            options.append("--format=json")
    elif command == "pull":
        options = ["--dry-run"] if inputs.dry_run else []
    elif command in ("overdue", "report"):
        options = ["--offline"] if inputs.offline else []
        if command == "overdue" and inputs.dry_run:
            options.append("--dry-run")
        if not inputs.user_format:
            options.append("--format=json")
    return [*argv, command, *options, *inputs.extra_args, *expand_paths(inputs.paths)]


# --- What changed in the checkout -----------------------------------------------------------------


def git(args: Sequence[str], cwd: Path | None = None, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise StepError(f"git {' '.join(args)} failed: {detail[-1] if detail else f'exit {result.returncode}'}")
    return result


def git_root(cwd: Path) -> Path | None:
    try:
        result = git(["rev-parse", "--show-toplevel"], cwd, check=False)
    except OSError:
        return None
    return Path(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None


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


def updated_paths(stderr: str, cwd: Path, root: Path) -> set[str]:
    """The documents pmsync says it updated ("updated PATH" lines), relative to the git root."""
    found: set[str] = set()
    for line in stderr.splitlines():
        if line.startswith("updated "):
            path = (cwd / line.removeprefix("updated ").strip()).resolve()
            try:
                found.add(path.relative_to(root.resolve()).as_posix())
            except ValueError:
                continue
    return found


# --- The run step ---------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    closed: int = 0
    overdue: int | None = None
    known: bool = True


@dataclass
class RunRecord:
    inputs: Inputs
    argv: list[str]
    exit_code: int
    stdout: str
    counts: Counts
    plan: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    trailing: list[str] = field(default_factory=list)  # lines printed after the JSON (pull's changes)
    changed: list[str] = field(default_factory=list)
    tally: str = ""  # pmsync check's closing line ("N documents, M items: ...")


def split_json(stdout: str) -> tuple[dict[str, Any] | None, str]:
    """The JSON object pmsync printed first on stdout, and what followed it."""
    text = stdout.lstrip()
    if not text.startswith("{"):
        return None, stdout
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None, stdout
    return (data if isinstance(data, dict) else None), text[end:]


def plan_counts(plan: Mapping[str, Any]) -> Counts:
    """Issues created, updated (reopened included) and closed: planned in a dry run, else done."""
    dry = bool(plan.get("dry_run"))
    counts = Counts()
    for action in plan.get("actions", []):
        if not isinstance(action, dict):
            continue
        done = dry or (action.get("error") is None and action.get("url") is not None)
        if not done:
            continue
        kind = action.get("kind")
        if kind == "create":
            counts.created += 1
        elif kind in ("update", "reopen"):
            counts.updated += 1
        elif kind in ("close", "close_orphan", "close_duplicate"):
            counts.closed += 1
    return counts


def python_command() -> list[str]:
    return [sys.executable, "-m", "pmsync"]


def offline_overdue(inputs: Inputs, environ: Mapping[str, str]) -> int | None:
    """How many items are overdue by the documents (as a sync just left them): no network."""
    argv = ["--config", inputs.config] if inputs.config else []
    argv += ["overdue", "--offline", "--format=json", *expand_paths(inputs.paths)]
    env = {k: v for k, v in environ.items() if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    result = subprocess.run([*python_command(), *argv], capture_output=True, text=True, env=env, check=False)
    data, _ = split_json(result.stdout)
    if result.returncode != 0 or data is None or not isinstance(data.get("overdue"), list):
        return None
    return len(data["overdue"])


def run_pmsync(inputs: Inputs, environ: Mapping[str, str], cwd: Path) -> RunRecord:
    argv = pmsync_argv(inputs)
    print(f"pmsync {shlex.join(argv)}", flush=True)
    root = git_root(cwd)
    before = dirty_files(root) if root is not None and inputs.writes_documents else {}
    result = subprocess.run([*python_command(), *argv], capture_output=True, text=True, env=dict(environ), check=False)
    sys.stderr.write(result.stderr)
    sys.stderr.flush()
    record = RunRecord(inputs, argv, result.returncode, result.stdout, Counts())
    if inputs.command == "check":
        tallies = [line for line in result.stderr.splitlines() if " documents, " in line and " items: " in line]
        record.tally = tallies[-1] if tallies else ""
    data, rest = split_json(result.stdout) if not inputs.user_format else (None, result.stdout)
    record.trailing = [line for line in rest.splitlines() if line.strip()]
    if inputs.command in ("sync", "push"):
        if data is not None and "summary" in data:
            record.plan = data
            record.counts = plan_counts(data)
        else:
            record.counts.known = False
        if inputs.command == "sync" and record.exit_code in (0, 1):
            record.counts.overdue = offline_overdue(inputs, environ)
    elif inputs.command == "overdue":
        if data is not None and isinstance(data.get("overdue"), list):
            record.report = data
            record.counts.overdue = len(data["overdue"])
        else:
            record.counts.known = False
    elif inputs.command == "report":
        record.report = data
        overall = data.get("overall") if data else None
        if isinstance(overall, dict) and isinstance(overall.get("overdue"), int):
            record.counts.overdue = overall["overdue"]
    if data is None or inputs.command in ("pull", "check"):
        sys.stdout.write(result.stdout)  # pmsync's own text (and check's annotations) go to the log as printed
    else:
        sys.stdout.write(log_text(record))
    sys.stdout.flush()
    if root is not None and inputs.writes_documents:
        after = dirty_files(root)
        record.changed = changed_documents(before, after, updated_paths(result.stderr, cwd, root))
    return record


# --- Rendering ---

_ANNOTATION = re.compile(r"::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)")


def plain_finding(line: str) -> str:
    """`file:line: level: message [rule]` for a GitHub annotation line (pmsync check under Actions)."""
    match = _ANNOTATION.fullmatch(line)
    if match is None:
        return line
    props = dict(part.split("=", 1) for part in match.group("props").split(",") if "=" in part)
    where = ":".join(props[key] for key in ("file", "line") if key in props)
    rule = props.get("title", "").removeprefix("pmsync ").strip()
    message = match.group("message").replace("%0A", " ").replace("%0D", "").replace("%25", "%")
    return f"{where}: {match.group(1)}: {message}" + (f" [{rule}]" if rule else "")


_VERBS = {
    "create": "created",
    "update": "updated",
    "close": "closed",
    "close_orphan": "closed (orphan)",
    "close_duplicate": "closed (duplicate)",
    "reopen": "reopened",
    "adopt": "adopted",
    "conflict": "conflict",
    "orphan": "orphaned",
    "skip": "skipped",
}
_PLANNED = {
    "create": "create",
    "update": "update",
    "close": "close",
    "close_orphan": "close (orphan)",
    "close_duplicate": "close (duplicate)",
    "reopen": "reopen",
    "adopt": "adopt",
    "conflict": "conflict",
    "orphan": "orphaned",
    "skip": "skip",
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _action_verb(action: Mapping[str, Any], dry: bool) -> str:
    kind = str(action.get("kind"))
    if action.get("error"):
        return f"FAILED {_PLANNED.get(kind, kind)}"
    if dry or action.get("url") is None:
        return _PLANNED.get(kind, kind)
    return _VERBS.get(kind, kind)


def _shown_actions(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [a for a in plan.get("actions", []) if isinstance(a, dict) and a.get("kind") != "noop"]


def log_text(record: RunRecord) -> str:
    """A plain-text account for the log, when pmsync printed JSON for us to read."""
    lines: list[str] = []
    if record.plan is not None:
        dry = bool(record.plan.get("dry_run"))
        summary = record.plan.get("summary", {})
        head = f"pmsync {record.inputs.command} → {record.plan.get('repository')}"
        lines.append(head + (" (dry run: nothing written)" if dry else ""))
        for action in _shown_actions(record.plan):
            number = f"#{action['number']} " if action.get("number") else ""
            where = f"{action.get('path')}:{action.get('line')}" if action.get("path") else ""
            detail = f" ({action['detail']})" if action.get("detail") else ""
            error = f": {action['error']}" if action.get("error") else ""
            verb = _action_verb(action, dry)
            lines.append(f"  {verb:<10} {number}{action.get('title') or ''}  {where}{detail}{error}")
        lines.append(", ".join(f"{count} {kind}" for kind, count in summary.items()))
        lines.extend(record.trailing)
    elif record.report is not None and record.inputs.command == "overdue":
        entries = record.report.get("overdue", [])
        lines.append(f"{len(entries)} overdue action items")
        for entry in entries:
            ref = f"#{entry['issue']} " if entry.get("issue") else ""
            lines.append(
                f"  {entry.get('days_late')} days late  {ref}{entry.get('title')}  "
                f"({entry.get('owner') or 'no owner'}, {entry.get('path')}:{entry.get('line')})"
            )
    elif record.report is not None:
        overall = record.report.get("overall", {})
        lines.append(", ".join(f"{key}: {value}" for key, value in overall.items()))
    return "\n".join(lines) + "\n"


def summary_markdown(record: RunRecord) -> str:
    """The job summary of one run: counts, then each action (at most SUMMARY_LIMIT), then changed files."""
    inputs = record.inputs
    shown = "push --offline" if inputs.offline and inputs.command in ("sync", "push") else inputs.command
    parts = [f"## pmsync {shown}"]
    if record.plan is not None:
        dry = bool(record.plan.get("dry_run"))
        if dry:
            parts.append("Dry run: no issue was written and no document changed.")
        summary = record.plan.get("summary", {})
        counts = record.counts
        overdue = "–" if counts.overdue is None else str(counts.overdue)
        created_head = "to create" if dry else "created"
        parts.append(
            f"| {created_head} | {'to update' if dry else 'updated'} | {'to close' if dry else 'closed'} "
            f"| unchanged | skipped | conflicts | orphaned | overdue |\n"
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
            f"| {counts.created} | {counts.updated} | {counts.closed} | {summary.get('noop', 0)} "
            f"| {summary.get('skip', 0)} | {summary.get('conflict', 0)} | {summary.get('orphan', 0)} | {overdue} |"
        )
        actions = [a for a in _shown_actions(record.plan) if a.get("kind") != "skip"]
        skipped: dict[str, int] = {}
        for action in _shown_actions(record.plan):
            if action.get("kind") == "skip":
                reason = str(action.get("detail") or "skipped")
                skipped[reason] = skipped.get(reason, 0) + 1
        if actions:
            rows = ["| | issue | item | document |", "| --- | --- | --- | --- |"]
            for action in actions[:SUMMARY_LIMIT]:
                number = action.get("number")
                issue = f"#{number}" if number else ""
                if number and action.get("url"):
                    issue = f"[#{number}]({action['url']})"
                where = f"`{action.get('path')}:{action.get('line')}`" if action.get("path") else ""
                note = action.get("error") or action.get("detail") or ""
                title = _cell(action.get("title") or "") + (f" ({_cell(note)})" if note else "")
                rows.append(f"| {_action_verb(action, dry)} | {issue} | {title} | {where} |")
            if len(actions) > SUMMARY_LIMIT:
                rows.append(f"| … | | and {len(actions) - SUMMARY_LIMIT} more (see the log) | |")
            parts.append("\n".join(rows))
        if skipped:
            parts.append("\n".join(f"- {count} skipped: {_cell(reason)}" for reason, count in skipped.items()))
        warnings = [str(w) for w in record.plan.get("warnings", [])]
        if warnings:
            parts.append("\n".join(f"> [!WARNING]\n> {_cell(w)}" for w in warnings))
    elif inputs.command in ("pull", "check") or not record.counts.known:
        body = "\n".join(plain_finding(line) for line in record.stdout.strip().splitlines())
        if record.tally:
            parts.append(record.tally)
        if body:
            fence = "````"
            parts.append(f"{fence}\n{body}\n{fence}")
    if record.changed:
        parts.append("Documents updated:\n\n" + "\n".join(f"- `{path}`" for path in record.changed))
    elif inputs.writes_documents and record.exit_code in (0, 1):
        parts.append("No document changed.")
    if record.exit_code != 0:
        parts.append(f"pmsync exited with code {record.exit_code}: see the log.")
    return "\n\n".join(parts)


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


# --- The write-back step --------------------------------------------------------------------------


def current_branch(root: Path, environ: Mapping[str, str]) -> str | None:
    result = git(["symbolic-ref", "--short", "-q", "HEAD"], root, check=False)
    if result.returncode == 0 and result.stdout.strip():
        return result.stdout.strip()
    ref = environ.get("GITHUB_REF", "")
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def commit_files(root: Path, files: Sequence[str], message: str) -> str:
    identity = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
    git(["add", "--", *files], root)
    git([*identity, "commit", "--no-verify", "--quiet", "-m", message, "--", *files], root)
    return git(["rev-parse", "HEAD"], root).stdout.strip()


def commit_message(files: Sequence[str], environ: Mapping[str, str]) -> str:
    lines = [COMMIT_MESSAGE, "", "pmsync wrote issue links and status next to the action items of:", ""]
    lines += [f"- {path}" for path in files]
    run_url = workflow_run_url(environ)
    if run_url:
        lines += ["", f"Run: {run_url}"]
    return "\n".join(lines) + "\n"


def workflow_run_url(environ: Mapping[str, str]) -> str:
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repo, run_id = environ.get("GITHUB_REPOSITORY"), environ.get("GITHUB_RUN_ID")
    return f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else ""


def push_commit(root: Path, branch: str) -> None:
    """Push HEAD to the branch; when it moved meanwhile, rebase onto it and try again."""
    identity = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        result = git(["push", "--quiet", "origin", f"HEAD:refs/heads/{branch}"], root, check=False)
        if result.returncode == 0:
            return
        if attempt == PUSH_ATTEMPTS:
            detail = result.stderr.strip().splitlines()
            raise StepError(f"could not push to {branch}: {detail[-1] if detail else 'git push failed'}")
        print(f"{branch} moved since checkout: rebasing the status commit onto it", flush=True)
        rebase = git([*identity, "pull", "--quiet", "--rebase", "origin", branch], root, check=False)
        if rebase.returncode != 0:
            git(["rebase", "--abort"], root, check=False)
            raise StepError(
                f"could not rebase the status commit onto {branch} (someone edited the same lines?); "
                "the next run writes the status again"
            )


def write_commit(root: Path, files: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    branch = current_branch(root, environ)
    if branch is None:
        raise StepError(
            "write-back commit needs a branch checked out, and HEAD is detached (a pull_request event?): "
            "use write-back: none or pull-request"
        )
    commit_files(root, files, commit_message(files, environ))
    push_commit(root, branch)
    sha = git(["rev-parse", "HEAD"], root).stdout.strip()  # rebased, when the branch had moved
    print(f"committed {sha[:12]} to {branch}: {len(files)} postmortem(s)", flush=True)
    append_summary(f"Committed `{sha[:12]}` to `{branch}`: {len(files)} postmortem(s) updated.", environ)
    return {"commit": sha, "pull-request": ""}


def gh_environment(environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    host = server.split("://", 1)[-1]
    repo = environ.get("GITHUB_REPOSITORY", "")
    if repo:
        env["GH_REPO"] = repo if host == "github.com" else f"{host}/{repo}"
    if host != "github.com" and env.get("GH_TOKEN"):
        env.setdefault("GH_ENTERPRISE_TOKEN", env["GH_TOKEN"])
        env.setdefault("GH_HOST", host)
    env.setdefault("GH_PROMPT_DISABLED", "1")
    env.setdefault("NO_COLOR", "1")
    return env


def gh(args: Sequence[str], environ: Mapping[str, str]) -> str:
    program = shutil.which("gh", path=environ.get("PATH"))
    if program is None:
        raise StepError("write-back pull-request needs the GitHub CLI `gh` (preinstalled on GitHub-hosted runners)")
    result = subprocess.run([program, *args], capture_output=True, text=True, env=gh_environment(environ), check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise StepError(f"gh {' '.join(args[:2])} failed: {detail[-1] if detail else f'exit {result.returncode}'}")
    return result.stdout


def remote_branch_matches(root: Path, branch: str) -> bool:
    """Whether the remote branch already holds this very change (same tree, same parent)."""
    fetched = git(
        ["fetch", "--quiet", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}"], root, check=False
    )
    if fetched.returncode != 0:
        return False
    ours = git(["rev-parse", "HEAD^{tree}", "HEAD^"], root, check=False).stdout.split()
    theirs = git(["rev-parse", f"origin/{branch}^{{tree}}", f"origin/{branch}^"], root, check=False).stdout.split()
    return len(ours) == 2 and ours == theirs


def pull_request_body(files: Sequence[str], base: str, environ: Mapping[str, str]) -> str:
    lines = [
        "pmsync wrote issue links and status next to the action items of these postmortems:",
        "",
        *[f"- `{path}`" for path in files],
        "",
        f"The branch `{STATUS_BRANCH}` is rebuilt from `{base}` on every run and force-pushed; "
        "merge this pull request to keep the postmortems current.",
    ]
    run_url = workflow_run_url(environ)
    if run_url:
        lines += ["", f"Run: {run_url}"]
    return "\n".join(lines) + "\n"


def write_pull_request(root: Path, files: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    base = current_branch(root, environ) or environ.get("GITHUB_BASE_REF") or ""
    git(["checkout", "--quiet", "-B", STATUS_BRANCH], root)  # reset the branch to HEAD, keeping the changes
    sha = commit_files(root, files, commit_message(files, environ))
    if remote_branch_matches(root, STATUS_BRANCH):
        print(f"{STATUS_BRANCH} already holds these changes: not pushed again", flush=True)
    else:
        git(["push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{STATUS_BRANCH}"], root)
        print(f"pushed {sha[:12]} to {STATUS_BRANCH}", flush=True)
    listing = gh(["pr", "list", "--head", STATUS_BRANCH, "--state", "open", "--json", "number,url"], environ)
    try:
        open_prs = json.loads(listing or "[]")
    except ValueError:
        raise StepError(f"gh pr list printed something that is not JSON: {listing.strip()[:200]}") from None
    if open_prs:
        number, url = open_prs[0].get("number"), str(open_prs[0].get("url") or "")
        print(f"pull request #{number} is open and now shows these changes", flush=True)
        append_summary(f"Updated pull request #{number} from `{STATUS_BRANCH}` ({len(files)} postmortem(s)).", environ)
        return {"commit": sha, "pull-request": url or str(number)}
    args = ["pr", "create", "--head", STATUS_BRANCH, "--title", COMMIT_MESSAGE]
    args += ["--body", pull_request_body(files, base or "the default branch", environ)]
    if base:
        args += ["--base", base]
    printed = gh(args, environ).strip().splitlines()
    created = printed[-1] if printed else ""
    print(f"opened pull request {created}", flush=True)
    append_summary(f"Opened pull request {created} from `{STATUS_BRANCH}` ({len(files)} postmortem(s)).", environ)
    return {"commit": sha, "pull-request": created}


def write_back_step(environ: Mapping[str, str], cwd: Path) -> int:
    mode = environ.get("PMSYNC_WRITE_BACK", "").strip() or "none"
    files = [line for line in environ.get("PMSYNC_CHANGED_FILES", "").splitlines() if line.strip()]
    if mode not in WRITE_BACK_MODES:
        raise StepError(f"write-back: '{mode}' is not one of {', '.join(WRITE_BACK_MODES)}")
    if mode == "none" or not files:
        print("write-back: nothing to write back" if mode != "none" or not files else "write-back: none")
        set_outputs({"commit": "", "pull-request": ""}, environ)
        return 0
    root = git_root(cwd)
    if root is None:
        raise StepError("write-back needs a git checkout (actions/checkout) in the workspace")
    outputs = write_commit(root, files, environ) if mode == "commit" else write_pull_request(root, files, environ)
    set_outputs(outputs, environ)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    steps = {"run": run_step, "write-back": write_back_step}
    if len(args) != 1 or args[0] not in steps:
        print(f"usage: python -m pmsync.action {{{'|'.join(steps)}}}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return steps[args[0]](os.environ, Path.cwd())
    except StepError as err:
        annotate("error", str(err))
        return EXIT_USAGE if args[0] == "run" else 1


if __name__ == "__main__":
    sys.exit(main())
