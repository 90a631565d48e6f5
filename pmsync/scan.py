"""Read and extract many documents: the first stage of every command."""

from __future__ import annotations

from dataclasses import dataclass

from pmsync.config import Config
from pmsync.extract import extract_document
from pmsync.files import discover, read_source
from pmsync.model import Diagnostic, Postmortem


@dataclass(frozen=True)
class ScanResult:
    postmortems: tuple[Postmortem, ...]
    problems: tuple[Diagnostic, ...]  # files that could not be read at all

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.problems + tuple(d for pm in self.postmortems for d in pm.diagnostics)


def scan(arguments: list[str], config: Config) -> ScanResult:
    postmortems: list[Postmortem] = []
    problems: list[Diagnostic] = []
    root = None if arguments else config.root
    for path in discover(arguments, config):
        source = read_source(path, root)
        if source.data is None:
            problems.append(Diagnostic(path, None, "error", "unreadable", source.problem or "cannot read"))
            continue
        postmortems.append(extract_document(path, source.data, config))
    return ScanResult(tuple(postmortems), tuple(problems))
