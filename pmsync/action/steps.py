"""The steps of pmsync's GitHub Action (action.yml), run as `python -m pmsync.action STEP`.

`run` (pmsync.action.run): runs one pmsync command with the action's inputs (read
from `PMSYNC_*` environment variables, never from the workflow text), reads the
JSON it prints, writes the step outputs (issues created, updated, closed, overdue
count, the documents it changed) and the job summary.

`write-back` (pmsync.action.git): commits the postmortems the run changed, either
to the current branch (`commit`) or to the branch `pmsync/status` with a pull
request opened by the GitHub CLI (`pull-request`), for default branches that are protected.

pmsync is run as a separate process (`python -m pmsync`), exactly as a user would run it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pmsync.action.git import write_back_step
from pmsync.action.run import run_step
from pmsync.action.workflow import StepError, annotate
from pmsync.errors import EXIT_FINDINGS, EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    steps = {"run": run_step, "write-back": write_back_step}
    if len(args) != 1 or args[0] not in steps:
        print(f"usage: python -m pmsync.action {{{'|'.join(steps)}}}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return steps[args[0]](os.environ, Path.cwd())
    except StepError as err:
        annotate("error", str(err))
        return EXIT_USAGE if args[0] == "run" else EXIT_FINDINGS


if __name__ == "__main__":
    sys.exit(main())
