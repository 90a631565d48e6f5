"""What pmsync writes into a document never changes what its items are.

The scorer reads features of each candidate; the links push writes and the task
boxes pull ticks must not move a candidate across the line, or a later run would
refuse to save the document (or lose an item)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsync.config import Config
from pmsync.documents.writeback import BoxEdit, SpanEdit, apply_edits
from pmsync.extract import extract_document
from pmsync.links import Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCUMENTS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".md", ".txt"))


def _items(data: bytes) -> list[tuple[str, int]]:
    return [(item.title, item.line) for item in extract_document("doc.md", data, Config()).items]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_links_and_ticked_boxes_keep_the_items(document: Path) -> None:
    data = document.read_bytes()
    items = extract_document("doc.md", data, Config()).items
    links = [
        SpanEdit(item.anchor_line, Status(n + 1, f"https://github.com/acme/pm/issues/{n + 1}", "open"), item.cell)
        for n, item in enumerate(items)
        if not item.anchor_shared
    ]
    linked = apply_edits(data, links)
    assert _items(linked) == _items(data)
    # Pull turns list entries into task items; a closed issue ticks its box.
    boxes = [BoxEdit(item.line, n % 2 == 0) for n, item in enumerate(items) if item.list_entry]
    assert _items(apply_edits(linked, boxes)) == _items(data)
