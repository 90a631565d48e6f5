"""Start-up cost: `pmsync scan examples/postmortems` against importing its parsers.

    python -m benchmarks.bench_startup [--runs 5]

Times, best of `--runs` each, (a) `pmsync scan examples/postmortems` as a user
runs it (a fresh interpreter, the console script's module) and (b)
`python -c "import markdown_it, yaml, click"`, the floor any pmsync command pays,
and prints both and their ratio. A scheduled run that never talks to GitHub
should not pay for a GitHub client: the target is a ratio of at most 3.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0


def best_of(command: list[str], runs: int) -> float:
    """The fastest of `runs` wall-clock times of `command`, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    floor = best_of([sys.executable, "-c", "import markdown_it, yaml, click"], args.runs)
    scan = best_of([sys.executable, "-m", "pmsync", "scan", "examples/postmortems"], args.runs)
    ratio = scan / floor
    print(f"import markdown_it, yaml, click: {floor * 1000:.0f} ms (best of {args.runs})")
    print(f"pmsync scan examples/postmortems: {scan * 1000:.0f} ms (best of {args.runs})")
    print(f"ratio: {ratio:.1f}x (target <= {TARGET_RATIO:.0f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
