"""Scale suite: many postmortems against the GitHub double, real PyGithub.

    python -m benchmarks.bench_scale [--docs 10000] [--keep DIR]

Prints, one figure per line: cold scan on one core and on all cores, warm scan
(nothing changed), the first push's requests, the first sync (it writes each
issue's status into the documents), a no-op sync on a fresh checkout with a new
token (requests, writes, seconds, peak memory), and a sync after 1% of
the items changed (writes, reads). pmsync runs in a subprocess, as a user runs
it, so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import generate_corpus
from pmsync.config import Config
from pmsync.documents.scan import default_jobs, scan
from tests.ghdouble import GitHubDouble

REPO = "acme/postmortems"
ROOT = Path(__file__).resolve().parent.parent


def _pmsync(root: Path, double: GitHubDouble, token: str, *args: str) -> tuple[int, float, float]:
    """Run pmsync in a subprocess: (exit code, seconds, peak memory in MB).

    The peak is the pmsync process's own high-water mark (VmHWM), read by the
    process as it ends. Not ru_maxrss: Linux carries that over exec from the
    process that started it, here the benchmark holding the whole double.
    """
    env = {**os.environ, "GITHUB_TOKEN": token, "GITHUB_API_URL": double.url, "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_ACTIONS", None)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_PEAK, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        print(done.stderr[-2000:], file=sys.stderr)
    peaks = re.findall(r"^@@peak (\d+)$", done.stderr, re.M)
    return done.returncode, seconds, int(peaks[-1]) / 1024 if peaks else float("nan")  # VmHWM is in KiB


# pmsync's CLI, then its own peak memory on stderr.
_REPORT_PEAK = """
import sys
from pmsync.cli import main
try:
    code = main(sys.argv[1:])
finally:
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1]
    print(f"@@peak {peak}", file=sys.stderr)
raise SystemExit(code)
"""


def _counts(double: GitHubDouble) -> tuple[int, int, int]:
    writes = len(double.writes())
    return len(double.requests), writes, len(double.requests) - writes


def _change_one_percent(docs: Path, rng: random.Random) -> int:
    """Reword about 1% of the linked items (the line of each keeps its link)."""
    changed = 0
    files = sorted(docs.rglob("*.md"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if " · [#" in line and rng.random() < 0.01:
                lines[index] = re.sub(r"^(\s*(?:[-*]|\d+\.)\s+(?:\[[ x]\]\s+)?)", r"\1Revised: ", line, count=1)
                changed += lines[index] != line
        path.write_text("\n".join(lines), encoding="utf-8")
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="generate into this (empty) folder and keep it")
    parser.add_argument("--scan-only", action="store_true", help="measure the scans only (no GitHub double)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="pmsync-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    docs = work / "postmortems"
    items = generate_corpus(docs, args.docs, seed=7)
    (work / "pmsync.yaml").write_text(
        f"repository: {REPO}\npaths: ['postmortems/**/*.md']\n"
        "push: {write_delay: 0, max_creates: 1000000, max_closes: 1000000, write_budget: 1000000,"
        " include_drafts: true}\n",
        encoding="utf-8",
    )
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"documents: {args.docs}")
    print(f"items generated: {items}")

    config = Config(paths=("postmortems/**/*.md",), root=work)
    start = time.perf_counter()
    scanned = scan([], config, jobs=1, use_cache=False)
    cold_single = time.perf_counter() - start
    print(f"cold scan, 1 core: {cold_single:.2f} s ({args.docs / cold_single:.0f} docs/s)")
    shutil.rmtree(work / ".pmsync", ignore_errors=True)
    jobs = default_jobs()
    start = time.perf_counter()
    scan([], config, jobs=jobs)
    cold_all = time.perf_counter() - start
    print(f"cold scan, {jobs} cores: {cold_all:.2f} s ({cold_single / cold_all:.2f}x one core; target >= 1.6x)")
    start = time.perf_counter()
    warm = scan([], config, jobs=jobs)
    warm_seconds = time.perf_counter() - start
    print(f"warm scan: {warm_seconds:.2f} s ({cold_single / warm_seconds:.1f}x cold one core; target >= 30x)")
    print(f"items found: {sum(len(pm.items) for pm in scanned.postmortems)} (parsed on warm scan: {warm.parsed})")

    if args.scan_only:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    with GitHubDouble(validate=False) as double:
        double.add_repo(REPO, private=True, default_labels=False)
        # The double enforces GitHub's 5,000 requests an hour; a real first import of this
        # size spreads over hours through push.write_budget. Here it runs in one go.
        double.rate_limit(limit=10**9, remaining=10**9)
        code, seconds, peak = _pmsync(work, double, "test-token", "push", "--yes")
        requests, writes, reads = _counts(double)
        print(f"first push: exit {code}, {seconds:.1f} s, {requests} requests ({writes} writes, {reads} reads),")
        print(f"  peak memory {peak:.0f} MB")

        double.reset_log()
        code, seconds, peak = _pmsync(work, double, "test-token", "sync")
        requests, writes, reads = _counts(double)
        print(f"first sync (writes statuses into the documents): exit {code}, {seconds:.1f} s, {requests} requests,")
        print(f"  {writes} writes, peak memory {peak:.0f} MB")

        # A fresh checkout: no extraction cache, and a new token, as on a new Actions runner.
        shutil.rmtree(work / ".pmsync", ignore_errors=True)
        double.add_token("fresh-token", login="github-actions[bot]", write=True)
        double.reset_log()
        code, seconds, peak = _pmsync(work, double, "fresh-token", "sync")
        requests, writes, reads = _counts(double)
        ok = requests <= 2 and writes == 0
        print(f"no-op sync, fresh checkout: exit {code}, {seconds:.1f} s, {requests} requests, {writes} writes")
        print(f"  target at most 2 requests and 0 writes: {'holds' if ok else 'DOES NOT HOLD'}")
        print(f"  peak memory: {peak:.0f} MB (target < 500 MB)")
        code, seconds, _ = _pmsync(work, double, "fresh-token", "sync")
        print(f"no-op sync, warm cache: {seconds:.1f} s")

        changed = _change_one_percent(docs, random.Random(3))
        double.reset_log()
        code, seconds, peak = _pmsync(work, double, "fresh-token", "sync")
        requests, writes, reads = _counts(double)
        limit = math.ceil(changed / 100) + 2
        print(f"sync after changing {changed} items: exit {code}, {seconds:.1f} s, {writes} writes, {reads} reads")
        print(f"  target writes == {changed}: {'holds' if writes == changed else 'DOES NOT HOLD'}")
        print(f"  target reads <= {limit}: {'holds' if reads <= limit else 'DOES NOT HOLD'}")
        print(f"  peak memory: {peak:.0f} MB")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
