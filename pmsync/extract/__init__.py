"""Extraction: a postmortem's bytes to its incident and action items.

    extract_document(path, data, config) -> Postmortem

Two stages: `read_candidates` recovers the outline and lists every candidate
with its features; `decide` keeps the candidates the scorer calls items and
reads their fields. Pure: no I/O, never raises on any input; problems become
diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from pmsync.extract.blocks import parse
from pmsync.extract.features import Features, describe
from pmsync.extract.fields import FieldContext, build_items
from pmsync.extract.items import Draft, ItemCollector
from pmsync.extract.language import Cue
from pmsync.extract.metadata import blank_front_matter, build_incident, read_front_matter
from pmsync.extract.overrides import Overrides, strip_overrides
from pmsync.extract.scorer import Scorer
from pmsync.extract.sections import Section, build_sections
from pmsync.extract.text import decode
from pmsync.links import blank_status_tables, strip_spans
from pmsync.model import Diagnostic, Incident, Postmortem

if TYPE_CHECKING:
    from pmsync.config import Config

__all__ = ["Candidates", "decide", "default_scorer", "extract_document", "read_candidates", "rule", "without_covered"]


@dataclass
class Candidates:
    """One document read up to the decision: its incident and every candidate item."""

    path: str
    incident: Incident
    drafts: list[Draft]
    features: list[Features]
    context: FieldContext
    diagnostics: list[Diagnostic]
    overrides: Overrides = field(default_factory=Overrides)
    sections: Section | None = None  # the outline, for --explain


@cache
def default_scorer() -> Scorer:
    return Scorer.load()


def read_candidates(path: str, data: bytes, config: Config) -> Candidates:
    decoded = decode(data)
    diagnostics = [Diagnostic(path, None, "warning", "encoding", message) for message in decoded.warnings]
    matter = read_front_matter(decoded.text)
    if matter.error:
        diagnostics.append(Diagnostic(path, 1, "warning", "front-matter", matter.error))
    text, spans = strip_spans(blank_status_tables(blank_front_matter(decoded.text, matter)))
    text, overrides = strip_overrides(text)
    blocks, env = parse(text)
    root = build_sections(blocks, config.vocabulary)
    incident = build_incident(path, root, blocks, text, matter.data)
    lines = text.split("\n")
    drafts = ItemCollector(root, lines, overrides.wants_items if overrides.found else None).collect()
    context = FieldContext(
        incident_date=incident.date,
        references={str(k).upper(): v for k, v in env.get("references", {}).items()},
        owners=config.owner_aliases,
        spans=spans,
        lines=lines,
    )
    features = describe(drafts, len(lines))
    return Candidates(path, incident, drafts, features, context, diagnostics, overrides, root)


def decide(candidates: Candidates, scorer: Scorer) -> Postmortem:
    overrides = candidates.overrides
    kept: list[Draft] = []
    for draft, features in zip(candidates.drafts, candidates.features, strict=True):
        ruled = rule(candidates, draft)
        if scorer.score(features) > scorer.threshold if ruled is None else ruled[0]:
            kept.append(draft)
    items = build_items(without_covered(kept), candidates.context)
    return Postmortem(
        path=candidates.path,
        incident=candidates.incident,
        items=tuple(items),
        diagnostics=(*candidates.diagnostics, *overrides.diagnostics(candidates.path, candidates.drafts)),
    )


_WE_COMMIT = re.compile(
    # A short lead-in may come first ("As a long-term fix (Q2),", "As such"), but not a condition
    # ("If the queue grows, we will page" states a policy, not a piece of work).
    r"^(?!(?:if|when|whenever|unless|once|should|in case)\b)"
    r"(?:[^.!?:;]{0,60},\s*|(?:as such|therefore|so|also|then|finally|lastly|additionally|next|"
    r"going forward|moving forward|in (?:the )?future|long(?:er)?[ -]term)\s+)?"
    r"(?:we|our team|the team)\s*(?:will|shall|'ll|’ll|are going to|plan to|"
    r"intend to|are planning to|are (?:also )?looking into)\b",
    re.I,
)


def rule(candidates: Candidates, draft: Draft) -> tuple[bool, str] | None:
    """The decisions that are not the scorer's, and why: the author's override, then
    what the document states outright. None leaves the candidate to the score."""
    forced = candidates.overrides.decision(draft)
    if forced is not None:
        return forced, "forced by override"
    if draft.origin == "marked":
        return True, "marked as an action"  # "Action item: ..." and "TODO: ..." lines count anywhere
    if draft.origin != "prose" and draft.anchor in candidates.context.spans:
        # Linked to its issue by pmsync: the link is its identity, and the task box pmsync
        # ticks when the issue closes must not turn it into something else.
        return True, "linked to its issue"
    if draft.after_intro and draft.origin in ("entry", "label", "row"):
        return True, "announced by the intro before its list"  # "To prevent this, we will:"
    if draft.origin == "prose" and draft.section_kind != "negative" and _WE_COMMIT.match(draft.title):
        return True, "the authors commit to it"
    if draft.reported and draft.cue is Cue.PAST:
        return False, "reports shipped work in a list of plans"  # "Fixed the bug" (unless marked done)
    return None


def without_covered(kept: list[Draft]) -> list[Draft]:
    """A heading taken as one item stands for the sentences of its paragraphs."""
    ranges = [(d.line, d.end) for d in kept if d.covers]
    if not ranges:
        return kept
    return [
        d for d in kept if d.covers or d.origin == "marked" or not any(start <= d.line < end for start, end in ranges)
    ]


def extract_document(path: str, data: bytes, config: Config) -> Postmortem:
    return decide(read_candidates(path, data, config), default_scorer())
