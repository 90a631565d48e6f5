"""Read and extract many documents: the first stage of every command.

Extraction results are cached by each file's content hash in `.pmsync/cache`
(ignored by git), so an unchanged document is read and hashed but not parsed
again. Documents that must be parsed are spread over processes (`--jobs`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pmsync import __version__
from pmsync.config import Config
from pmsync.documents.files import discover, read_source
from pmsync.extract import extract_document
from pmsync.model import Diagnostic, Incident, IssueRef, Item, Postmortem

CACHE_FORMAT = 2
# Below this many documents to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400


@dataclass(frozen=True)
class ScanResult:
    postmortems: tuple[Postmortem, ...]
    problems: tuple[Diagnostic, ...]  # files that could not be read at all
    parsed: int = 0  # documents extracted this run (the rest came from the cache)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.problems + tuple(d for pm in self.postmortems for d in pm.diagnostics)


def _fingerprint(config: Config) -> str:
    """What extraction depends on besides the bytes: the release and the config's word lists."""
    layout = repr([_ITEM_FIELDS, _INCIDENT_FIELDS, _DIAGNOSTIC_FIELDS, _REF_FIELDS])  # the cached tuples' shape
    parts = [__version__, layout, repr(config.followup_words), repr(config.ignore_words), repr(config.owners)]
    return hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def _digest(path: str, data: bytes) -> bytes:
    # The path is part of the key: the incident id comes from the file name.
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape") + b"\0" + data, digest_size=16).digest()


_ITEM_FIELDS = tuple(f.name for f in fields(Item))
_INCIDENT_FIELDS = tuple(f.name for f in fields(Incident))
_DIAGNOSTIC_FIELDS = tuple(f.name for f in fields(Diagnostic))
_REF_FIELDS = tuple(f.name for f in fields(IssueRef))
Packed = tuple[Any, ...]


def _values(obj: object, names: tuple[str, ...]) -> Packed:
    return tuple(getattr(obj, name) for name in names)


def _pack(pm: Postmortem) -> Packed:
    """A postmortem as plain tuples: they unpickle several times faster than objects."""
    items = tuple(
        (
            *_values(item, _ITEM_FIELDS)[:10],
            _values(item.issue, _REF_FIELDS) if item.issue else None,
            *_values(item, _ITEM_FIELDS)[11:],
        )
        for item in pm.items
    )
    diagnostics = tuple(_values(d, _DIAGNOSTIC_FIELDS) for d in pm.diagnostics)
    return (pm.path, _values(pm.incident, _INCIDENT_FIELDS), items, diagnostics)


def _builder(cls: type[Any], names: tuple[str, ...]) -> Callable[[Packed], Any]:
    """A function making a `cls` from its field values in order, without __init__.

    Frozen dataclasses refuse setattr; their slot descriptors do not, and filling
    slots directly is what makes loading 75,000 cached items cheap. The function is
    generated with one statement per slot (as dataclasses generates __init__): a
    loop over the descriptors took twice as long, the largest part of a warm scan.
    """
    setters = {f"_set{index}": getattr(cls, name).__set__ for index, name in enumerate(names)}
    body = "".join(f"    _set{index}(obj, values[{index}])\n" for index in range(len(names)))
    check = f"    if len(values) != {len(names)}:\n        raise ValueError('a cache entry of another shape')\n"
    source = f"def build(values):\n{check}    obj = _new(_cls)\n{body}    return obj\n"
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **setters}
    exec(source, namespace)  # the source is built above from field names only
    built: Callable[[Packed], Any] = namespace["build"]
    return built


_BUILDERS: dict[type[Any], Callable[[Packed], Any]] = {
    cls: _builder(cls, names)
    for cls, names in (
        (Item, _ITEM_FIELDS),
        (Incident, _INCIDENT_FIELDS),
        (Diagnostic, _DIAGNOSTIC_FIELDS),
        (IssueRef, _REF_FIELDS),
        (Postmortem, tuple(f.name for f in fields(Postmortem))),
    )
}


_build_item = _BUILDERS[Item]


def _build(cls: type[Any], values: Packed) -> Any:
    return _BUILDERS[cls](values)


def _unpack(packed: Packed) -> Postmortem:
    path, incident, items, diagnostics = packed
    built = []
    for values in items:
        ref = values[10]
        if ref is not None:
            values = (*values[:10], _build(IssueRef, ref), *values[11:])
        built.append(_build_item(values))
    pm: Postmortem = _build(
        Postmortem,
        (path, _build(Incident, incident), tuple(built), tuple(_build(Diagnostic, d) for d in diagnostics)),
    )
    return pm


class ScanCache:
    """Postmortems by (path, content hash), in one file: one read per run."""

    def __init__(self, directory: Path | None, fingerprint: str) -> None:
        self.file = directory / "cache" / f"scan-v{CACHE_FORMAT}.pickle" if directory is not None else None
        self.fingerprint = fingerprint
        self.entries: dict[str, tuple[bytes, Packed]] = {}
        self.used: set[str] = set()
        self.changed = False
        if self.file is not None:
            self._load()

    def _load(self) -> None:
        assert self.file is not None
        try:
            with self.file.open("rb") as handle:
                fingerprint, entries = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            return  # no cache, or one from another release: parse everything
        if fingerprint == self.fingerprint and isinstance(entries, dict):
            self.entries = entries

    def get(self, path: str, digest: bytes) -> Postmortem | None:
        entry = self.entries.get(path)
        if entry is None or entry[0] != digest:
            return None
        try:
            postmortem = _unpack(entry[1])
        except (ValueError, TypeError, IndexError, AttributeError):
            return None  # a damaged entry: parse the document again
        self.used.add(path)
        return postmortem

    def put(self, path: str, digest: bytes, postmortem: Postmortem) -> None:
        self.entries[path] = (digest, _pack(postmortem))
        self.used.add(path)
        self.changed = True

    def save(self, *, prune: bool) -> None:
        if self.file is None:
            return
        if prune:
            stale = set(self.entries) - self.used
            for path in stale:
                del self.entries[path]
            self.changed = self.changed or bool(stale)
        if not self.changed:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.file.parent.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n", encoding="utf-8")
            temp = self.file.with_suffix(".tmp")
            with temp.open("wb") as handle:
                pickle.dump((self.fingerprint, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            temp.replace(self.file)
        except OSError:
            pass  # a cache that cannot be written only costs speed next time


def _extract_batch(batch: list[tuple[str, bytes]], config: Config) -> list[Packed]:
    # Results cross the process boundary as plain tuples: they pickle far faster than objects.
    return [_pack(extract_document(path, data, config)) for path, data in batch]


def _parse(pending: list[tuple[str, bytes]], config: Config, jobs: int) -> Iterable[Postmortem]:
    if jobs <= 1 or len(pending) < PARALLEL_THRESHOLD:
        return [extract_document(path, data, config) for path, data in pending]
    size = max(16, len(pending) // (jobs * 8))
    batches = [pending[i : i + size] for i in range(0, len(pending), size)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = pool.map(_extract_batch, batches, [config] * len(batches))
        return [_unpack(packed) for batch in results for packed in batch]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def scan(arguments: list[str], config: Config, *, jobs: int | None = None, use_cache: bool = True) -> ScanResult:
    cache = ScanCache(config.root / ".pmsync" if use_cache else None, _fingerprint(config))
    found: dict[str, Postmortem] = {}
    problems: list[Diagnostic] = []
    pending: list[tuple[str, bytes]] = []
    digests: dict[str, bytes] = {}
    root = None if arguments else config.root
    order = discover(arguments, config)
    for path in order:
        if root is not None and (path.startswith("../") or path == ".."):
            problems.append(
                Diagnostic(path, None, "warning", "outside", "outside the config's folder; not read (check `paths:`)")
            )
            continue
        source = read_source(path, root)
        if source.data is None:
            problems.append(Diagnostic(path, None, "error", "unreadable", source.problem or "cannot read"))
            continue
        digest = _digest(path, source.data)
        cached = cache.get(path, digest)
        if cached is not None:
            found[path] = cached
        else:
            digests[path] = digest
            pending.append((path, source.data))
    for pm in _parse(pending, config, jobs or config.jobs or default_jobs()):
        found[pm.path] = pm
        cache.put(pm.path, digests[pm.path], pm)
    cache.save(prune=not arguments)
    postmortems = tuple(found[path] for path in order if path in found)
    return ScanResult(postmortems, tuple(problems), parsed=len(pending))
