"""`pmsync scan --explain FILE`: why each candidate was (not) taken as an item.

    explain(candidates, scorer) -> str

First the document's sections: each one's kind by its title words, the mode
that kind gives its content, and the words that decided it. Then every
candidate in document order: the decision, the score against the threshold,
the title, and the features that pushed the score most (the bias, the
same in every score, is named once at the top). Pure: builds a string.
"""

from __future__ import annotations

from pmsync.extract import Candidates, rule, without_covered
from pmsync.extract.items import Draft
from pmsync.extract.scorer import Scorer
from pmsync.extract.sections import PSEUDO_LEVEL, Section
from pmsync.extract.vocabulary import DEFAULT_VOCABULARY, SectionKind, Vocabulary, normalize_title

TITLE_WIDTH = 80
TOP_FEATURES = 4


def explain(candidates: Candidates, scorer: Scorer, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> str:
    """A readable report of how the document was read (pass the config's vocabulary
    when it adds section words)."""
    bias = scorer.weights.get("bias", 0.0)
    head = f"{candidates.path}: {len(candidates.drafts)} candidates; threshold {scorer.threshold:.2f}"
    out = [head + (f"; every score includes the bias {bias:+.2f}" if bias else ""), ""]
    if candidates.sections is not None:
        out.append("Sections")
        out.extend(_sections(candidates.sections, candidates.drafts, vocabulary))
        out.append("")
    out.append("Candidates")
    out.extend(_candidates(candidates, scorer))
    unmatched = candidates.overrides.unmatched(candidates.drafts)
    if unmatched:
        out.extend(["", "Overrides that match no candidate"])
        out.extend(f"  line {override.line + 1}: {override.comment}" for override in unmatched)
    return "\n".join(out) + "\n"


# -- sections ------------------------------------------------------------------


def _sections(root: Section, drafts: list[Draft], vocabulary: Vocabulary) -> list[str]:
    # The mode each section's candidates were read in; computed the same way when a section has none.
    modes = {d.section_line: d.rule_mode for d in drafts if not d.covers and d.rule_mode}
    has_followup = any(s.effective_kind is SectionKind.FOLLOWUP for s in root.walk())
    lines: list[str] = []
    if root.blocks:
        mode = modes.get(root.line) or _mode(root, has_followup)
        lines.append(f"  line 1: (before the first heading): kind {root.kind.value}, mode {mode}")
    for section, depth in _walk(root, 0):
        form = "label" if section.level == PSEUDO_LEVEL else f"heading {section.level}"
        mode = modes.get(section.line) or _mode(section, has_followup)
        kind = section.kind.value
        if section.kind is not section.effective_kind:
            kind += f" (part of a {section.effective_kind.value} section)"
        indent = "  " * depth
        lines.append(
            f"  {indent}line {section.line + 1}: {section.title!r} ({form}): kind {kind}, mode {mode}; "
            f"{_why(section, vocabulary)}"
        )
    return lines


def _walk(section: Section, depth: int) -> list[tuple[Section, int]]:
    found: list[tuple[Section, int]] = []
    for child in section.children:
        found.append((child, depth))
        found.extend(_walk(child, depth + 1))
    return found


def _mode(section: Section, has_followup: bool) -> str:
    """The mode a section's title gives its content (as ItemCollector reads it)."""
    kind = section.effective_kind
    if kind is SectionKind.FOLLOWUP:
        return "strong"
    if kind in (SectionKind.WEAK, SectionKind.NEUTRAL) and not has_followup:
        return "weak"
    return "none"


_WORD_GROUPS = (
    ("done", "done_qualifiers"),
    ("follow-up", "followup"),
    ("generic follow-up", "generic_followup"),
    ("lessons", "weak"),
    ("negative", "negative"),
)


def _why(section: Section, vocabulary: Vocabulary) -> str:
    """The title words that decided the section's kind."""
    text = normalize_title(section.title or "").lower()
    matched: list[str] = []
    for label, name in _WORD_GROUPS:
        pattern = getattr(vocabulary, name)
        words = sorted({m.group(0) for m in pattern.finditer(text)})
        if words:
            matched.append(f"{', '.join(repr(w) for w in words)} ({label})")
    if not matched:
        return "no known title words"
    why = "title words " + "; ".join(matched)
    if section.kind is SectionKind.NEUTRAL and section.parent is not None:
        context = section.parent.effective_kind
        if context is SectionKind.FOLLOWUP:
            why += "; ignored inside a follow-up section"
        elif context is SectionKind.NEGATIVE:
            why += "; ignored inside a report of the incident"
    return why


# -- candidates ----------------------------------------------------------------


def _candidates(candidates: Candidates, scorer: Scorer) -> list[str]:
    rows: list[tuple[Draft, float, bool, str]] = []
    for draft, features in zip(candidates.drafts, candidates.features, strict=True):
        score = scorer.score(features)
        rows.append((draft, score, *_decision(candidates, draft, score > scorer.threshold)))
    kept = [draft for draft, _, keep, _ in rows if keep]
    standing = {id(draft) for draft in without_covered(kept)}
    lines: list[str] = []
    for (draft, score, keep, why), features in zip(rows, candidates.features, strict=True):
        if keep and id(draft) not in standing:
            decision = f"covered by a heading item{_covering(draft, kept)}"
        else:
            decision = ("item" if keep else "not an item") + why
        pushed = [(name, value) for name, value in scorer.contributions(features) if name != "bias"]
        parts = [f"{name} {value:+.2f}" for name, value in pushed[:TOP_FEATURES]]
        lines.append(f"  line {draft.line + 1}: {decision}; score {score:.2f} vs threshold {scorer.threshold:.2f}")
        lines.append(f"    {_cut(draft.title)}")
        lines.append(f"    {', '.join(parts) if parts else 'no weighted features'}")
    return lines


def _decision(candidates: Candidates, draft: Draft, scored: bool) -> tuple[bool, str]:
    """Kept or not, and why when the score did not decide: the same rules as `decide`."""
    ruled = rule(candidates, draft)
    return (scored, "") if ruled is None else (ruled[0], f" ({ruled[1]})")


def _covering(draft: Draft, kept: list[Draft]) -> str:
    heading = next((d for d in kept if d.covers and d.line <= draft.line < d.end), None)
    return f" (line {heading.line + 1})" if heading is not None else ""


def _cut(title: str) -> str:
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"
