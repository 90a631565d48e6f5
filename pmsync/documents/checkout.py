"""Where a writing run stands: uncommitted postmortem edits, and the branch checked out.

A push or sync from a checkout whose postmortems differ from the default branch
files what the scheduled run on that branch does not see: it then reverts it, or
reports the issues as orphans. Writing runs refuse unless told otherwise
(`--allow-dirty`, `--any-branch`). pmsync's own text (issue links and status
spans, the task boxes that agree with them, the generated status table) is not
an uncommitted edit: a push followed by a sync before committing works.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pmsync.documents import tables
from pmsync.links import blank_status_tables, find_spans
from pmsync.model import IssueState

_BOX = re.compile(r"^(?P<lead>(?:[ \t]*>[ \t]?)*[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[(?P<mark>[ xX]?)\][ \t]?")


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes] | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError:
        return None  # no git: not a checkout pmsync can judge
    return result


def toplevel(cwd: Path) -> Path | None:
    """The root of the git checkout `cwd` is in, or None."""
    result = _git(["rev-parse", "--show-toplevel"], cwd)
    if result is None or result.returncode != 0 or not result.stdout.strip():
        return None
    return Path(os.fsdecode(result.stdout.strip()))


def _lines(data: bytes) -> list[str]:
    """The document's lines, the generated status table left out (its rows are pmsync's)."""
    text = data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    return [line for line in blank_status_tables(text).split("\n") if line.strip()]


def _unspanned(line: str) -> tuple[str, IssueState | None, bool]:
    """The line without pmsync's spans, the state they say, and whether it had one."""
    spans = find_spans(line, 0)
    for span in reversed(spans):
        line = line[: span.start] + line[span.end :]
    return line.rstrip(), spans[-1].state if spans else None, bool(spans)


def _unboxed(line: str) -> tuple[str, str | None]:
    box = _BOX.match(line)
    return (line, None) if box is None else (box["lead"] + line[box.end() :], box["mark"].strip().lower())


def _same_but_pmsyncs(head: str, current: str) -> bool:
    """Whether two versions of a line differ only by pmsync's text: its span, and a task
    box pull added or ticked to agree with it."""
    old, _, _ = _unspanned(head)
    new, state, spanned = _unspanned(current)
    if old == new:
        return True
    if not spanned:
        return False
    old_text, _ = _unboxed(old)
    new_text, mark = _unboxed(new)
    agrees = mark is not None and (state is None or (mark == "x") == (state != "open"))
    return (old_text == new_text and agrees) or _status_cell_only(old, new, state)


def _status_cell_only(old: str, new: str, state: IssueState | None) -> bool:
    """Rows that differ only in a status cell pull wrote ("Done" beside a done span)."""
    old_cells, new_cells = tables.cells(old), tables.cells(new)
    if state is None or not new_cells or len(old_cells) != len(new_cells):
        return False
    for (a, b), (c, d) in zip(old_cells, new_cells, strict=True):
        if old[a:b].strip() != new[c:d].strip() and new[c:d].strip() != tables.STATUS_WORDS[state]:
            return False
    return True


def uncommitted(paths: Sequence[str], cwd: Path) -> list[str]:
    """The documents among `paths` whose content differs from HEAD by more than pmsync's own text
    (or that git does not track yet)."""
    top = toplevel(cwd)
    if top is None or not paths:
        return []
    listed = _git(["status", "--porcelain", "-z", "--untracked-files=all", "--", *paths], cwd)
    if listed is None or listed.returncode != 0:
        return []
    dirty: list[str] = []
    entries = [e for e in listed.stdout.split(b"\0") if e]
    for entry in entries:
        code, name = entry[:2].decode(), os.fsdecode(entry[3:])
        if code[0] in "RC":
            continue  # the rename's source follows as its own entry; the new name is listed first
        path = top / name
        if code == "??" or "D" in code:
            dirty.append(name)
            continue
        head = _git(["show", f"HEAD:{name}"], top)
        try:
            current = path.read_bytes()
        except OSError:
            dirty.append(name)
            continue
        if head is None or head.returncode != 0:
            dirty.append(name)
            continue
        old, new = _lines(head.stdout), _lines(current)
        if len(old) != len(new) or not all(_same_but_pmsyncs(a, b) for a, b in zip(old, new, strict=True)):
            dirty.append(name)
    return dirty


def current_branch(cwd: Path, environ: Mapping[str, str]) -> str | None:
    """The branch this run works from: in GitHub Actions the event's (a pull request's
    run is on its merge commit, not on any branch); else the one checked out."""
    if environ.get("GITHUB_ACTIONS") == "true" and environ.get("GITHUB_REF_NAME"):
        if environ.get("GITHUB_BASE_REF"):
            return f"a pull request into {environ['GITHUB_BASE_REF']}"
        return environ["GITHUB_REF_NAME"]
    result = _git(["symbolic-ref", "--short", "-q", "HEAD"], cwd)
    if result is None or result.returncode != 0:
        return None  # detached HEAD, or not a checkout
    return result.stdout.decode().strip() or None


def default_branch(cwd: Path, environ: Mapping[str, str], ask_github: Callable[[], str | None]) -> str | None:
    """The repository's default branch: from the Actions event payload, else the
    `origin/HEAD` the clone recorded, else from GitHub."""
    event = environ.get("GITHUB_EVENT_PATH")
    if environ.get("GITHUB_ACTIONS") == "true" and event:
        try:
            payload = json.loads(Path(event).read_text(encoding="utf-8"))
            branch = payload.get("repository", {}).get("default_branch")
            if isinstance(branch, str) and branch:
                return branch
        except (OSError, ValueError, AttributeError):
            pass
    result = _git(["symbolic-ref", "--short", "-q", "refs/remotes/origin/HEAD"], cwd)
    if result is not None and result.returncode == 0 and result.stdout.strip():
        return result.stdout.decode().strip().removeprefix("origin/")
    return ask_github()
