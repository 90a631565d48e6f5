"""`pmsync scan`: the incidents and action items of the documents."""

from __future__ import annotations

from pmsync.config import Config
from pmsync.documents.scan import ScanResult
from pmsync.documents.scan import scan as scan_documents


def scan(arguments: list[str], config: Config) -> ScanResult:
    return scan_documents(arguments, config)
