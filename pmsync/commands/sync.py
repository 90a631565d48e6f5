"""`pmsync sync`: push, then pull, with one scan and one listing of the managed issues."""

from __future__ import annotations

from dataclasses import dataclass

from pmsync.commands.context import Run
from pmsync.commands.pull import PullOptions, PullResult, pull_documents
from pmsync.commands.push import PushOptions, PushResult, push_run
from pmsync.documents.files import Lock
from pmsync.engine.apply import Progress
from pmsync.github.issues import DEFAULT_SERVER_URL


@dataclass
class SyncResult:
    push: PushResult
    pull: PullResult

    @property
    def failed(self) -> bool:
        return self.push.failed or bool(self.pull.not_written)


def sync(run: Run, options: PushOptions, progress: Progress | None = None) -> SyncResult:
    """Push, then pull, with one scan and one listing of the managed issues."""
    run.require_documents("push")
    pushed = push_run(run, options, progress)
    pulled = PullResult(pushed.repo, [])
    # The documents push wrote links into were read back once to check the write: pull
    # works on that reading, and on the scan's for the others. Nothing is parsed twice.
    postmortems = pushed.documents
    html = pushed.html_url or f"{DEFAULT_SERVER_URL}/{pushed.repo}"
    pull_options = PullOptions(dry_run=options.dry_run)
    if options.dry_run:
        pull_documents(pulled, postmortems, pushed.issues, run, html, pull_options, pushed.saved_as)
    else:
        with Lock(run.config.root):
            pull_documents(pulled, postmortems, pushed.issues, run, html, pull_options, pushed.saved_as)
    run.remember(pushed.saved_as | pulled.saved_as)
    return SyncResult(pushed, pulled)
