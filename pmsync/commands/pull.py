"""`pmsync pull`: write each issue's status next to its item in the documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pmsync.commands.context import Run
from pmsync.documents.files import Lock, read_source
from pmsync.documents.save import Written, record, repo_path, save_with_spans, unified_diff
from pmsync.documents.scan import content_digest
from pmsync.documents.writeback import apply_edits
from pmsync.engine.pull import DocumentUpdate, PullSettings, plan_document
from pmsync.extract.text import decode
from pmsync.github.index import IssueIndex
from pmsync.github.issues import RemoteIssue
from pmsync.github.snapshot import save_snapshot
from pmsync.model import Diagnostic, Postmortem


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
    saved_as: dict[str, Written] = field(default_factory=dict)

    @property
    def conflicts(self) -> list[str]:
        return [c for u in self.updates for c in u.conflicts]

    @property
    def out_of_date(self) -> list[str]:
        return sorted(self.diffs)


def pull(run: Run, options: PullOptions) -> PullResult:
    """Write each issue's status next to its item (or, checking, only say what would change)."""
    run.require_documents("update")
    if options.dry_run or options.check:
        return _pull(run, options)
    with Lock(run.config.root):
        result = _pull(run, options)
    run.remember(result.saved_as)
    return result


def _pull(run: Run, options: PullOptions) -> PullResult:
    conn = run.connection
    snapshot = run.snapshot
    result = PullResult(conn.repo, [], run.diagnostics)
    html = f"{conn.server_url.rstrip('/')}/{conn.repo}"
    pull_documents(result, run.postmortems, snapshot.issues, run, html, options)
    if not (options.dry_run or options.check):
        save_snapshot(conn.repo, run.config.root, run.config.labels.managed, snapshot, snapshot.issues)
    return result


def pull_documents(
    result: PullResult,
    postmortems: Sequence[Postmortem],
    issues: list[RemoteIssue],
    run: Run,
    repo_html: str,
    options: PullOptions,
    written: Mapping[str, Written] | None = None,
) -> None:
    """Compute each document's status edits against `issues`, show or write them.

    `written`: documents this run saved since the scan (push's links), as read back then."""
    config = run.config
    settings = PullSettings(
        repo=result.repo,
        repo_html=repo_html,
        task_lists=config.writeback.task_lists,
        status_table=config.writeback.status_table,
    )
    index = IssueIndex.of(issues)
    for pm in postmortems:
        source = read_source(pm.path, run.root)
        if source.data is None:
            result.not_written.append(f"{pm.path}: {source.problem}")
            continue
        lines = decode(source.data).text.split("\n")
        update = plan_document(pm, repo_path(pm.path, config), settings, index, lines)
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
        saved = (written or {}).get(pm.path)
        as_scanned = (
            saved.digest == content_digest(pm.path, source.data)
            if saved
            else run.scanned.unchanged(pm.path, source.data)
        )
        outcome = save_with_spans(pm.path, source.data, update.edits, config, pm, run.root, as_scanned, replacements)
        record(result, pm.path, outcome)
