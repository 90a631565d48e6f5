"""A lease on GitHub, so two runners (two checkouts, or a local run and the
scheduled Action) never file the same items at once.

Creating a label is atomic on GitHub: of two runs that create the same label,
one gets 201 and the other 422 "already exists". A run takes the lease only
when its plan creates issues (a run with nothing to create never pays for it),
then lists what changed since it started and plans again, so anything the
other runner filed is adopted instead of filed twice. The lease names its holder
(a checkout: runs in one checkout take turns under its lock, so a lease held by
the same checkout belongs to a run that died) and expires (its description says
when), so a run killed while holding it blocks nobody for long.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from types import TracebackType

from pmsync.errors import PmsyncError, RemoteError
from pmsync.github.issues import Tracker

LEASE_TTL = dt.timedelta(minutes=30)  # longer than a run at its write budget and write delay
LEASE_WRITES = 2  # taking and giving back the lease: part of the run's write budget
LEASE_WAIT = 600.0  # seconds a run waits for another runner's lease before giving up
_EXPIRES = "expires "
_HOLDER = "holder "


def lease_label(managed: str) -> str:
    return f"{managed[:40]}:lease"


class Lease:
    """`with Lease(tracker, name):` holds the lease for the block (waiting for it first)."""

    def __init__(
        self,
        tracker: Tracker,
        name: str,
        holder: str,
        *,
        wait: float = LEASE_WAIT,
        poll: float = 1.0,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tracker = tracker
        self.name = name
        self.holder = holder
        self.wait = wait
        self.poll = poll
        self.now = now
        self.sleep = sleep
        self.waited = False  # another runner held it when this run asked

    def __enter__(self) -> Lease:
        deadline = time.monotonic() + self.wait
        while True:
            expires = (self.now() + LEASE_TTL).strftime("%Y-%m-%dT%H:%M:%SZ")
            description = f"pmsync: a run is filing issues; {_HOLDER}{self.holder}; {_EXPIRES}{expires}"
            if self.tracker.create_label(self.name, "ededed", description):
                return self
            self.waited = True
            held = self.tracker.label_description(self.name)
            if held is not None and (self._expired(held) or f"{_HOLDER}{self.holder};" in held):
                self.tracker.delete_label(self.name)  # its run died holding it (or is this checkout's)
                continue
            if time.monotonic() > deadline:
                raise RemoteError(
                    f"another pmsync run is filing issues in {self.tracker.repo} (label '{self.name}') "
                    f"and still was after {self.wait:g} s",
                    "run again later; a lease left by a run that died expires by itself",
                )
            if held is not None:
                self.sleep(self.poll)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            self.tracker.delete_label(self.name)
        except PmsyncError:
            if kind is None:
                raise
            # The run already failed; its error says more. The lease expires by itself.

    def _expired(self, description: str) -> bool:
        _, found, when = description.partition(_EXPIRES)
        if not found:
            return True  # not a lease pmsync wrote: nothing to wait for
        try:
            expires = dt.datetime.strptime(when.strip()[:20], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return True
        return expires <= self.now()
