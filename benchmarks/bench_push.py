"""How many requests `pmsync push` sends, against the local GitHub double.

Real PyGithub, no pause between writes (push.write_delay 0). Two scenarios:

1. A first push of N new items across K incidents: every request by kind.
2. A push with nothing to do over M managed issues: at most ceil(M/100)
   listing pages (a single `since=` page once pmsync.state.json holds the
   snapshot), at most 2 other reads (the repository, and the assignable users
   when an owner was never assigned), and no write.

A run that wrote lists once more, the issues updated since it started
(ceil(N/100) pages), so the saved snapshot also holds what people changed
meanwhile: the first push's listing pages are 1 + ceil(N/100).

Prints plain text, one figure per line, and whether each expectation holds.

Usage: python -m benchmarks.bench_push [--items N] [--incidents K] [--managed M ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pmsync.commands.context import Run  # noqa: E402
from pmsync.commands.push import PushOptions, PushResult, push  # noqa: E402
from pmsync.config import load_config  # noqa: E402
from tests.ghdouble import GitHubDouble  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = "acme/postmortems"
OWNERS = ("amina", "kwame", "lchen", "mrossi", "priya-k", "tgarcia", "hfischer", "ebakker")
VERBS = ("Add", "Alert on", "Document", "Automate", "Cap", "Rehearse", "Remove", "Review")
THINGS = (
    "replication lag",
    "connection pool saturation",
    "the failover runbook",
    "retry storms",
    "certificate expiry",
    "queue depth",
    "the deploy freeze",
    "cache stampedes",
)


def write_documents(folder: Path, items: int, incidents: int, seed: int = 7) -> None:
    """K postmortems sharing N task-list items; some done, some with a priority."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per = [items // incidents + (1 if k < items % incidents else 0) for k in range(incidents)]
    number = 0
    for k, count in enumerate(per):
        day = dt.date(2026, 1, 5) + dt.timedelta(days=7 * k)
        lines = [
            "---",
            f"title: Incident {k + 1:04d}",
            f"date: {day.isoformat()}",
            "status: reviewed",
            "---",
            "",
            f"# Incident {k + 1:04d}",
            "",
            "## Summary",
            "",
            "A dependency slowed down and its callers timed out.",
            "",
            "## Action items",
            "",
        ]
        for _ in range(count):
            number += 1
            box = "x" if rng.random() < 0.1 else " "
            priority = f" ({rng.choice(('P1', 'P2', 'P3'))})" if rng.random() < 0.5 else ""
            owner = rng.choice(OWNERS)
            due = day + dt.timedelta(days=rng.randint(7, 90))
            lines.append(
                f"- [{box}] {rng.choice(VERBS)} {rng.choice(THINGS)} #{number}{priority} — @{owner}, due {due}"
            )
        lines += ["", "## Lessons learned", "", "Timeouts need budgets.", ""]
        (folder / f"{day.isoformat()}-incident-{k + 1:04d}.md").write_text("\n".join(lines), encoding="utf-8")


@contextmanager
def checkout(items: int, incidents: int, max_creates: int) -> Iterator[tuple[GitHubDouble, Path]]:
    """A double with the repository, and a folder with documents and pmsync.yaml."""
    double = GitHubDouble(validate=False)  # schema checks are the tests' job; here they only cost time
    double.start()
    double.add_repo(REPO, private=True, assignees=OWNERS)
    previous = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="pmsync-bench-") as name:
        root = Path(name)
        write_documents(root / "postmortems", items, incidents)
        config = {
            "repository": REPO,
            "paths": ["postmortems/*.md"],
            "push": {"write_delay": 0, "max_creates": max_creates, "write_budget": 100_000},
        }
        (root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        os.chdir(root)
        try:
            yield double, root
        finally:
            os.chdir(previous)
            double.stop()


def run_push(double: GitHubDouble, root: Path) -> tuple[PushResult, float]:
    config = load_config(root / "pmsync.yaml")
    environ = {"GITHUB_TOKEN": "test-token", "GITHUB_API_URL": double.url}
    double.reset_log()
    start = time.perf_counter()
    result = push(Run.open([], config, environ=environ), PushOptions(yes=True))
    return result, time.perf_counter() - start


def line(label: str, value: object) -> None:
    print(f"  {label}: {value}")


def check(label: str, ok: bool) -> bool:
    print(f"  expectation {label}: {'holds' if ok else 'DOES NOT HOLD'}")
    return ok


def first_push(items: int, incidents: int) -> bool:
    print(f"first push: {items} new items in {incidents} incidents")
    with checkout(items, incidents, max_creates=items) as (double, root):
        result, seconds = run_push(double, root)
        ops = Counter(r.operation for r in double.requests)
        done = sum(1 for a in result.plan.of("create") if a.state not in (None, "open"))
        creates = ops.pop("issues/create", 0)
        labels = ops.pop("issues/create-label", 0)
        pages = ops.pop("issues/list-for-repo", 0)
        closes = ops.pop("issues/update", 0)
        line("requests total", len(double.requests))
        line("creates", creates)
        line("label creates", labels)
        line("listing pages", pages)
        line("closes right after create", closes)
        line("others", sum(ops.values()))
        for operation, count in sorted(ops.items(), key=lambda kv: str(kv[0])):
            line(f"  {operation}", count)
        line("writes", len(double.writes()))
        line("planned creates", result.plan.creates)
        line("documents written", len(result.written))
        line("seconds", f"{seconds:.2f}")
        line("ms per request", f"{1000 * seconds / max(len(double.requests), 1):.1f}")
        ok = check(f"creates == {items}", creates == items)
        ok &= check(f"closes right after create == done items ({done})", closes == done)
        settle = math.ceil(items / 100)
        ok &= check(
            f"listing pages == 2 + ceil({items}/100) (the lease's and the settling listings)", pages == 2 + settle
        )
        ok &= check(
            f"label creates == planned labels ({len(result.plan.labels)}) + the lease",
            labels == len(result.plan.labels) + 1,
        )
        ok &= check(f"documents written == {incidents}", len(result.written) == incidents)

        result, seconds = run_push(double, root)
        print(f"second push, nothing changed: {items} managed issues")
        pages = len(double.calls("issues/list-for-repo"))
        line("requests total", len(double.requests))
        line("listing pages", pages)
        line("others", len(double.requests) - pages)
        line("writes", len(double.writes()))
        line("seconds", f"{seconds:.2f}")
        ok &= check(f"listing pages <= ceil({items}/100)", pages <= math.ceil(items / 100))
        ok &= check("0 writes", not double.writes())

        # A paragraph added above the items moves every item down: their text did not change.
        for path in sorted((root / "postmortems").iterdir()):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("## Summary\n", "## Summary\n\nAdded in review.\n", 1), encoding="utf-8")
        result, seconds = run_push(double, root)
        print("push after a paragraph was added above the items of every document")
        line("requests total", len(double.requests))
        line("writes", len(double.writes()))
        line("seconds", f"{seconds:.2f}")
        ok &= check("0 writes", not double.writes())
    return ok


def noop_push(managed: int) -> bool:
    incidents = max(1, managed // 25)
    print(f"no-op push over {managed} managed issues ({incidents} incidents)")
    with checkout(managed, incidents, max_creates=managed) as (double, root):
        _, filing = run_push(double, root)
        line("issues filed first", len(double.issues(REPO)))
        line("seconds to file them", f"{filing:.2f}")
        result, seconds = run_push(double, root)
        ops = Counter(r.operation for r in double.requests)
        pages = ops.pop("issues/list-for-repo", 0)
        others = sum(ops.values())
        expected_pages = math.ceil(managed / 100)
        line("requests", len(double.requests))
        line("listing pages", pages)
        line("others", others)
        for operation, count in sorted(ops.items(), key=lambda kv: str(kv[0])):
            line(f"  {operation}", count)
        line("writes", len(double.writes()))
        line("seconds", f"{seconds:.2f}")
        ok = check(f"listing pages <= ceil({managed}/100) = {expected_pages}", pages <= expected_pages)
        ok &= check("others <= 2", others <= 2)
        ok &= check("writes == 0", not double.writes())
        ok &= check(f"no action but noop ({result.plan.creates} creates)", not result.plan.of("create", "update"))
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_push", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200, help="new items in the first push (default 200)")
    parser.add_argument("--incidents", type=int, default=10, help="incidents they are spread over (default 10)")
    parser.add_argument(
        "--managed", type=int, nargs="*", default=[250, 1000], help="managed issues for the no-op push (250 1000)"
    )
    args = parser.parse_args(argv)
    ok = first_push(args.items, args.incidents)
    for managed in args.managed:
        ok &= noop_push(managed)
    print(f"all expectations hold: {'yes' if ok else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
