"""Finding postmortems on disk and reading them without ever crashing."""

from __future__ import annotations

import fcntl
import fnmatch
import glob
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pmsync.config import Config
from pmsync.errors import PmsyncError
from pmsync.extract.text import looks_binary

MAX_BYTES = 5 * 1024 * 1024  # larger than any real postmortem; beyond it a file is refused
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx", ".txt", "")


@dataclass(frozen=True)
class Source:
    path: str  # as the user gave it, or relative to the config root for globbed files
    data: bytes | None
    problem: str | None = None  # why it could not be read; the run goes on without it


def _walk(directory: Path) -> Iterator[Path]:
    """Markdown files under a folder, sorted, following no symlink loops."""
    seen: set[tuple[int, int]] = set()
    for current, dirs, files in os.walk(directory, followlinks=True):
        stat = Path(current).stat()
        if (stat.st_dev, stat.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith((".md", ".markdown", ".mdx")):
                yield Path(current) / name


def discover(arguments: list[str], config: Config) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The files named on the command line (folders expanded), else the config's
    globs, each document once by its real path; and the names refused (name, code, why).

    Refused: anything a glob reaches outside the config's folder (`../x`, an absolute
    glob), and any file reached through a symlink (to the file or to a folder on its
    way) whose real path is outside it. A folder symlink that loops back (`loop -> ..`)
    is named once; the files seen through it are the same documents, read once.
    """
    found: list[str] = []
    if arguments:
        for argument in arguments:
            path = Path(argument)
            if path.is_dir():
                found.extend(str(p) for p in _walk(path))
            else:
                found.append(argument)
    else:
        for pattern in config.paths:
            # glob.glob with root_dir walks with os.scandir: much faster than Path.glob on large trees.
            matches = sorted(glob.glob(pattern, root_dir=config.root, recursive=True))
            root = str(config.root)
            found.extend(
                name if config.source else os.path.join(root, name)
                for name in matches
                if os.path.isfile(os.path.join(root, name))
            )
    unique: list[str] = []
    refused: list[tuple[str, str, str]] = []
    at: dict[str, int] = {}  # real path -> its place in `unique`
    loops: set[str] = set()
    base = "" if arguments else str(config.root)
    top = os.path.realpath(config.root)
    for name in found:
        # Plain os.path string work: this loop runs once per document on every command.
        full = os.path.join(base, name)
        plain = os.path.normpath(os.path.abspath(full))
        real = os.path.realpath(full)
        if (real != plain or not arguments) and not _inside(real, top):
            why = f"a symlink to {real}, outside the repository" if real != plain else "outside the config's folder"
            refused.append((name, "outside", f"{why}; not read (check `paths:` and the links)"))
            continue
        if real != plain:
            loop = _folder_loop(full)
            if loop is not None and loop not in loops:
                loops.add(loop)
                shown = loop if arguments else os.path.relpath(loop, base)
                why = f"a folder symlink that loops back (-> {os.readlink(loop)}); not followed"
                refused.append((shown, "symlink-loop", why))
        if is_excluded(name, config, relative_to_root=not arguments):
            continue
        if real in at:
            if real == plain:
                unique[at[real]] = name  # the document's own name, not an alias's
            continue
        at[real] = len(unique)
        unique.append(name)
    return unique, refused


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _folder_loop(full: str) -> str | None:
    """The first folder symlink on the way to `full` that points at itself or a folder above it."""
    parts = os.path.normpath(os.path.abspath(full)).split(os.sep)
    for end in range(2, len(parts)):
        prefix = os.sep.join(parts[:end])
        if os.path.islink(prefix) and _inside(os.path.realpath(os.path.dirname(prefix)), os.path.realpath(prefix)):
            return prefix
    return None


def is_excluded(name: str, config: Config, *, relative_to_root: bool) -> bool:
    """Whether the config's `exclude` globs match the file or a folder it is in.
    Globs are relative to the config's folder, wherever pmsync runs from."""
    if not config.exclude:
        return False
    path = Path(name) if not relative_to_root else config.root / name
    try:
        relative = path.resolve().relative_to(config.root.resolve())
    except ValueError:
        return False  # outside the config's folder: no exclude pattern can name it
    candidates = [relative.as_posix(), *(parent.as_posix() for parent in relative.parents if parent.parts)]
    for pattern in config.exclude:
        folder_pattern = pattern[:-3] if pattern.endswith("/**") else None
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern) or (
                folder_pattern and fnmatch.fnmatchcase(candidate, folder_pattern)
            ):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(candidate, pattern[3:]):
                return True
    return False


def read_source(path: str, root: Path | None = None) -> Source:
    full = path if root is None else os.path.join(root, path)
    try:
        status = os.stat(full)
        if not stat.S_ISREG(status.st_mode):
            return Source(path, None, "not a regular file (a pipe, device or socket); skipped")
        size = status.st_size
        if size > MAX_BYTES:
            return Source(
                path, None, f"{size // 1024 // 1024} MiB is too large for a postmortem (limit 5 MiB); skipped"
            )
        with open(full, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return Source(path, None, "no such file")
    except IsADirectoryError:
        return Source(path, None, "is a folder, not a file")
    except PermissionError:
        return Source(path, None, "permission denied")
    except OSError as err:
        return Source(path, None, err.strerror or str(err))
    if looks_binary(data):
        return Source(path, None, "binary file, not Markdown; skipped")
    return Source(path, data)


class ChangedOnDisk(Exception):
    """The file is not what pmsync read: someone edited it during the run."""


def write_atomic(path: Path, data: bytes, *, expected: bytes) -> None:
    """Replace `path` with `data` in one step (a reader sees the old file or the
    new one, never half), keeping its permissions; refuse when the file no longer
    holds `expected`, the bytes the change was computed from."""
    try:
        current = path.read_bytes()
    except OSError as err:
        raise ChangedOnDisk(f"cannot read it again: {err.strerror or err}") from None
    if current != expected:
        raise ChangedOnDisk("it changed on disk during the run")
    path = Path(os.path.realpath(path))  # a symlinked document stays a symlink: its target is replaced
    mode = path.stat().st_mode & 0o7777
    # A run killed while saving leaves its temp file behind; runs hold the lock, so any found now is stale.
    prefix = f".{path.name}."
    for stale in os.listdir(path.parent):  # listdir, not glob: this runs once per saved document
        if stale.startswith(prefix) and stale.endswith(".pmsync-tmp"):
            (path.parent / stale).unlink(missing_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".pmsync-tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(mode)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class Lock:
    """An exclusive lock on a checkout, so two pmsync runs in it take turns
    (the second waits) instead of racing on the same documents and issues."""

    def __init__(self, directory: Path, *, timeout: float = 600.0) -> None:
        self.path = directory / ".pmsync" / "lock"
        self.timeout = timeout
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> Lock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ignore = self.path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        handle = self.path.open("ab")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise PmsyncError(
                        f"another pmsync run in this checkout still holds {self.path} after {self.timeout:g} s",
                        "wait for it to finish; the lock is released when that run ends, even if it is killed",
                    ) from None
                time.sleep(0.1)
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
