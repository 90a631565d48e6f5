"""What the scorer knows about a candidate: features of itself and of where it stands.

Each candidate (list entry, table row, line, sentence, heading with a body) is
described by named features, most of them 0/1: its own mood and tense, checkbox,
cells, length and script; its section's role by title words and by the real mode
that role gives; what its siblings in the same block look like. The names are
the keys of the weights file (`weights.json`), so `pmsync scan --explain` can
show which of them drove a decision.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pmsync.extract.items import Draft
from pmsync.extract.language import CJK_CHAR, Cue, classify, is_imperative, is_strong_future

Features = dict[str, float]

_WORD = re.compile(r"\w+")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_DATE_START = re.compile(
    r"^\W*(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d)", re.I
)
_MENTION = re.compile(r"(?<![\w/])@[A-Za-z0-9]")
_COMMITTING = (Cue.IMPERATIVE, Cue.FUTURE)


def _cue(draft: Draft) -> Cue:
    return draft.cue if draft.cue is not None else classify(draft.title)


def _length(words: int) -> str:
    if words <= 3:
        return "short"
    if words <= 12:
        return "medium"
    return "long" if words <= 30 else "very-long"


def _own(draft: Draft, cue: Cue, position: float) -> Features:
    title = draft.title
    words = len(_WORD.findall(title))
    cjk = 0 if title.isascii() else len(CJK_CHAR.findall(title))
    head = f"{title} {draft.body[:200]}"
    found: Features = {
        "bias": 1.0,
        f"origin={draft.origin}": 1.0,
        f"cue={cue.value}": 1.0,
        f"mode={draft.rule_mode}": 1.0,
        f"kind={draft.section_kind}": 1.0,
        f"mode={draft.rule_mode}&origin={draft.origin}": 1.0,
        f"mode={draft.rule_mode}&cue={cue.value}": 1.0,
        f"length={_length(words + cjk)}": 1.0,
        "position": position,
    }
    flags = {
        "commits": is_strong_future(head),
        "body-commits": draft.commits,
        "imperative": is_imperative(title),
        "checkbox": draft.checkbox is not None,
        "done": draft.done,
        "cells": bool(draft.cells),
        "mention": "@" in head and bool(_MENTION.search(head)),
        "label": draft.label,
        "grouped": draft.group is not None,
        "after-intro": draft.after_intro,
        "reported": draft.reported,
        "closing": draft.closing,
        "ends-period": title.rstrip().endswith((".", "。")),
        "ends-colon": title.rstrip().endswith((":", "：")),
        "time-of-day": ":" in title and bool(_TIME.search(title)),
        "starts-with-date": bool(_DATE_START.match(title)),
        "cjk": cjk * 2 > words + cjk,
        "has-text": bool(draft.body) and draft.origin != "prose",  # prose gathers the sentences after it
    }
    found.update({name: 1.0 for name, on in flags.items() if on})
    if draft.reported:
        found[f"reported&cue={cue.value}"] = 1.0
    if flags["commits"]:
        found[f"commits&mode={draft.rule_mode}"] = 1.0
        found[f"commits&origin={draft.origin}"] = 1.0
    return found


@dataclass
class _Tally:
    """How many candidates of a block or section commit to work, and how many report it."""

    count: int = 0
    commit: int = 0
    past: int = 0

    def add(self, cue: Cue) -> None:
        self.count += 1
        self.commit += cue in _COMMITTING
        self.past += cue is Cue.PAST


def describe(drafts: Sequence[Draft], line_count: int) -> list[Features]:
    """Features of every candidate of one document, in order."""
    cues = [_cue(d) for d in drafts]
    blocks: dict[tuple[int, int], _Tally] = defaultdict(_Tally)
    sections: dict[int, _Tally] = defaultdict(_Tally)
    for draft, cue in zip(drafts, cues, strict=True):
        blocks[(draft.section_line, draft.block)].add(cue)
        sections[draft.section_line].add(cue)
    out: list[Features] = []
    span = max(line_count, 1)
    for draft, cue in zip(drafts, cues, strict=True):
        features = _own(draft, cue, draft.line / span)
        block = blocks[(draft.section_line, draft.block)]
        count = block.count
        size = "one" if count == 1 else "few" if count <= 3 else "many"
        # A paragraph's sentences are not a list's entries: the count means something else there.
        features[f"prose-siblings={size}" if draft.origin == "prose" else f"siblings={size}"] = 1.0
        if count > 1:
            # What the other entries of the same list or block look like.
            features["siblings-commit"] = (block.commit - (cue in _COMMITTING)) / (count - 1)
            features["siblings-past"] = (block.past - (cue is Cue.PAST)) / (count - 1)
        # A section's role shows in its content as much as in its title.
        section = sections[draft.section_line]
        features["section-commit"] = section.commit / section.count
        features["section-past"] = section.past / section.count
        out.append(features)
    return out
