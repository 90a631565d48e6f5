"""Read and extract many documents: the first stage of every command.

Extraction results are cached by each file's content hash in `.pmsync/cache`
(ignored by git), so an unchanged document is read and hashed but not parsed
again. Documents that must be parsed are spread over processes (`--jobs`).
"""

from __future__ import annotations

import hashlib
import operator
import os
import pickle
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from itertools import repeat
from pathlib import Path
from typing import Any

from pmsync import __version__, extract
from pmsync.config import Config
from pmsync.documents.files import discover, read_source
from pmsync.extract import default_scorer, extract_document
from pmsync.model import Diagnostic, Incident, IssueRef, Item, Postmortem

CACHE_FORMAT = 2
# Below this many documents to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400


@dataclass(frozen=True)
class ScanResult:
    postmortems: tuple[Postmortem, ...]
    problems: tuple[Diagnostic, ...]  # files that could not be read at all
    parsed: int = 0  # documents extracted this run (the rest came from the cache)
    digests: Mapping[str, bytes] = field(default_factory=dict)  # path -> content_digest of the bytes read

    def unchanged(self, path: str, data: bytes) -> bool:
        """Whether `data` is what this scan read from `path` (then its items need no second parse)."""
        digest = self.digests.get(path)
        return digest is not None and digest == content_digest(path, data)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.problems + tuple(d for pm in self.postmortems for d in pm.diagnostics)


def _extractor_digest() -> str:
    """The extraction code itself: installs from a git ref keep one version number across
    commits, and a scan cached by older code must not be read as this code's."""
    digest = hashlib.blake2b(digest_size=16)
    for source in sorted(Path(extract.__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _fingerprint(config: Config) -> str:
    """What extraction depends on besides the bytes: the release and the extraction code,
    the scorer's weights, the config's word lists."""
    layout = repr([_ITEM_FIELDS, _INCIDENT_FIELDS, _DIAGNOSTIC_FIELDS, _REF_FIELDS])  # the cached tuples' shape
    parts = [__version__, _extractor_digest(), layout, default_scorer().digest]
    parts += [repr(config.followup_words), repr(config.ignore_words), repr(config.owners)]
    return hashlib.blake2b("\0".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def content_digest(path: str, data: bytes) -> bytes:
    # The path is part of the key: the incident id comes from the file name.
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape") + b"\0" + data, digest_size=16).digest()


_ITEM_FIELDS = tuple(f.name for f in fields(Item))
_INCIDENT_FIELDS = tuple(f.name for f in fields(Incident))
_DIAGNOSTIC_FIELDS = tuple(f.name for f in fields(Diagnostic))
_REF_FIELDS = tuple(f.name for f in fields(IssueRef))
Packed = tuple[Any, ...]


def _values(obj: object, names: tuple[str, ...]) -> Packed:
    return tuple(getattr(obj, name) for name in names)


_ISSUE = _ITEM_FIELDS.index("issue")  # an item's issue reference is packed as a tuple of its own


def _pack_item(item: Item) -> Packed:
    values = _values(item, _ITEM_FIELDS)
    if item.issue is None:
        return values
    return (*values[:_ISSUE], _values(item.issue, _REF_FIELDS), *values[_ISSUE + 1 :])


def _pack(pm: Postmortem) -> Packed:
    """A postmortem as plain tuples: they unpickle several times faster than objects."""
    items = tuple(_pack_item(item) for item in pm.items)
    diagnostics = tuple(_values(d, _DIAGNOSTIC_FIELDS) for d in pm.diagnostics)
    return (pm.path, _values(pm.incident, _INCIDENT_FIELDS), items, diagnostics)


def _builder(cls: type[Any], names: tuple[str, ...]) -> Callable[[Packed], Any]:
    """A function making a `cls` from its field values in order, without __init__.

    Frozen dataclasses refuse setattr; their slot descriptors do not, and filling
    slots directly is what makes loading 75,000 cached items cheap. The descriptors
    are called by map() over the values, a loop that runs in C: as fast as one
    generated statement per slot, and nothing here knows where a field stands.
    """
    setters = tuple(getattr(cls, name).__set__ for name in names)

    # Everything the loop uses is bound as a default: a local lookup, not a global one, per item.
    def build(
        values: Packed,
        cls: type[Any] = cls,
        setters: tuple[Callable[[Any, Any], None], ...] = setters,
        count: int = len(names),
        new: Callable[[type[Any]], Any] = object.__new__,
        call: Callable[..., Any] = operator.call,
    ) -> Any:
        if len(values) != count:
            raise ValueError("a cache entry of another shape")
        obj = new(cls)
        for _ in map(call, setters, repeat(obj), values):
            pass
        return obj

    return build


_build_item = _builder(Item, _ITEM_FIELDS)
_build_ref = _builder(IssueRef, _REF_FIELDS)
_build_incident = _builder(Incident, _INCIDENT_FIELDS)
_build_diagnostic = _builder(Diagnostic, _DIAGNOSTIC_FIELDS)
_build_postmortem = _builder(Postmortem, tuple(f.name for f in fields(Postmortem)))


def _unpack(packed: Packed) -> Postmortem:
    path, incident, items, diagnostics = packed
    built = []
    for values in items:
        ref = values[_ISSUE]
        if ref is not None:
            values = (*values[:_ISSUE], _build_ref(ref), *values[_ISSUE + 1 :])
        built.append(_build_item(values))
    pm: Postmortem = _build_postmortem(
        (path, _build_incident(incident), tuple(built), tuple(_build_diagnostic(d) for d in diagnostics))
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
    order, refused = discover(arguments, config)
    problems.extend(Diagnostic(path, None, "warning", code, why) for path, code, why in refused)
    for path in order:
        source = read_source(path, root)
        if source.data is None:
            problems.append(Diagnostic(path, None, "error", "unreadable", source.problem or "cannot read"))
            continue
        digest = digests[path] = content_digest(path, source.data)
        cached = cache.get(path, digest)
        if cached is not None:
            found[path] = cached
        else:
            pending.append((path, source.data))
    for pm in _parse(pending, config, jobs or config.jobs or default_jobs()):
        found[pm.path] = pm
        cache.put(pm.path, digests[pm.path], pm)
    cache.save(prune=not arguments)
    postmortems = tuple(found[path] for path in order if path in found)
    return ScanResult(postmortems, tuple(problems), parsed=len(pending), digests=digests)


def remember(config: Config, documents: Mapping[str, tuple[bytes, Postmortem]]) -> None:
    """Put documents pmsync wrote (content_digest of the bytes written, and the items
    read back from them) into the scan cache: the next run does not parse them again."""
    if not documents:
        return
    cache = ScanCache(config.root / ".pmsync", _fingerprint(config))
    for path, (digest, postmortem) in documents.items():
        cache.put(path, digest, postmortem)
    cache.save(prune=False)
