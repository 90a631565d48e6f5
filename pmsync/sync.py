"""The commands that talk to GitHub, as library functions: read documents, take
one snapshot of the managed issues, plan, apply, and write the documents back."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pmsync import state as state_file
from pmsync.apply import Applied, Applier, Progress
from pmsync.config import Config
from pmsync.content import Marker
from pmsync.deadlines import with_deadlines
from pmsync.errors import ConfigError, PmsyncError, RemoteError, UsageError
from pmsync.extract import extract_document
from pmsync.extract.text import decode
from pmsync.files import ChangedOnDisk, Lock, read_source, write_atomic
from pmsync.model import Diagnostic, Postmortem
from pmsync.overdue import OverdueReport, find_overdue
from pmsync.plan import Document, Plan, PlanSettings, build_plan, owner_login
from pmsync.pull import DocumentUpdate, PullSettings, index_issues, plan_document
from pmsync.remind import ReminderResult, Reminders
from pmsync.report import Report, build_report
from pmsync.scan import scan
from pmsync.tracker import (
    DEFAULT_API_URL,
    DEFAULT_SERVER_URL,
    Connection,
    GitHubTracker,
    RemoteIssue,
    Tracker,
    find_token,
)
from pmsync.writeback import Edit, apply_edits

OFFLINE_REPO = "OWNER/REPO"
LISTING_PAGE = 100  # issues per listing page (the most GitHub serves)
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
TrackerFactory = Callable[[Connection], Tracker]


@dataclass(frozen=True)
class PushOptions:
    dry_run: bool = False
    yes: bool = False
    offline: bool = False
    include_drafts: bool = False


@dataclass
class PushResult:
    repo: str
    plan: Plan
    diagnostics: list[Diagnostic]
    applied: Applied | None = None
    written: list[str] = field(default_factory=list)  # documents saved with new spans
    not_written: list[str] = field(default_factory=list)  # "path: why" for documents left alone
    issues: list[RemoteIssue] = field(default_factory=list)  # the managed issues, after this run's writes
    html_url: str = ""
    scanned: tuple[Postmortem, ...] = ()  # the documents as read before any link was written


@dataclass(frozen=True)
class Snapshot:
    issues: list[RemoteIssue]
    full_at: dt.datetime  # when it was last rebuilt from a full listing
    since: dt.datetime | None = None  # the `since` of this run's listing; None: it was a full listing


def take_snapshot(tracker: Tracker, config: Config, repo: str) -> Snapshot:
    """The managed issues: the saved snapshot plus what changed since (one short
    listing), or a full listing when there is no usable saved snapshot."""
    now = dt.datetime.now(dt.UTC)
    label = config.labels.managed
    saved = state_file.load(config.root / state_file.STATE_NAME, repo, label, now)
    if saved is None or len(saved.issues) < LISTING_PAGE:
        # While the managed issues fit one page, a full listing costs what an
        # incremental one does, and it also sees issues deleted, transferred or
        # stripped of the label, which a `since=` listing cannot.
        # Dated by the day, not the second: two runs on one day that see the same
        # issues write the same file, so a run that changed nothing changes nothing.
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return Snapshot(tracker.list_issues(label), day)
    changed = tracker.list_issues(label, since=saved.since)
    return Snapshot(state_file.merge(saved.issues, changed), saved.full_at, saved.since)


def settle_snapshot(
    tracker: Tracker,
    config: Config,
    repo: str,
    snapshot: Snapshot,
    issues: list[RemoteIssue],
    applied: Applied,
    run_start: dt.datetime | None,
) -> None:
    """Save the snapshot a run ends with. After writes in incremental mode, list
    what changed since this run's listing once more, so the saved snapshot holds
    both this run's writes and anything people changed meanwhile. When a write's
    outcome is unknown (an error after GitHub may have applied it), drop the file:
    the next run takes a full listing and finds such an issue by its marker."""
    path = config.root / state_file.STATE_NAME
    if applied.failures or (applied.stopped and not applied.deferred):
        path.unlink(missing_ok=True)
        return
    since = snapshot.since or run_start
    if since is not None and applied.outcomes:
        changed = tracker.list_issues(config.labels.managed, since=since, bodies=False)  # for the state file only
        issues = state_file.merge(tuple(issues), changed)
    save_snapshot(config, repo, snapshot, issues)


def save_snapshot(config: Config, repo: str, snapshot: Snapshot, issues: list[RemoteIssue]) -> None:
    lines = state_file.render(repo, config.labels.managed, snapshot.full_at, issues)
    with contextlib.suppress(OSError):  # without the file the next run lists in full: slower, never wrong
        state_file.save(config.root / state_file.STATE_NAME, lines)


def markers_of(issues: Sequence[RemoteIssue]) -> dict[int, Marker]:
    """Each managed issue's pmsync marker, by issue number."""
    return {issue.number: marker for issue in issues if (marker := issue.marker) is not None}


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
    return Connection(
        repo=repo,
        token=token,
        api_url=config.api_url or environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
        server_url=environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL,
        write_delay=config.push.write_delay,
    )


def repo_path(path: str, config: Config) -> str:
    """The document's path relative to the config's folder (the repository root
    in practice), as markers record it, so it is the same from any working folder."""
    full = Path(path) if Path(path).is_absolute() or config.source is None else config.root / path
    if not full.is_absolute():
        full = Path.cwd() / full
    try:
        return full.resolve().relative_to(_resolved(config.root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


@functools.lru_cache(maxsize=8)
def _resolved(folder: Path) -> Path:
    return folder.resolve()  # once per run, not once per document


def document_url(config: Config, conn: Connection) -> str:
    return config.document_url or f"{conn.server_url.rstrip('/')}/{conn.repo}/blob/HEAD"


def _settings(config: Config, conn: Connection, options: PushOptions, whole_scope: bool) -> PlanSettings:
    push = config.push
    return PlanSettings(
        repo=conn.repo,
        managed_label=config.labels.managed,
        priority_labels=config.labels.priority,
        kind_labels=config.labels.kind,
        include_drafts=options.include_drafts or push.include_drafts,
        require_reviewed=push.require_reviewed,
        close_orphans=push.close_orphans,
        milestone=push.milestone,
        issue_type=push.issue_type,
        team_mentions=push.team_mentions,
        document_url=document_url(config, conn),
        parent_issue=push.parent_issue,
        orphans_everywhere=whole_scope,
    )


def _needs_assignable(documents: list[Document], issues: list[RemoteIssue]) -> bool:
    """Whether some owner has not been seen assigned before (then the repository's
    assignees are listed once; otherwise that request is saved)."""
    seen = {login.lower() for issue in issues for login in issue.assignees}
    decided: dict[tuple[str, str], str | None] = {}  # (path, key) -> owner the assignees were decided for
    by_number: dict[int, str | None] = {}
    for issue in issues:
        marker = issue.marker
        if marker is not None and marker.agreed is not None:
            decided[(marker.path, marker.key)] = marker.agreed.owner
            by_number[issue.number] = marker.agreed.owner
    for document in documents:
        for item in document.postmortem.items:
            login = owner_login(item.owner)
            if login is None or login.lower() in seen:
                continue
            ref = item.issue
            owner_then = by_number.get(ref.number) if ref is not None and ref.bound else None
            if owner_then is None:
                owner_then = decided.get((document.repo_path, item.key))
            if owner_then != item.owner:
                return True  # a new owner: check it can be assigned (once; the marker records it)
    return False


def push(
    arguments: list[str],
    config: Config,
    options: PushOptions,
    *,
    environ: Mapping[str, str] | None = None,
    tracker_factory: TrackerFactory | None = None,
    progress: Progress | None = None,
) -> PushResult:
    if options.dry_run or options.offline:
        return _push(arguments, config, options, environ, tracker_factory, progress)
    # The whole run holds the checkout's lock, listing and planning included: a second
    # run waits, then plans against what the first one filed.
    with Lock(config.root):
        return _push(arguments, config, options, environ, tracker_factory, progress)


def _push(
    arguments: list[str],
    config: Config,
    options: PushOptions,
    environ: Mapping[str, str] | None,
    tracker_factory: TrackerFactory | None,
    progress: Progress | None,
) -> PushResult:
    env = os.environ if environ is None else environ
    scanned = scan(arguments, config)
    diagnostics = list(scanned.diagnostics)
    if not scanned.postmortems:
        raise UsageError("no postmortems to push", "name files or folders, or set `paths:` in pmsync.yaml")
    documents = [
        Document(with_deadlines(pm, config.deadlines), repo_path(pm.path, config)) for pm in scanned.postmortems
    ]
    whole_scope = not arguments

    if options.offline:
        conn = connection(
            Config(repository=config.repository or env.get("GITHUB_REPOSITORY") or OFFLINE_REPO), env, need_token=False
        )
        plan = build_plan(documents, [], _settings(config, conn, options, whole_scope))
        return PushResult(conn.repo, plan, diagnostics, scanned=scanned.postmortems)

    conn = connection(config, env)
    tracker = (tracker_factory or GitHubTracker)(conn)
    info = tracker.repository()
    if not info.private and not config.push.allow_public:
        raise ConfigError(
            f"{conn.repo} is a public repository; refusing to file postmortem action items there",
            "postmortems often hold internal details; set `push.allow_public: true` if that is intended",
        )
    if info.archived:
        raise RemoteError(f"{conn.repo} is archived and read-only", "unarchive it, or set `repository:` to another")
    snapshot = take_snapshot(tracker, config, conn.repo)
    issues = snapshot.issues
    _check_label_not_lost(documents, issues, conn.repo, config.labels.managed)
    assignable = tracker.assignable() if _needs_assignable(documents, issues) else None
    plan = build_plan(documents, issues, _settings(config, conn, options, whole_scope), assignable=assignable)
    if plan.labels and issues:
        # Labels not seen on any managed issue may still exist (an earlier run made
        # them before stopping at its write budget): one read saves a write per label.
        # A first run (no managed issue yet) skips the read: a 422 "already exists" is harmless.
        existing = {name.lower() for name in tracker.labels()}
        plan = replace(plan, labels=tuple(label for label in plan.labels if label.name.lower() not in existing))
    result = PushResult(
        conn.repo, plan, diagnostics, issues=issues, html_url=info.html_url, scanned=scanned.postmortems
    )
    if options.dry_run:
        return result
    _check_caps(plan, config, options)

    applier = Applier(
        tracker,
        plan,
        repo_html=info.html_url,
        managed=config.labels.managed,
        document_link=lambda path: f"{document_url(config, conn).rstrip('/')}/{path}",
        progress=progress,
        budget=config.push.write_budget,
    )
    try:
        result.applied = applier.run()
    finally:
        # Whatever happened, record the links of the issues that now exist.
        result.applied = result.applied or applier.result
        _write_documents(result, scanned.postmortems, config, arguments)
        updated = result.applied.issues
        result.issues = [updated.get(i.number, i) for i in issues] + [
            i for n, i in updated.items() if n not in {x.number for x in issues}
        ]
        settle_snapshot(tracker, config, conn.repo, snapshot, result.issues, result.applied, info.server_time)
    return result


def _check_label_not_lost(documents: list[Document], issues: list[RemoteIssue], repo: str, label: str) -> None:
    """Items link to issues, yet no issue carries the managed label: the label was
    renamed or removed, and filing now would duplicate every linked item."""
    linked = [
        item
        for document in documents
        for item in document.postmortem.items
        if item.issue is not None and item.issue.bound and (item.issue.repo or "").lower() == repo.lower()
    ]
    if linked and not issues:
        raise RemoteError(
            f"{len(linked)} items link to issues in {repo}, but no issue there carries the label '{label}'",
            "if the label was renamed, rename it back or set `labels.managed` to its new name; nothing was filed",
        )


def _check_caps(plan: Plan, config: Config, options: PushOptions) -> None:
    if options.yes:
        return
    problems = []
    if plan.creates > config.push.max_creates:
        problems.append(f"create {plan.creates} issues (push.max_creates is {config.push.max_creates})")
    if plan.closes > config.push.max_closes:
        problems.append(f"close {plan.closes} issues (push.max_closes is {config.push.max_closes})")
    if problems:
        raise PmsyncError(
            "refusing to " + " and ".join(problems),
            "read the plan with --dry-run, then rerun with --yes if it is right",
        )


def _write_documents(
    result: PushResult, postmortems: tuple[Postmortem, ...], config: Config, arguments: list[str]
) -> None:
    if result.applied is None:
        return
    root = None if arguments else config.root
    for path, edits in result.applied.edits.items():
        source = read_source(path, root)
        if source.data is None:
            result.not_written.append(f"{path}: {source.problem}")
            continue
        original = next((pm for pm in postmortems if pm.path == path), None)
        problem = save_with_spans(path, source.data, edits, config, original, root)
        if problem:
            result.not_written.append(f"{path}: {problem}")
        else:
            result.written.append(path)


def save_with_spans(
    path: str,
    data: bytes,
    edits: Sequence[Edit],
    config: Config,
    original: Postmortem | None,
    root: Path | None,
    replacements: Sequence[tuple[int, int, list[str]]] = (),
) -> str | None:
    """Write the spans into the document; the reason when it was refused."""
    new = apply_edits(data, edits, replacements)
    if new == data:
        return None
    before = _identity(extract_document(path, data, config))
    if original is not None and before != _identity(original):
        return "it changed on disk during the run; left alone (run pmsync again)"
    if _identity(extract_document(path, new, config)) != before:
        return "writing the links would change its items; left alone (please report this)"
    target = Path(path) if root is None or Path(path).is_absolute() else root / path
    try:
        write_atomic(target, new, expected=data)
    except ChangedOnDisk as err:
        return f"{err}; left alone (run pmsync again)"
    except OSError as err:
        return f"cannot write: {err.strerror or err}"
    return None


def _identity(pm: Postmortem) -> list[tuple[str, str, int]]:
    return [(item.key, item.title, item.line) for item in pm.items]


@dataclass(frozen=True)
class PullOptions:
    dry_run: bool = False
    check: bool = False  # report documents that are out of date; write nothing


@dataclass
class PullResult:
    repo: str
    updates: list[DocumentUpdate]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)  # path -> unified diff of the change
    written: list[str] = field(default_factory=list)
    not_written: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[str]:
        return [c for u in self.updates for c in u.conflicts]

    @property
    def out_of_date(self) -> list[str]:
        return sorted(self.diffs)


def pull(
    arguments: list[str],
    config: Config,
    options: PullOptions,
    *,
    environ: Mapping[str, str] | None = None,
    tracker_factory: TrackerFactory | None = None,
) -> PullResult:
    if options.dry_run or options.check:
        return _pull(arguments, config, options, environ, tracker_factory)
    with Lock(config.root):
        return _pull(arguments, config, options, environ, tracker_factory)


def _pull(
    arguments: list[str],
    config: Config,
    options: PullOptions,
    environ: Mapping[str, str] | None,
    tracker_factory: TrackerFactory | None,
) -> PullResult:
    env = os.environ if environ is None else environ
    scanned = scan(arguments, config)
    if not scanned.postmortems:
        raise UsageError("no postmortems to update", "name files or folders, or set `paths:` in pmsync.yaml")
    conn = connection(config, env)
    tracker = (tracker_factory or GitHubTracker)(conn)
    snapshot = take_snapshot(tracker, config, conn.repo)
    html = f"{conn.server_url.rstrip('/')}/{conn.repo}"
    result = PullResult(conn.repo, [], list(scanned.diagnostics))
    pull_documents(result, scanned.postmortems, snapshot.issues, config, arguments, html, options)
    if not (options.dry_run or options.check):
        save_snapshot(config, conn.repo, snapshot, snapshot.issues)
    return result


def pull_documents(
    result: PullResult,
    postmortems: Sequence[Postmortem],
    issues: list[RemoteIssue],
    config: Config,
    arguments: list[str],
    repo_html: str,
    options: PullOptions,
) -> None:
    """Compute each document's status edits against `issues`, show or write them."""
    settings = PullSettings(
        repo=result.repo,
        repo_html=repo_html,
        task_lists=config.writeback.task_lists,
        status_table=config.writeback.status_table,
    )
    markers = markers_of(issues)
    by_number = {i.number: i for i in issues}
    by_identity = index_issues(issues, markers)
    root = None if arguments else config.root
    for pm in postmortems:
        source = read_source(pm.path, root)
        if source.data is None:
            result.not_written.append(f"{pm.path}: {source.problem}")
            continue
        lines = decode(source.data).text.split("\n")
        update = plan_document(pm, repo_path(pm.path, config), settings, by_number, by_identity, lines)
        result.updates.append(update)
        if update.empty:
            continue
        replacements = [update.table] if update.table else []
        new = apply_edits(source.data, update.edits, replacements)
        if new == source.data:
            continue
        result.diffs[pm.path] = unified_diff(pm.path, source.data, new)
        if options.dry_run or options.check:
            continue
        problem = save_with_spans(pm.path, source.data, update.edits, config, pm, root, replacements)
        if problem:
            result.not_written.append(f"{pm.path}: {problem}")
        else:
            result.written.append(pm.path)


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    before = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    after = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    diff = difflib.unified_diff(before, after, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in diff)


@dataclass
class SyncResult:
    push: PushResult
    pull: PullResult


def sync(
    arguments: list[str],
    config: Config,
    options: PushOptions,
    *,
    environ: Mapping[str, str] | None = None,
    tracker_factory: TrackerFactory | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Push, then pull, with one listing of the managed issues."""
    pushed = push(arguments, config, options, environ=environ, tracker_factory=tracker_factory, progress=progress)
    pulled = PullResult(pushed.repo, [])
    # Read again only when push wrote links into some documents; a second set of
    # every document's items is the largest thing a big sync would hold otherwise.
    postmortems = scan(arguments, config).postmortems if pushed.written else pushed.scanned
    html = pushed.html_url or f"{DEFAULT_SERVER_URL}/{pushed.repo}"
    pull_options = PullOptions(dry_run=options.dry_run)
    if options.dry_run:
        pull_documents(pulled, postmortems, pushed.issues, config, arguments, html, pull_options)
    else:
        with Lock(config.root):
            pull_documents(pulled, postmortems, pushed.issues, config, arguments, html, pull_options)
    return SyncResult(pushed, pulled)


@dataclass(frozen=True)
class OverdueOptions:
    today: dt.date
    within: int
    offline: bool = False
    label: bool = False
    remind: bool = False
    digest: bool = False
    dry_run: bool = False


@dataclass
class OverdueResult:
    report: OverdueReport
    diagnostics: list[Diagnostic]
    reminders: ReminderResult | None = None
    online: bool = False


def overdue(
    arguments: list[str],
    config: Config,
    options: OverdueOptions,
    *,
    environ: Mapping[str, str] | None = None,
    tracker_factory: TrackerFactory | None = None,
) -> OverdueResult:
    """Open items past due: open by their issue when they have one (one listing),
    by the document otherwise, or by the documents alone with --offline."""
    env = os.environ if environ is None else environ
    scanned = scan(arguments, config)
    documents = [(pm, repo_path(pm.path, config)) for pm in scanned.postmortems]
    diagnostics = list(scanned.diagnostics)
    if options.offline:
        if options.label or options.remind or options.digest:
            raise UsageError("--label, --remind and --digest write to GitHub: they cannot run with --offline")
        report = find_overdue(documents, today=options.today, within=options.within, deadlines=config.deadlines)
        return OverdueResult(report, diagnostics)
    conn = connection(config, env)
    tracker = (tracker_factory or GitHubTracker)(conn)
    if options.label or options.remind or options.digest:
        info = tracker.repository()
        if not info.private and not config.push.allow_public:
            raise ConfigError(
                f"{conn.repo} is a public repository; refusing to write overdue labels, reminders or a digest there",
                "they carry postmortem items and owners; set `push.allow_public: true` if that is intended",
            )
    issues = tracker.list_issues(config.labels.managed)
    markers = markers_of(issues)
    report = find_overdue(
        documents,
        repo=conn.repo,
        by_number={i.number: i for i in issues},
        by_identity=index_issues(issues, markers),
        today=options.today,
        within=options.within,
        deadlines=config.deadlines,
    )
    result = OverdueResult(report, diagnostics, online=True)
    if options.label or options.remind or options.digest:
        reminders = Reminders(tracker, config.overdue, config.labels.managed, dry_run=options.dry_run)
        item_issues = [i for i in issues if markers.get(i.number) is not None and markers[i.number].kind == "item"]
        if options.label:
            reminders.label(report, item_issues)
        if options.remind:
            reminders.remind(report)
        if options.digest:
            reminders.digest(report, issues)
        result.reminders = reminders.result
    return result


def report(
    arguments: list[str],
    config: Config,
    *,
    today: dt.date,
    since: dt.date | None,
    offline: bool,
    environ: Mapping[str, str] | None = None,
    tracker_factory: TrackerFactory | None = None,
) -> tuple[Report, list[Diagnostic]]:
    """Follow-up metrics: from the managed issues (one listing), or from the documents alone with --offline."""
    env = os.environ if environ is None else environ
    scanned = scan(arguments, config)
    documents = [(pm, repo_path(pm.path, config)) for pm in scanned.postmortems]
    diagnostics = list(scanned.diagnostics)
    if offline:
        return build_report(documents, today=today, since=since, deadlines=config.deadlines), diagnostics
    conn = connection(config, env)
    tracker = (tracker_factory or GitHubTracker)(conn)
    issues = tracker.list_issues(config.labels.managed)
    markers = markers_of(issues)
    built = build_report(
        documents,
        today=today,
        since=since,
        deadlines=config.deadlines,
        repo=conn.repo,
        issues=issues,
        by_identity=index_issues(issues, markers),
    )
    return built, diagnostics
