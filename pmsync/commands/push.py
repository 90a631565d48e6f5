"""`pmsync push`: plan against the managed issues, apply, write the links back."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pmsync.commands.context import OFFLINE_REPO, Run, connection, document_url
from pmsync.config import Config
from pmsync.documents.files import Lock
from pmsync.documents.save import Written, save_edits
from pmsync.engine.apply import Applied, Applier, Progress
from pmsync.engine.deadlines import with_deadlines
from pmsync.engine.lease import LEASE_WRITES, Lease, lease_label
from pmsync.engine.plan import (
    Conflict,
    Document,
    Plan,
    PlanSettings,
    Take,
    action_conflict,
    build_plan,
    needs_assignable,
)
from pmsync.errors import Cancelled, Interrupted, PmsyncError, RemoteError
from pmsync.github.index import IssueIndex
from pmsync.github.issues import Connection, RemoteIssue
from pmsync.github.snapshot import settle_snapshot
from pmsync.github.state import Snapshot
from pmsync.model import Diagnostic, Postmortem


@dataclass(frozen=True)
class PushOptions:
    dry_run: bool = False
    yes: bool = False
    offline: bool = False
    include_drafts: bool = False
    take: Take | None = None  # resolve chosen conflicts with one side (`sync --take`)
    close_orphans: bool = False  # close issues whose item was removed, whatever push.close_orphans says
    allow_dirty: bool = False  # file from postmortems with uncommitted changes
    any_branch: bool = False  # file from a branch other than the default
    command: str = "push"
    confirm: Callable[[Plan, str], bool] | None = None  # asks a person at a terminal before the first write


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
    saved_as: dict[str, Written] = field(default_factory=dict)  # the documents written, as read back

    @property
    def documents(self) -> list[Postmortem]:
        """The documents as they are now: as read, or as written with their links."""
        return [self.saved_as[pm.path].postmortem if pm.path in self.saved_as else pm for pm in self.scanned]

    @property
    def conflicts(self) -> list[Conflict]:
        """Items whose issue and document both changed (or two items linking one issue): left as they are."""
        return [action_conflict(a) for a in self.plan.actions if a.kind == "conflict" or a.conflicts]

    @property
    def failed(self) -> bool:
        """Something could not be done: a write failed, the run stopped, a document was left alone."""
        applied = self.applied
        if applied is not None and applied.deferred:
            return bool(applied.failures) or bool(self.not_written)
        return bool(applied and (applied.failures or applied.stopped)) or bool(self.not_written)


def push(run: Run, options: PushOptions, progress: Progress | None = None) -> PushResult:
    """Plan against the managed issues, apply the plan, and write the links back."""
    run.require_documents("push")
    result = push_run(run, options, progress)
    run.remember(result.saved_as)
    return result


def push_run(run: Run, options: PushOptions, progress: Progress | None = None) -> PushResult:
    if options.dry_run or options.offline:
        return _push(run, options, progress)
    # The whole run holds the checkout's lock, listing and planning included: a second
    # run waits, then plans against what the first one filed.
    with Lock(run.config.root):
        return _push(run, options, progress)


def _settings(config: Config, conn: Connection, options: PushOptions, whole_scope: bool) -> PlanSettings:
    push = config.push
    return PlanSettings(
        repo=conn.repo,
        managed_label=config.labels.managed,
        priority_labels=config.labels.priority,
        kind_labels=config.labels.kind,
        include_drafts=options.include_drafts or push.include_drafts,
        require_reviewed=push.require_reviewed,
        close_orphans=push.close_orphans or options.close_orphans,
        milestone=push.milestone,
        issue_type=push.issue_type,
        team_mentions=push.team_mentions,
        document_url=document_url(config, conn),
        parent_issue=push.parent_issue,
        orphans_everywhere=whole_scope,
        file_done=push.file_done,
        offline=options.offline,
        take=options.take,
    )


def _push(run: Run, options: PushOptions, progress: Progress | None) -> PushResult:
    config = run.config
    documents = [Document(with_deadlines(pm, config.deadlines), path) for pm, path in run.documents]
    whole_scope = not run.arguments
    if options.offline:
        offline = Config(repository=config.repository or run.environ.get("GITHUB_REPOSITORY") or OFFLINE_REPO)
        conn = connection(offline, run.environ, need_token=False)
        plan = build_plan(documents, [], _settings(config, conn, options, whole_scope))
        return PushResult(conn.repo, plan, run.diagnostics, scanned=run.postmortems)

    conn = run.connection
    if not options.dry_run:
        run.refuse_wrong_place(options.command, allow_dirty=options.allow_dirty, any_branch=options.any_branch)
    run.refuse_public("file postmortem action items", "postmortems often hold internal details")
    info = run.info
    if info.archived:
        raise RemoteError(f"{conn.repo} is archived and read-only", "unarchive it, or set `repository:` to another")
    snapshot = run.snapshot
    issues = snapshot.issues
    _check_label_not_lost(documents, issues, conn.repo, config.labels.managed)
    settings = _settings(config, conn, options, whole_scope)
    plan = _plan(run, documents, issues, settings)
    result = PushResult(
        conn.repo, plan, run.diagnostics, issues=issues, html_url=info.html_url, scanned=run.postmortems
    )
    if options.dry_run:
        return result
    # A person at a terminal answers before anything is written, the lease included:
    # "no" leaves GitHub untouched. Their answer stands in for the caps.
    _confirm(plan, conn.repo, config, options)
    try:
        if not plan.creates:
            _apply(run, result, snapshot, progress)
            return result
        # About to file issues: hold the lease so no other runner files the same items,
        # then plan again against what changed on GitHub since this run started.
        with Lease(run.tracker, lease_label(config.labels.managed), _checkout_id(config)):
            seen = {i.number: i.updated_at for i in issues}
            fresh = {i.number: i for i in run.tracker.list_issues(config.labels.managed, since=info.server_time)}
            if any(seen.get(number) != issue.updated_at for number, issue in fresh.items()):
                issues = [fresh.pop(i.number, i) for i in issues] + list(fresh.values())
                result.issues = issues
                result.plan = _plan(run, documents, issues, settings)
                if options.confirm is None or _grew(result.plan, plan):
                    # A person who said yes is asked again only when the plan grew while this run waited.
                    _confirm(result.plan, conn.repo, config, options, again=True)
            _apply(run, result, snapshot, progress, reserved=LEASE_WRITES)
    except KeyboardInterrupt:
        raise Interrupted("interrupted: " + done_so_far(result)) from None
    return result


def _confirm(plan: Plan, repo: str, config: Config, options: PushOptions, *, again: bool = False) -> None:
    """Ask the person at a terminal; without one, check the caps."""
    if options.confirm is not None and plan.write_count:
        if not options.confirm(plan, repo):
            if again:
                raise Cancelled("cancelled after planning again: no issue was written")
            raise Cancelled("cancelled: nothing was written")
        return
    _check_caps(plan, config, options)


def _grew(plan: Plan, confirmed: Plan) -> bool:
    """The plan made again does more than the one a person agreed to."""
    return (
        plan.write_count > confirmed.write_count or plan.creates > confirmed.creates or plan.closes > confirmed.closes
    )


def _checkout_id(config: Config) -> str:
    """This checkout, as the lease names its holder: runs in it take turns under its lock."""
    where = f"{socket.gethostname()}:{os.path.realpath(config.root)}"
    return hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _plan(run: Run, documents: list[Document], issues: list[RemoteIssue], settings: PlanSettings) -> Plan:
    config = run.config
    index = IssueIndex.of(issues)
    assignable = run.tracker.assignable() if needs_assignable(documents, index, settings.repo) else None
    plan = build_plan(documents, index, settings, assignable=assignable)
    if plan.labels and (issues or plan.write_count > config.push.write_budget):
        # Labels not seen on any managed issue may still exist (an earlier run made
        # them before stopping at its write budget): one read saves a write per label.
        # A first run that fits its budget skips the read: a 422 "already exists" is harmless.
        existing = {name.lower() for name in run.tracker.labels()}
        plan = replace(plan, labels=tuple(label for label in plan.labels if label.name.lower() not in existing))
    return plan


def _apply(run: Run, result: PushResult, snapshot: Snapshot, progress: Progress | None, reserved: int = 0) -> None:
    """Apply the plan within the write budget, of which the run spends `reserved` on the lease."""
    config = run.config
    conn = run.connection
    info = run.info
    issues = result.issues
    applier = Applier(
        run.tracker,
        result.plan,
        repo_html=info.html_url,
        managed=config.labels.managed,
        document_link=lambda path: f"{document_url(config, conn).rstrip('/')}/{path}",
        progress=progress,
        budget=config.push.write_budget,
        spent=reserved,
    )
    try:
        result.applied = applier.run()
    finally:
        # Whatever happened, record the links of the issues that now exist.
        applied = result.applied = result.applied or applier.result
        save_edits(applied.edits, run.scanned, config, run.root, result)
        updated = applied.issues
        known = {i.number for i in issues}
        result.issues = [updated.get(i.number, i) for i in issues] + [i for n, i in updated.items() if n not in known]
        settle_snapshot(
            run.tracker,
            config.root,
            config.labels.managed,
            snapshot,
            result.issues,
            wrote=bool(applied.outcomes),
            outcome_unknown=bool(applied.failures) or (bool(applied.stopped) and not applied.deferred),
            run_start=info.server_time,
        )


def done_so_far(result: PushResult) -> str:
    """What an interrupted run had done: "created #18–#21, closed #5; their links are written"."""
    applied = result.applied
    by_verb: dict[str, list[int]] = {}
    for outcome in applied.outcomes if applied is not None else []:
        if outcome.ok and outcome.number is not None:
            verb = _DONE.get(outcome.action.kind, outcome.action.kind)
            by_verb.setdefault(verb, []).append(outcome.number)
    if not by_verb:
        return "nothing was written yet"
    text = ", ".join(f"{verb} {_ranges(numbers)}" for verb, numbers in by_verb.items())
    if result.not_written:
        return f"{text}; their links could not all be written ({result.not_written[0]}): the next run finds them"
    return f"{text}; their links are written" if result.written else text


_DONE = {"create": "created", "update": "updated", "close": "closed", "reopen": "reopened", "adopt": "adopted"}
_DONE |= {"close_orphan": "closed", "close_duplicate": "closed"}


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    ordered = sorted(set(numbers))
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(f"#{start}" if start == previous else f"#{start}–#{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)


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
