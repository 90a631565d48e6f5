"""Extraction: a postmortem's bytes to its incident and action items.

    extract_document(path, data, config) -> Postmortem

Pure: no I/O, never raises on any input; problems become diagnostics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pmsync.extract.blocks import parse
from pmsync.extract.fields import FieldContext, build_items
from pmsync.extract.items import ItemCollector
from pmsync.extract.metadata import blank_front_matter, build_incident, read_front_matter
from pmsync.extract.sections import build_sections
from pmsync.extract.text import decode
from pmsync.links import blank_status_tables, strip_spans
from pmsync.model import Diagnostic, Postmortem

if TYPE_CHECKING:
    from pmsync.config import Config

__all__ = ["extract_document"]


def extract_document(path: str, data: bytes, config: Config) -> Postmortem:
    decoded = decode(data)
    diagnostics = [Diagnostic(path, None, "warning", "encoding", message) for message in decoded.warnings]
    matter = read_front_matter(decoded.text)
    if matter.error:
        diagnostics.append(Diagnostic(path, 1, "warning", "front-matter", matter.error))
    text, spans = strip_spans(blank_status_tables(blank_front_matter(decoded.text, matter)))
    blocks, env = parse(text)
    root = build_sections(blocks, config.vocabulary)
    incident = build_incident(path, root, blocks, text, matter.data)
    drafts = ItemCollector(root).collect()
    context = FieldContext(
        incident_date=incident.date,
        references={str(k).upper(): v for k, v in env.get("references", {}).items()},
        owners=config.owner_aliases,
        spans=spans,
        lines=text.split("\n"),
    )
    items = build_items(drafts, context)
    return Postmortem(path=path, incident=incident, items=tuple(items), diagnostics=tuple(diagnostics))
