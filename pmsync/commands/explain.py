"""`pmsync scan --explain FILE`: why each candidate of one document is or is not an item."""

from __future__ import annotations

from pathlib import Path

from pmsync.config import Config
from pmsync.errors import UsageError
from pmsync.extract import default_scorer, read_candidates
from pmsync.extract.explain import explain


def explain_document(path: str, config: Config) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror})", "name one postmortem file") from None
    return explain(read_candidates(path, data, config), default_scorer(), config.vocabulary)
