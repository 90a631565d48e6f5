"""Saving a document with pmsync's spans: only when they changed it, only when the
items still read the same before and after, and atomically."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pmsync.config import Config
from pmsync.documents.files import ChangedOnDisk, read_source, write_atomic
from pmsync.documents.scan import ScanResult, content_digest
from pmsync.documents.writeback import Edit, apply_edits
from pmsync.extract import extract_document
from pmsync.model import Postmortem

Replacement = tuple[int, int, list[str]]  # (first line, end line, new lines): a status table


@dataclass(frozen=True)
class Written:
    """A document as pmsync saved it: its items, read back to check the write, and its digest."""

    postmortem: Postmortem
    digest: bytes


class Saved(Protocol):
    """Where a command records what happened to the documents it meant to change."""

    written: list[str]  # documents saved with new spans
    not_written: list[str]  # "path: why" for documents left alone
    saved_as: dict[str, Written]  # the documents written, as read back to check them


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
    scanned: ScanResult,
    config: Config,
    root: Path | None,
    saved: Saved,
) -> None:
    """Write each document's span edits, recording what was written and what was not."""
    by_path = {pm.path: pm for pm in scanned.postmortems}
    for path, document_edits in edits.items():
        source = read_source(path, root)
        if source.data is None:
            saved.not_written.append(f"{path}: {source.problem}")
            continue
        original = by_path.get(path)
        as_scanned = original is not None and scanned.unchanged(path, source.data)
        record(saved, path, save_with_spans(path, source.data, document_edits, config, original, root, as_scanned))


def record(saved: Saved, path: str, outcome: str | Written | None) -> None:
    """Note a save_with_spans outcome: the document as saved, or why it was not."""
    if isinstance(outcome, str):
        saved.not_written.append(f"{path}: {outcome}")
    elif outcome is not None:
        saved.written.append(path)
        saved.saved_as[path] = outcome


def save_with_spans(
    path: str,
    data: bytes,
    edits: Sequence[Edit],
    config: Config,
    original: Postmortem | None,
    root: Path | None,
    as_scanned: bool = False,
    replacements: Sequence[Replacement] = (),
) -> str | Written | None:
    """Write the spans into the document: the document as saved (read once, to check
    the write changed no item), None when the spans were already there, or why not.

    `as_scanned`: `data` is the very bytes `original` was extracted from, so its
    items are known without a second parse.
    """
    new = apply_edits(data, edits, replacements)
    if new == data:
        return None
    if original is not None and as_scanned:
        before = _identity(original)
    else:
        before = _identity(extract_document(path, data, config))
        if original is not None and before != _identity(original):
            return "it changed on disk during the run; left alone (run pmsync again)"
    after = extract_document(path, new, config)
    if _identity(after) != before:
        return "writing the links would change its items; left alone (please report this)"
    target = Path(path) if root is None or Path(path).is_absolute() else root / path
    try:
        write_atomic(target, new, expected=data)
    except ChangedOnDisk as err:
        return f"{err}; left alone (run pmsync again)"
    except OSError as err:
        return f"cannot write: {err.strerror or err}"
    return Written(after, content_digest(path, new))


def _identity(pm: Postmortem) -> list[tuple[str, str, int]]:
    return [(item.key, item.title, item.line) for item in pm.items]


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    before = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    after = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    diff = difflib.unified_diff(before, after, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in diff)
