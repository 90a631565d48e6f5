"""Saving a document with pmsync's spans: only when they changed it, only when the
items still read the same before and after, and atomically."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pmsync.config import Config
from pmsync.documents.files import ChangedOnDisk, read_source, write_atomic
from pmsync.documents.writeback import Edit, apply_edits
from pmsync.extract import extract_document
from pmsync.model import Postmortem

Replacement = tuple[int, int, list[str]]  # (first line, end line, new lines): a status table


class Saved(Protocol):
    """Where a command records what happened to the documents it meant to change."""

    written: list[str]  # documents saved with new spans
    not_written: list[str]  # "path: why" for documents left alone


def repo_path(path: str, config: Config) -> str:
    """The document's path relative to the config's folder (the repository root
    in practice), as markers record it, so it is the same from any working folder."""
    full = Path(path) if Path(path).is_absolute() or config.source is None else config.root / path
    if not full.is_absolute():
        full = Path.cwd() / full
    try:
        return full.resolve().relative_to(_resolved(config.root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


@functools.lru_cache(maxsize=8)
def _resolved(folder: Path) -> Path:
    return folder.resolve()  # once per run, not once per document


def save_edits(
    edits: Mapping[str, Sequence[Edit]],
    postmortems: Sequence[Postmortem],
    config: Config,
    root: Path | None,
    saved: Saved,
) -> None:
    """Write each document's span edits, recording what was written and what was not."""
    by_path = {pm.path: pm for pm in postmortems}
    for path, document_edits in edits.items():
        source = read_source(path, root)
        if source.data is None:
            saved.not_written.append(f"{path}: {source.problem}")
            continue
        record(saved, path, save_with_spans(path, source.data, document_edits, config, by_path.get(path), root))


def record(saved: Saved, path: str, problem: str | None) -> None:
    if problem:
        saved.not_written.append(f"{path}: {problem}")
    else:
        saved.written.append(path)


def save_with_spans(
    path: str,
    data: bytes,
    edits: Sequence[Edit],
    config: Config,
    original: Postmortem | None,
    root: Path | None,
    replacements: Sequence[Replacement] = (),
) -> str | None:
    """Write the spans into the document; the reason when it was refused."""
    new = apply_edits(data, edits, replacements)
    if new == data:
        return None
    before = _identity(extract_document(path, data, config))
    if original is not None and before != _identity(original):
        return "it changed on disk during the run; left alone (run pmsync again)"
    if _identity(extract_document(path, new, config)) != before:
        return "writing the links would change its items; left alone (please report this)"
    target = Path(path) if root is None or Path(path).is_absolute() else root / path
    try:
        write_atomic(target, new, expected=data)
    except ChangedOnDisk as err:
        return f"{err}; left alone (run pmsync again)"
    except OSError as err:
        return f"cannot write: {err.strerror or err}"
    return None


def _identity(pm: Postmortem) -> list[tuple[str, str, int]]:
    return [(item.key, item.title, item.line) for item in pm.items]


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    before = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    after = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    diff = difflib.unified_diff(before, after, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in diff)
