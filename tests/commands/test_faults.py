"""Fault matrix: a push dies or stumbles at every request, and the next runs converge.

A clean push of the example postmortems and two corpus documents is recorded
first: its request sequence, the issues it leaves on GitHub, the documents'
final bytes. Then, for each request position k of that sequence and each kind
of fault, a fresh checkout and a fresh GitHub double get the same push with the
fault injected at request k, followed by pushes without faults (a second one
only if the first reports failures). Every case must converge to the clean run:

- the same issues, by marker identity: title, body, state, labels, assignees;
- at most one open issue per marker identity (no duplicate);
- every document reads as the same items as before the push;
- the documents' bytes equal the clean run's, except for issue numbers: a create
  that failed before GitHub applied it is filed again by the rerun, after the
  ones that followed it, so it gets a later number (GitHub numbers issues in
  creation order). Numbers are compared through the marker identity of the
  issue they link, so a span that links the wrong issue still fails;
- no temporary file left behind.

Fast kinds run at every position; slow kinds (a client timeout, a one-second
Retry-After, SIGKILL of a `python -m pmsync push` child) at a fixed spread of
positions. Cases run in a small pool of processes (each case changes the
working folder and the environment), and each kind prints how many faults it
injected and how many runs converged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.ghdouble import GitHubDouble

REPO = "acme/postmortems"
HERE = Path(__file__).resolve().parents[1]
ROOT = HERE.parent
EXAMPLES = ROOT / "examples" / "postmortems"
CORPUS = HERE / "fixtures" / "corpus"
DOCS = (
    *sorted(p.name for p in EXAMPLES.glob("*.md")),  # four examples, one of them a draft
    "013_chia-keybase-perms-crlf.md",  # CRLF line breaks
    "012_chia-dust-storm-crlf.md",  # CRLF, two items sharing one line
)
ASSIGNABLE = ("rmensah", "kwame", "lchen", "tgarcia", "snakamura", "hfischer", "ebakker", "ncarter", "priya-k")
CLIENT_TIMEOUT = 1  # seconds: the timeout given to pmsync's client for the timeout cases
KILL_HOLD = 0.5  # seconds the double holds the request the child is killed in
WORKERS = (os.cpu_count() or 2) + 2  # more than the CPUs: slow cases mostly sleep

_SPAN_LINK = re.compile(rb"\[#(\d+)\]\(https://github\.com/acme/postmortems/issues/(\d+)\)")


@dataclass(frozen=True)
class Kind:
    name: str
    fault: dict[str, Any] | None  # Fault(**fault); None for a kill
    slow: bool = False  # a spread of positions (see `spread`) instead of every one
    every: int | None = None  # slow kinds: also one position in every this many
    auth: bool = False  # the faulted run must end with exit 4
    only: tuple[int | str, ...] = ()  # these positions and no others ("save": while saving a document)


KINDS = (
    Kind("500", {"status": 500}),
    Kind("502-after-applied", {"status": 502, "after": True}),
    Kind("drop", {"drop": True}),
    Kind("drop-after-applied", {"drop": True, "after": True}),
    Kind("403-secondary-rate-limit", {"status": 403, "headers": {"Retry-After": "0"}}),
    Kind("429-retry-after", {"status": 429, "headers": {"Retry-After": "0"}}),
    Kind("401", {"status": 401}, auth=True),
    Kind("timeout", {"delay": CLIENT_TIMEOUT + 0.6}, slow=True, every=10),
    Kind("403-secondary-retry-after-1s", {"status": 403, "headers": {"Retry-After": "1"}}, slow=True),
    Kind("429-retry-after-1s", {"status": 429, "headers": {"Retry-After": "1"}}, slow=True),
    Kind("sigkill", None, slow=True),
    Kind("sigkill-while-saving", None, slow=True, only=("save",)),
)


@dataclass
class Outcome:
    kind: str
    position: int | str
    problems: list[str] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    renumbered: bool = False  # documents differ from the clean run in issue numbers only

    @property
    def converged(self) -> bool:
        return not self.problems


# -- running pmsync in a worker process -------------------------------------------------------


def _source(name: str) -> bytes:
    for folder in (EXAMPLES, CORPUS):
        if (folder / name).is_file():
            return (folder / name).read_bytes()
    raise FileNotFoundError(name)


def _prepare(root: Path, cache: dict[str, bytes] | None = None) -> None:
    (root / "postmortems").mkdir(parents=True)
    for name in DOCS:
        (root / "postmortems" / name).write_bytes(_source(name))
    config = {"repository": REPO, "paths": ["postmortems/*.md"], "push": {"write_delay": 0, "max_creates": 200}}
    (root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for relative, data in (cache or {}).items():
        # The clean run's scan cache (by path and content): the first scan of a
        # case then parses nothing, which keeps hundreds of cases affordable.
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)


def _cache_files(root: Path) -> dict[str, bytes]:
    folder = root / ".pmsync" / "cache"
    return {str(p.relative_to(root)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _double() -> GitHubDouble:
    from tests.ghdouble import GitHubDouble

    double = GitHubDouble().start()
    double.add_repo(REPO, private=True, assignees=ASSIGNABLE)
    return double


_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "PYTHONHASHSEED", "SYSTEMROOT")


def _enter(root: Path, double: GitHubDouble) -> None:
    # A small environment: no GitHub variables from outside, and requests scans
    # the whole environment for proxy settings on every request.
    for name in list(os.environ):
        if name not in _KEEP:
            del os.environ[name]
    os.environ.update(GITHUB_TOKEN="test-token", GITHUB_API_URL=double.url, NO_COLOR="1")
    os.chdir(root)


def _push() -> tuple[int, str]:
    """`pmsync push` in this process: exit code and everything it printed."""
    from pmsync.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["push"])
    return code, out.getvalue()


def _settle(double: GitHubDouble, timeout: float = 15.0) -> None:
    """Wait until the double has answered every request it held (a delayed
    request is still applied after the client gave up on it)."""
    deadline = time.monotonic() + timeout
    while any(r.fault is not None and r.fault.delay and r.status is None for r in list(double.requests)):
        if time.monotonic() > deadline:
            raise TimeoutError("the double still holds a delayed request")
        time.sleep(0.01)


def _items(name: str, data: bytes) -> list[tuple[str, str, int, int]]:
    from pmsync.config import Config
    from pmsync.extract import extract_document

    pm = extract_document(f"postmortems/{name}", data, Config())
    return [(item.key, item.title, item.line, item.end_line) for item in pm.items]


def _observe(double: GitHubDouble, root: Path) -> dict[str, Any]:
    """What a run left behind: issues by marker identity, documents, stray files."""
    from pmsync.github.content import parse_marker

    identity_of: dict[int, str] = {}
    issues = []
    for issue in double.issues(REPO):
        marker = parse_marker(issue.body)
        identity = f"{marker.kind}:{marker.path}:{marker.key}" if marker else f"unmarked:{issue.title}"
        identity_of[issue.number] = identity
        issues.append(
            (
                identity,
                issue.title,
                issue.body,
                issue.state,
                issue.state_reason,
                tuple(sorted(issue.labels)),
                tuple(sorted(issue.assignees)),
                issue.milestone,
            )
        )

    def normalize(data: bytes) -> bytes:
        def link(match: re.Match[bytes]) -> bytes:
            ident = identity_of.get(int(match[1]), f"no-such-issue:{match[1].decode()}").encode()
            same = b"" if match[1] == match[2] else b" MISMATCHED-URL"
            return b"[#" + ident + b"](issue:" + ident + same + b")"

        return _SPAN_LINK.sub(link, data)

    documents = {name: (root / "postmortems" / name).read_bytes() for name in DOCS}
    stray = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if "pmsync-tmp" in p.name or p.name.endswith(".tmp") or p.name.startswith(".~")
    )
    open_identities = Counter(row[0] for row in issues if row[3] == "open")
    return {
        "issues": sorted(issues),
        "documents": documents,
        "normalized": {name: normalize(data) for name, data in documents.items()},
        "duplicates": sorted(ident for ident, count in open_identities.items() if count > 1),
        "stray": stray,
    }


def clean_run(base: str) -> dict[str, Any]:
    """The uninterrupted push every faulted one must converge to."""
    root = Path(tempfile.mkdtemp(prefix="clean-", dir=base))
    _prepare(root)
    double = _double()
    try:
        _enter(root, double)
        code, output = _push()
        if code != 0:
            raise AssertionError(f"the clean push failed ({code}):\n{output}")
        cache = _cache_files(root)
        sequence = [(r.method, r.operation or r.path) for r in double.requests]
        observed = _observe(double, root)
        double.reset_log()
        code, output = _push()
        if code != 0 or double.writes():
            raise AssertionError(f"a second clean push was not a no-op ({code}):\n{output}")
    finally:
        double.stop()
    double.assert_no_violations()
    return {
        **observed,
        "sequence": sequence,
        "cache": cache,
        "original": {name: _source(name) for name in DOCS},
        "original_items": {name: _items(name, _source(name)) for name in DOCS},
    }


class _ShortTimeout:
    """pmsync's client timeout is fixed (20 s, no config key or variable): for the
    timeout cases the tracker is built with a short one instead."""

    def __enter__(self) -> None:
        from pmsync.github.client import GitHubTracker

        self.original = GitHubTracker.__init__
        original = self.original

        def init(tracker: GitHubTracker, connection: Any, **options: Any) -> None:
            original(tracker, dataclasses.replace(connection, timeout=CLIENT_TIMEOUT), **options)

        GitHubTracker.__init__ = init  # type: ignore[method-assign,assignment]

    def __exit__(self, *exc: object) -> None:
        from pmsync.github.client import GitHubTracker

        GitHubTracker.__init__ = self.original  # type: ignore[method-assign]


def _child_env(double: GitHubDouble) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
    env.update(
        GITHUB_TOKEN="test-token",
        GITHUB_API_URL=double.url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    )
    return env


# Started instead of `python -m pmsync push` to kill the child while it saves a
# document: the first fsync of a temporary file says so and then waits.
_SLOW_SAVE = """
import os, pathlib, runpy, sys, time
flag = pathlib.Path(sys.argv[1])
def fsync(fd):
    flag.write_text("saving")
    time.sleep(60)
os.fsync = fsync
sys.argv = ["pmsync", "push"]
runpy.run_module("pmsync", run_name="__main__", alter_sys=True)
"""


def _kill_child(root: Path, double: GitHubDouble, position: int | str) -> list[str]:
    """Start `python -m pmsync push` and SIGKILL it while the double holds its
    `position`-th request (or while it saves a document). Problems found."""
    from tests.ghdouble import Fault

    problems: list[str] = []
    flag = root / "saving.flag"
    if position == "save":
        argv = [sys.executable, "-c", _SLOW_SAVE, str(flag)]
    else:
        assert isinstance(position, int)
        double.inject(Fault(delay=KILL_HOLD), at=position)
        argv = [sys.executable, "-m", "pmsync", "push"]
    child = subprocess.Popen(
        argv, cwd=root, env=_child_env(double), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not (flag.exists() if position == "save" else any(r.fault for r in list(double.requests))):
            if child.poll() is not None:
                problems.append(f"the child ended ({child.returncode}) before it could be killed")
                break
            if time.monotonic() > deadline:
                problems.append("the child never reached the point to kill it at")
                break
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
    finally:
        _out, err = child.communicate(timeout=30)
    flag.unlink(missing_ok=True)
    if child.returncode != -signal.SIGKILL:
        problems.append(f"the child was not killed (exit {child.returncode}): {err[-500:]}")
    _settle(double)
    return problems


def fault_case(kind: Kind, position: int | str, base: str, clean: dict[str, Any]) -> Outcome:
    outcome = Outcome(kind.name, position)
    root = Path(tempfile.mkdtemp(prefix=f"{kind.name}-{position}-", dir=base))
    _prepare(root, clean["cache"])
    double = _double()
    try:
        _enter(root, double)
        timeout = _ShortTimeout() if kind.name == "timeout" else contextlib.nullcontext()
        with timeout:
            if kind.fault is None:
                outcome.problems += _kill_child(root, double, position)
            else:
                from tests.ghdouble import Fault

                double.inject(Fault(**kind.fault), at=int(position))
                code, output = _push()
                outcome.codes.append(code)
                _check_output("faulted run", code, output, outcome)
                expected = {4} if kind.auth else {0, 1}
                if code not in expected:
                    outcome.problems.append(f"faulted run: exit {code}, expected one of {sorted(expected)}")
                _settle(double)
            for attempt in ("first rerun", "second rerun"):
                code, output = _push()
                outcome.codes.append(code)
                _check_output(attempt, code, output, outcome)
                if code == 0:
                    break
            else:
                outcome.problems.append(f"no rerun succeeded: exits {outcome.codes}")
        _compare(_observe(double, root), clean, outcome)
    except Exception:  # a case that cannot even be run is a failure to report, not a crash of the pool
        outcome.problems.append("case crashed:\n" + traceback.format_exc())
    finally:
        double.stop()
    outcome.problems += [f"double: {v}" for v in double.violations]
    if outcome.converged:
        shutil.rmtree(root, ignore_errors=True)
    else:
        outcome.problems.append(f"(checkout kept in {root})")
    return outcome


def _check_output(run: str, code: int, output: str, outcome: Outcome) -> None:
    if "Traceback" in output or "internal error" in output:
        outcome.problems.append(f"{run}: traceback or internal error (exit {code}):\n{output[-1500:]}")


def _compare(seen: dict[str, Any], clean: dict[str, Any], outcome: Outcome) -> None:
    problems = outcome.problems
    if seen["duplicates"]:
        problems.append(f"more than one open issue for {seen['duplicates']}")
    if seen["issues"] != clean["issues"]:
        have = {row[0]: row for row in seen["issues"]}
        want = {row[0]: row for row in clean["issues"]}
        extra = Counter(row[0] for row in seen["issues"]) - Counter(row[0] for row in clean["issues"])
        missing = sorted(set(want) - set(have))
        differ = sorted(i for i in set(want) & set(have) if want[i] != have[i])
        problems.append(
            f"issues differ from the clean run: {len(seen['issues'])} vs {len(clean['issues'])}; "
            f"extra {sorted(extra.elements())}, missing {missing}, different {differ}"
        )
        for ident in differ[:3]:
            problems.append(f"  {ident}:\n    clean {want[ident][1:]!r}\n    here  {have[ident][1:]!r}")
    for name in DOCS:
        # The clean run's documents read as the original items (checked once, in
        # test_clean_run_request_sequence); the same bytes read the same.
        same = seen["documents"][name] == clean["documents"][name]
        if not same and _items(name, seen["documents"][name]) != clean["original_items"][name]:
            problems.append(f"{name}: the items read differently from the original document")
        if seen["normalized"][name] != clean["normalized"][name]:
            problems.append(f"{name}: bytes differ from the clean run's beyond issue numbers")
        elif seen["documents"][name] != clean["documents"][name]:
            outcome.renumbered = True
    if seen["stray"]:
        problems.append(f"temporary files left behind: {seen['stray']}")


def _init_worker() -> None:
    warnings.simplefilter("error")  # as in the test run itself: a warning is a failure
    # The double answers from a thread of the same process: hand the GIL over
    # sooner than every 5 ms, or each request waits for it.
    sys.setswitchinterval(0.0005)


# -- the tests ------------------------------------------------------------------------------------


def spread(sequence: list[tuple[str, str]], *, every: int | None = None) -> list[int]:
    """A fixed spread of request positions: the first request of each operation,
    every update, the last one, and with `every` one in every that many."""
    n = len(sequence)
    chosen = {n, *(range(1, n + 1, every) if every else ())}
    firsts: dict[tuple[str, str], int] = {}
    for index, request in enumerate(sequence, start=1):
        firsts.setdefault(request, index)
        if request[0] == "PATCH":
            chosen.add(index)
    chosen.update(firsts.values())
    return sorted(chosen)


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context, initializer=_init_worker) as executor:
        yield executor


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("faults"))


@pytest.fixture(scope="module")
def clean(pool: ProcessPoolExecutor, workdir: str) -> dict[str, Any]:
    return pool.submit(clean_run, workdir).result(timeout=120)


@pytest.fixture(scope="module")
def matrix(pool: ProcessPoolExecutor, workdir: str, clean: dict[str, Any]) -> dict[str, list[Future[Outcome]]]:
    """Every case submitted at once, so the pool stays busy while the tests
    below wait for their kind in turn."""
    n = len(clean["sequence"])
    positions: dict[str, list[int | str]] = {}
    for kind in KINDS:
        chosen: list[int | str] = list(spread(clean["sequence"], every=kind.every) if kind.slow else range(1, n + 1))
        positions[kind.name] = list(kind.only) or chosen
    slow = [(kind, p) for kind in KINDS if kind.slow for p in positions[kind.name]]
    fast = [(kind, p) for kind in KINDS if not kind.slow for p in positions[kind.name]]
    # Slow cases mostly sleep: spread them among the fast ones to keep the CPUs busy.
    every = max(1, len(fast) // max(1, len(slow)))
    order = []
    for index, case in enumerate(fast):
        if index % every == 0 and slow:
            order.append(slow.pop(0))
        order.append(case)
    order += slow
    futures: dict[str, list[Future[Outcome]]] = {kind.name: [] for kind in KINDS}
    for kind, position in order:
        futures[kind.name].append(pool.submit(fault_case, kind, position, workdir, clean))
    return futures


TALLY: Counter[str] = Counter()


def _say(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        sys.stderr.write(line + "\n")


def test_clean_run_request_sequence(clean: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    sequence = clean["sequence"]
    operations = Counter(operation for _method, operation in sequence)
    _say(capsys, f"\nclean push: {len(sequence)} requests: " + ", ".join(f"{op} x{n}" for op, n in operations.items()))
    assert sequence[:2] == [("GET", "repos/get"), ("GET", "issues/list-for-repo")]
    assert operations["issues/create"] == sum(1 for row in clean["issues"] if row[0].startswith("item:"))
    assert clean["duplicates"] == [] and clean["stray"] == []
    for name in DOCS:
        assert _items(name, clean["documents"][name]) == clean["original_items"][name], name
    drafts = [name for name in DOCS if clean["documents"][name] == clean["original"][name]]
    assert drafts == ["2026-11-02-login-lockouts.md"]  # the draft is not filed, so not touched
    assert operations["issues/update"] >= 1  # a done item is closed right after it is filed


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_fault_at_every_request_converges(
    kind: Kind, matrix: dict[str, list[Future[Outcome]]], capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = [future.result(timeout=300) for future in matrix[kind.name]]
    converged = [o for o in outcomes if o.converged]
    renumbered = sum(o.renumbered for o in converged)
    TALLY["injected"] += len(outcomes)
    TALLY["converged"] += len(converged)
    where = "every request" if not kind.slow else "positions " + ",".join(str(o.position) for o in outcomes)
    _say(
        capsys,
        f"{kind.name}: faults injected: {len(outcomes)}, converged: {len(converged)} "
        f"({where}; {renumbered} with later issue numbers)",
    )
    failed = [o for o in outcomes if not o.converged]
    report = "\n".join(f"-- {o.kind} at {o.position} (exits {o.codes}):\n" + "\n".join(o.problems) for o in failed[:4])
    assert not failed, (
        f"{len(failed)} of {len(outcomes)} did not converge, at {[o.position for o in failed]}:\n{report}"
    )


def test_fault_totals(capsys: pytest.CaptureFixture[str]) -> None:
    """The sum over the kinds above (each kind asserts its own cases converged)."""
    _say(capsys, f"faults injected: {TALLY['injected']}, converged: {TALLY['converged']}")
    assert TALLY["injected"] > 0
