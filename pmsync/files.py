"""Finding postmortems on disk and reading them without ever crashing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pmsync.config import Config
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


def discover(arguments: list[str], config: Config) -> list[str]:
    """The files named on the command line (folders expanded), else the config's globs."""
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
            found.extend(
                str(p.relative_to(config.root)) if config.source else str(p)
                for p in sorted(config.root.glob(pattern))
                if p.is_file()
            )
    excluded = {str(p.relative_to(config.root)) for pattern in config.exclude for p in config.root.glob(pattern)}
    unique: list[str] = []
    for name in found:
        if name not in unique and name not in excluded:
            unique.append(name)
    return unique


def read_source(path: str, root: Path | None = None) -> Source:
    full = Path(path) if root is None or Path(path).is_absolute() else root / path
    try:
        size = full.stat().st_size
        if size > MAX_BYTES:
            return Source(
                path, None, f"{size // 1024 // 1024} MiB is too large for a postmortem (limit 5 MiB); skipped"
            )
        data = full.read_bytes()
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
