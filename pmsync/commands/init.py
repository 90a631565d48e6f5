"""`pmsync init`: set pmsync up in a repository.

Writes `pmsync.yaml` (the repository from the `origin` remote, the postmortems'
paths guessed from where they are) and `.github/workflows/pmsync.yml` (the
scheduled sync and the weekly overdue report, as in examples/workflows/pmsync.yml),
never overwriting a file that exists, and says what to do next.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pmsync.errors import UsageError

# The action `pmsync init` puts in the workflow it writes.
ACTION_REF = "pmsync/pmsync@v1"
CONFIG_NAME = "pmsync.yaml"
WORKFLOW_PATH = PurePosixPath(".github/workflows/pmsync.yml")
DEFAULT_PATHS = ("postmortems/**/*.md",)
MARKDOWN = (".md", ".markdown")

# Folders whose Markdown files are postmortems, by name (any case).
POSTMORTEM_FOLDERS = frozenset(
    {"postmortems", "post-mortems", "post_mortems", "postmortem", "post-mortem", "incidents", "incident-reports", "pm"}
)
# Words that make a Markdown file a postmortem wherever it is.
POSTMORTEM_WORDS = ("postmortem", "post-mortem", "post_mortem", "incident", "outage")
# Files in a postmortem folder that are not postmortems.
NOT_POSTMORTEMS = re.compile(r"(readme|index|_index|summary|contributing|changelog)\.(md|markdown)$|template", re.I)
# Folders never searched.
SKIPPED_FOLDERS = frozenset(
    {"node_modules", "vendor", "venv", "site-packages", "dist", "build", "target", "third_party", "__pycache__"}
)
SEARCH_LIMIT = 50_000  # files looked at before giving up on guessing

_PLACEHOLDER = "@ACTION@"
_PATHS_PLACEHOLDER = "@PATHS@"
# examples/workflows/pmsync.yml is this text with the placeholder replaced (a test keeps them equal).
WORKFLOW_TEMPLATE = """\
# pmsync: one GitHub issue per postmortem action item, and each issue's status
# written back next to its item. `pmsync sync` files new items, updates changed
# ones and commits the status into the postmortems when a postmortem is pushed to
# the default branch and every six hours; every Monday `pmsync overdue` lists what
# is late, labels it, reminds the assignees and updates the digest issue. Both
# can be run by hand (Actions → pmsync → Run workflow).
# Settings live in pmsync.yaml; the action's inputs: the "GitHub Action" section
# of pmsync's README.
name: pmsync

on:
  push:
    branches: [main] # your default branch: items are filed when a postmortem merges
    paths:
@PATHS@
  schedule:
    - cron: "17 */6 * * *" # sync: every 6 hours, off the hour (runs at :00 are the most delayed)
    - cron: "43 7 * * 1" # overdue report: Mondays at 07:43 UTC
  workflow_dispatch:
    inputs:
      job:
        description: "What to run"
        type: choice
        options: [sync, overdue]
        default: sync
      dry-run:
        description: "Only print the plan: write no issue, label, comment or document"
        type: boolean
        default: false

permissions:
  contents: read

# One pmsync run at a time; a running sync is never cancelled half way.
concurrency:
  group: pmsync
  cancel-in-progress: false

jobs:
  sync:
    # The status commit is pushed with GITHUB_TOKEN, which starts no workflow: no loop.
    if: >-
      github.event_name == 'push' || github.event.schedule == '17 */6 * * *' ||
      (github.event_name == 'workflow_dispatch' && inputs.job == 'sync')
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
      contents: write # commit the status written back into the postmortems
      issues: write # create, update and close the action items' issues
      # pull-requests: write # only for write-back: pull-request (a protected default branch)
    steps:
      - uses: actions/checkout@v5
      - id: pmsync
        uses: @ACTION@
        with:
          command: sync
          write-back: commit # or pull-request: commit to the branch pmsync/status and open a PR
          dry-run: ${{ inputs.dry-run == true }}

  overdue:
    if: >-
      github.event.schedule == '43 7 * * 1' ||
      (github.event_name == 'workflow_dispatch' && inputs.job == 'overdue')
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: read
      issues: write # keep the overdue label, post reminders, update the digest issue
    steps:
      - uses: actions/checkout@v5
      # Writes `pmsync overdue --format markdown` to the job summary.
      - uses: @ACTION@
        with:
          command: overdue
          extra-args: --label --remind --digest
          dry-run: ${{ inputs.dry-run == true }}
"""


def workflow_text(config: str | None = None, action: str = ACTION_REF, paths: Sequence[str] = DEFAULT_PATHS) -> str:
    """The workflow; `config` (relative to the repository root) is passed to every pmsync step;
    a push that changes a file under `paths` (the config's globs, from the root) runs the sync."""
    listed = "\n".join(f"      - {json.dumps(path)}" for path in paths)
    text = WORKFLOW_TEMPLATE.replace(_PLACEHOLDER, action).replace(_PATHS_PLACEHOLDER, listed)
    if config:
        text = re.sub(r"(?m)^( +)(command: .*)$", lambda m: f"{m[0]}\n{m[1]}config: {json.dumps(config)}", text)
    return text


# --- The repository ---------------------------------------------------------------------------------

_REMOTE_FORMS = (
    re.compile(r"^(?:https?|git|ssh)://(?:[^@/]+@)?(?P<host>[^/:]+)(?::\d+)?/(?P<path>.+?)/?$"),  # URL forms
    re.compile(r"^(?:[^@/]+@)?(?P<host>[^/:]+):(?P<path>[^/].*?)/?$"),  # scp-like: git@host:owner/name
)


def parse_remote(url: str) -> tuple[str, str] | None:
    """(host, "owner/name") of a GitHub remote URL, https or ssh; None for anything else."""
    url = url.strip()
    for form in _REMOTE_FORMS:
        match = form.match(url)
        if match:
            path = match["path"].removesuffix(".git")
            parts = path.split("/")
            if len(parts) == 2 and all(parts):
                return match["host"].lower(), path
            return None
    return None


def _git(args: Sequence[str], cwd: Path) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def git_toplevel(cwd: Path) -> Path | None:
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    return Path(top) if top else None


_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def check_repository(value: str) -> str:
    value = value.strip()
    if not _REPOSITORY.fullmatch(value):
        raise UsageError(f"--repository '{value}' is not of the form OWNER/NAME")
    return value


# --- Where the postmortems are ----------------------------------------------------------------------


@dataclass
class Guess:
    paths: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    found: int = 0  # postmortems the globs match


def _relative(path: Path, root: Path) -> PurePosixPath:
    return PurePosixPath(path.relative_to(root).as_posix())


def _markdown_files(root: Path) -> list[PurePosixPath]:
    found: list[PurePosixPath] = []
    seen = 0
    for current, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f.lower() not in SKIPPED_FOLDERS)
        for name in sorted(files):
            seen += 1
            if name.lower().endswith(MARKDOWN):
                found.append(_relative(Path(current) / name, root))
        if seen > SEARCH_LIMIT:
            break
    return found


def guess_paths(root: Path) -> Guess:
    """Globs for the Markdown files that look like postmortems under root.

    A folder named like postmortems/, post-mortems/, incidents/, pm/ (docs/postmortems
    included) contributes `folder/**/*.md`; elsewhere, a file whose name says
    postmortem, incident or outage contributes `folder/*word*.md`. README, index and
    template files inside those folders are excluded.
    """
    files = _markdown_files(root)
    folders: list[PurePosixPath] = []
    for file in files:
        for depth, part in enumerate(file.parts[:-1]):
            if part.lower() in POSTMORTEM_FOLDERS:
                folder = PurePosixPath(*file.parts[: depth + 1])
                if folder not in folders:
                    folders.append(folder)
                break  # the outermost such folder holds them all
    guess = Guess()
    covered: set[PurePosixPath] = set()
    for folder in folders:
        inside = [f for f in files if folder in f.parents]
        for suffix in MARKDOWN:
            if any(f.name.lower().endswith(suffix) for f in inside):
                guess.paths.append(f"{glob.escape(str(folder))}/**/*{suffix}")
        for file in inside:
            if NOT_POSTMORTEMS.search(file.name):
                guess.exclude.append(glob.escape(str(file)))
            else:
                covered.add(file)
    for file in files:
        if file in covered or any(folder in file.parents for folder in folders):
            continue
        name = file.name
        word = next((w for w in POSTMORTEM_WORDS if w in name.lower()), None)
        if word is None or NOT_POSTMORTEMS.search(name):
            continue
        parent = "" if str(file.parent) == "." else f"{glob.escape(str(file.parent))}/"
        # Globs match case: a name that spells the word otherwise (Outage.md) is listed as it is.
        pattern = f"{parent}*{word}*{file.suffix}" if word in name else glob.escape(str(file))
        if pattern not in guess.paths:
            guess.paths.append(pattern)
        covered.add(file)
    guess.found = len(covered)
    return guess


# --- Writing the files ------------------------------------------------------------------------------


def config_text(repository: str, host: str, paths: Sequence[str], exclude: Sequence[str]) -> str:
    lines = [
        "# pmsync.yaml, written by `pmsync init`. Every key, with its default and what it does:",
        "# config.example.yaml in pmsync's repository, or `pmsync --help`.",
        "",
        "# The repository issues are filed in.",
        f"repository: {json.dumps(repository)}",
    ]
    if host != "github.com":
        lines += ["", "# GitHub Enterprise Server's REST API.", f"api_url: {json.dumps(f'https://{host}/api/v3')}"]
    lines += ["", "# The postmortems pmsync reads: globs relative to this file's folder.", "paths:"]
    lines += [f"  - {json.dumps(path)}" for path in paths]
    lines += ["", "# Files `paths` matches that are not postmortems."]
    if exclude:
        lines += ["exclude:", *[f"  - {json.dumps(path)}" for path in exclude]]
    else:
        lines += ["exclude: []", '#  - "postmortems/template.md"']
    lines += [
        "",
        "# Names written in postmortems mapped to GitHub logins (assignees).",
        "owners: {}",
        "#  Jane Doe: jdoe",
        "",
        "push:",
        "  # Postmortems often hold internal details: pmsync refuses to file issues in a",
        "  # public repository unless this is true.",
        "  allow_public: false",
        "  # Refuse a run creating more issues than this without --yes.",
        "  max_creates: 25",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class InitResult:
    root: Path
    repository: str
    written: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _write_new(path: Path, text: str) -> bool:
    """Create the file with the text; False, and nothing written, when it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        return False
    return True


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def init_repository(
    cwd: Path,
    *,
    repository: str | None = None,
    paths: Sequence[str] = (),
    config_path: Path | None = None,
) -> InitResult:
    """Write pmsync.yaml and the workflow at the root of the checkout (never overwriting)."""
    top = git_toplevel(cwd)
    host = "github.com"
    if repository is not None:
        repository = check_repository(repository)
    else:
        remote = _git(["remote", "get-url", "origin"], cwd) if top is not None else None
        parsed = parse_remote(remote) if remote else None
        if top is None:
            raise UsageError("not in a git repository: pass --repository OWNER/NAME, or run pmsync init in one")
        if parsed is None:
            why = f"origin remote '{remote}' is not a GitHub repository URL" if remote else "no origin remote"
            raise UsageError(f"cannot tell the repository ({why}): pass --repository OWNER/NAME")
        host, repository = parsed
    root = (top or cwd).resolve()
    config_file = (cwd / config_path).resolve() if config_path is not None else root / CONFIG_NAME
    config_dir = config_file.parent
    result = InitResult(root, repository)

    guess = guess_paths(config_dir) if not paths else Guess(paths=list(paths))
    chosen = guess.paths or list(DEFAULT_PATHS)
    shown_config = _shown(config_file, cwd.resolve())
    if _write_new(config_file, config_text(repository, host, chosen, guess.exclude)):
        result.written.append(shown_config)
        result.lines.append(f"wrote {shown_config}: repository {repository}, paths {', '.join(chosen)}")
        if not paths:
            if guess.found:
                result.lines.append(f"  ({guess.found} postmortems found; edit `paths:` if some are missing)")
            else:
                result.lines.append("  (no postmortems found yet: edit `paths:` to where they will be)")
    else:
        result.left_alone.append(shown_config)
        result.lines.append(f"{shown_config} exists, left alone")

    workflow = root / WORKFLOW_PATH
    shown_workflow = _shown(workflow, cwd.resolve())
    config_arg = None if config_file == root / CONFIG_NAME else os.path.relpath(config_file, root)
    from_root = [os.path.relpath(config_dir / path, root).replace(os.sep, "/") for path in chosen]
    if _write_new(workflow, workflow_text(config_arg, paths=from_root)):
        result.written.append(shown_workflow)
        result.lines.append(f"wrote {shown_workflow}: sync every 6 hours, overdue report on Mondays ({ACTION_REF})")
    else:
        result.left_alone.append(shown_workflow)
        result.lines.append(f"{shown_workflow} exists, left alone")

    config_option = f"--config {shown_config} " if config_arg else ""
    result.lines += [
        "",
        "Next steps:",
        "  1. See what pmsync finds, and fix what it reports:",
        f"       pmsync {config_option}check",
        f"  2. Read the plan (a token that can read {repository}'s issues: GITHUB_TOKEN, or `gh auth login`):",
        f"       pmsync {config_option}push --dry-run",
        f"  3. Commit {' and '.join([shown_config, shown_workflow])} and push. The workflow runs with the",
        "     repository's GITHUB_TOKEN; its `permissions:` grant issues: write and contents: write.",
        "     Run it once by hand with dry-run ticked (Actions → pmsync → Run workflow).",
        "  4. A protected default branch: set `write-back: pull-request` in the workflow, uncomment",
        "     `pull-requests: write`, and allow GitHub Actions to create pull requests",
        "     (Settings → Actions → General).",
        "  5. A public repository: pmsync files nothing there unless `push.allow_public: true`.",
    ]
    return result
