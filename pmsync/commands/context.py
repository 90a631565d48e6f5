"""One run's context: the documents scanned once, and, when the command talks to
GitHub, the connection, the tracker and the managed issues, each opened once."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pmsync.config import Config
from pmsync.documents import checkout
from pmsync.documents.save import Written, repo_path
from pmsync.documents.scan import ScanResult, remember, scan
from pmsync.errors import AuthError, ConfigError, UsageError
from pmsync.github.issues import (
    DEFAULT_API_URL,
    DEFAULT_SERVER_URL,
    Connection,
    RemoteIssue,
    RepoInfo,
    Tracker,
    find_token,
)
from pmsync.github.snapshot import take_snapshot
from pmsync.github.state import Snapshot
from pmsync.model import Diagnostic, Postmortem

OFFLINE_REPO = "OWNER/REPO"
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_TOKEN = re.compile(r"[\x21-\x7e]+")  # printable ASCII: an HTTP header carries nothing else
_API_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s?#]*)?")
TrackerFactory = Callable[[Connection], Tracker]


def connection(config: Config, environ: Mapping[str, str], *, need_token: bool = True) -> Connection:
    repo = config.repository or environ.get("GITHUB_REPOSITORY", "").strip()
    if not repo:
        raise ConfigError(
            "no repository to file issues in",
            "set `repository: owner/name` in pmsync.yaml, or GITHUB_REPOSITORY",
        )
    if not _REPOSITORY.fullmatch(repo) or ".." in repo:
        source = "`repository` in pmsync.yaml" if config.repository else "GITHUB_REPOSITORY"
        raise ConfigError(f"repository '{repo}' ({source}) is not of the form owner/name")
    token = find_token(dict(environ)) if need_token else None
    if token is not None and not _TOKEN.fullmatch(token):
        raise AuthError(
            "the GitHub token holds characters no token has (a space, a line break or a non-ASCII character)",
            "copy the token again into GITHUB_TOKEN (or GH_TOKEN), with nothing around it",
        )
    api_url = config.api_url or environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    if need_token and not _API_URL.fullmatch(api_url):
        source = "`api_url` in pmsync.yaml" if config.api_url else "GITHUB_API_URL"
        raise ConfigError(
            f"API URL '{api_url}' ({source}) is not an http(s) URL",
            "use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server",
        )
    return Connection(
        repo=repo,
        token=token,
        api_url=api_url,
        server_url=environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL,
        write_delay=config.push.write_delay,
    )


def document_url(config: Config, conn: Connection) -> str:
    return config.document_url or f"{conn.server_url.rstrip('/')}/{conn.repo}/blob/HEAD"


def github_tracker(conn: Connection) -> Tracker:
    # Imported here: PyGithub and requests cost more than the rest of a scan, and
    # only commands that talk to GitHub get this far.
    from pmsync.github.client import GitHubTracker

    return GitHubTracker(conn)


@dataclass
class Run:
    """What one command works on; every part is opened on first use, then kept."""

    arguments: list[str]
    config: Config
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    tracker_factory: TrackerFactory | None = None
    scanned: ScanResult = field(init=False)

    def __post_init__(self) -> None:
        self.scanned = scan(self.arguments, self.config)

    @classmethod
    def open(
        cls,
        arguments: list[str],
        config: Config,
        *,
        environ: Mapping[str, str] | None = None,
        tracker_factory: TrackerFactory | None = None,
    ) -> Run:
        """Scan the documents named (or the config's `paths:` when none are)."""
        run = cls(arguments, config, os.environ if environ is None else environ, tracker_factory)
        run.require_match()
        return run

    def require_match(self) -> None:
        """No document matched the paths or globs (a typo, a missing folder): a usage error
        in every command, naming what matched nothing."""
        found = self.scanned.postmortems or [p for p in self.scanned.problems if p.message != "no such file"]
        if found:
            return
        if self.arguments:
            named = ", ".join(self.arguments)
            raise UsageError(f"no document matches {named}: check the path for a typo")
        where = self.config.source.name if self.config.source else "the default config"
        globs = ", ".join(self.config.paths) or "(none)"
        raise UsageError(f"no document matches `paths:` {globs} in {where}: check it for a typo, or name files")

    def require_documents(self, what: str) -> None:
        """The error a command that writes raises when there is nothing to work on."""
        if not self.scanned.postmortems:
            raise UsageError(f"no postmortems to {what}", "name files or folders, or set `paths:` in pmsync.yaml")

    @property
    def postmortems(self) -> tuple[Postmortem, ...]:
        return self.scanned.postmortems

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return list(self.scanned.diagnostics)

    @property
    def root(self) -> Path | None:
        """Where relative document paths start: the config's folder when the paths came from it."""
        return None if self.arguments else self.config.root

    @functools.cached_property
    def documents(self) -> list[tuple[Postmortem, str]]:
        """Each postmortem with its path from the repository root, as markers record it."""
        return [(pm, repo_path(pm.path, self.config)) for pm in self.postmortems]

    @functools.cached_property
    def connection(self) -> Connection:
        return connection(self.config, self.environ)

    @functools.cached_property
    def tracker(self) -> Tracker:
        return (self.tracker_factory or github_tracker)(self.connection)

    @functools.cached_property
    def snapshot(self) -> Snapshot:
        """The managed issues, from the state file and a short listing when it allows."""
        return take_snapshot(self.tracker, self.config.root, self.config.labels.managed)

    @functools.cached_property
    def issues(self) -> list[RemoteIssue]:
        """The managed issues, from one full listing."""
        return self.tracker.list_issues(self.config.labels.managed)

    def remember(self, written: Mapping[str, Written]) -> None:
        """Keep the documents this run wrote in the scan cache, as it read them back."""
        remember(self.config, {path: (w.digest, w.postmortem) for path, w in written.items()})

    @functools.cached_property
    def info(self) -> RepoInfo:
        return self.tracker.repository()

    def refuse_wrong_place(self, what: str, *, allow_dirty: bool, any_branch: bool) -> None:
        """A writing run from uncommitted postmortems, or off the default branch, files what the
        scheduled run on that branch will revert or report as orphans: refused unless overridden."""
        cwd = Path.cwd()
        if checkout.toplevel(cwd) is None:
            return
        if not allow_dirty:
            base = self.root or cwd
            dirty = checkout.uncommitted([str(base / pm.path) for pm in self.postmortems], cwd)
            if dirty:
                more = f" and {len(dirty) - 1} more" if len(dirty) > 1 else ""
                raise UsageError(
                    f"refusing to {what}: {dirty[0]}{more} has uncommitted changes "
                    "(commit them first, or pass --allow-dirty)"
                )
        if not any_branch:
            branch = checkout.current_branch(cwd, self.environ)
            default = checkout.default_branch(cwd, self.environ, lambda: self.info.default_branch)
            if default is not None and branch != default:
                raise UsageError(
                    f"refusing to {what} from {branch or 'a detached HEAD'}: issues follow the default branch "
                    f"{default} (switch to {default}, or pass --any-branch)"
                )

    def refuse_public(self, what: str, why: str) -> None:
        if not self.info.private and not self.config.push.allow_public:
            raise ConfigError(
                f"{self.connection.repo} is a public repository; refusing to {what} there",
                f"{why}; set `push.allow_public: true` if that is intended",
            )
