"""The write-back step: commit the postmortems a run changed, to the branch or as a pull request."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from pmsync.action.workflow import StepError, append_summary, set_outputs

WRITE_BACK_MODES = ("none", "commit", "pull-request")
STATUS_BRANCH = "pmsync/status"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
COMMIT_MESSAGE = "pmsync: update postmortem action item status"
PUSH_ATTEMPTS = 3


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
