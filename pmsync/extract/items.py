"""Action items from a document's sections.

A section is read in one of two modes. In a follow-up section (STRONG) every
list entry, table row, line of a plain block and forward-looking sentence is an
item, minus introductions, closing remarks and observations. Elsewhere, when the
document has no follow-up section at all (WEAK), only what commits to work
counts: "we will ...", "need to ...", an imperative line. Lines the author marks
as actions ("Action item: ...", "TODO: ...") count anywhere.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from pmsync.extract.blocks import Block, Row
from pmsync.extract.language import (
    Cue,
    classify,
    ends_with_colon,
    is_cjk,
    is_forward_intro,
    is_future,
    is_imperative,
    is_strong_future,
    main_clause,
    reports_done,
    sentences,
    starts_with_conjunction,
    starts_with_connective,
)
from pmsync.extract.sections import Section, is_emphasis_title
from pmsync.extract.status import cell_state
from pmsync.extract.vocabulary import SectionKind


class Mode(Enum):
    STRONG = "strong"
    WEAK = "weak"


@dataclass(slots=True)
class Draft:
    """An item as found, before its fields are read."""

    title: str
    line: int  # 0-based
    end: int  # 0-based, exclusive
    anchor: int  # 0-based line where the item's own text ends (where a link goes)
    group: str | None
    section: str | None
    text: list[str] = field(default_factory=list)
    cue: Cue | None = None
    label: bool = False
    done: bool = False
    cells: dict[str, str] = field(default_factory=dict)  # table column role -> cell text
    source: str = ""  # the entry's Markdown as written, for fields that live in link targets
    cell: int | None = None  # table rows: the column where pmsync writes the issue link
    list_entry: bool = False
    checkbox: bool | None = None
    tags: dict[str, str] = field(default_factory=dict)  # priority / kind / issue written as a prefix
    # What the scorer reads about where the candidate stands (see extract/features.py).
    origin: str = ""  # entry, label, row, line, prose, heading, paragraph-label, marked
    rule_mode: str = ""  # the section's mode by its title: strong, weak or none
    section_kind: str = ""  # the section's kind by its title words
    section_line: int = -1
    block: int = -1  # first line of the top-level block it came from: its siblings share it
    after_intro: bool = False  # follows a forward-looking intro ("the following measures will be taken:")
    reported: bool = False  # a report of shipped work in a list that also holds plans
    closing: bool = False  # prose after the listed items of its section
    marked_done: bool = False  # the author marks it finished: a ticked box, ✅, DONE
    commits: bool = False  # heading items: a paragraph under it commits to work
    covers: bool = False  # taken as an item, it stands for every candidate within its lines

    @property
    def body(self) -> str:
        return " ".join(part for part in self.text if part).strip()


_ORDINAL = re.compile(r"^\d{1,3}[.)]\s+(?=\S)")
_CHECKBOX = re.compile(r"^\s*\[(?P<state>[ xX]?)\]\s*")
_PRIORITY_TAG = re.compile(
    r"^\s*(?P<q>\*\*|__)?(?P<tag>HIGH|MEDIUM|MED|LOW|CRITICAL|URGENT|P[0-4])(?P=q)?\s*[:\-–—]?\s+(?=\S)"
)
_KIND_TAG = re.compile(r"^\s*(?:category|type|kind)\s*:\s*(?P<tag>[^.\n]{1,40})\.\s*", re.I)
_REF_TAG = re.compile(r"^\s*\[(?P<tag>#\d+)\]\s*:?\s*")
_BOLD_LABEL = re.compile(
    r"^\s*(?:[^\w\s*_\[(]{1,3}\s*)?(?:\d{1,2}[.)]\s*)?(?P<q>\*\*|__)(?P<label>[^*_](?:.*?[^*_\s])?)\s*(?P=q)"
    r"\s*(?:[:：\-–—]\s*)?(?P<rest>.*)$",
    re.S,
)
_HASH_LABEL = re.compile(r"^\s*#{1,6}(?P<label>[^#\n]+?)\s*[:：]?\s*\n(?P<rest>.+)$", re.S)
_MARKED = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?(?:action[ -]?(?:item|point)s?|todo|to-do|follow[ -]?up)"
    r"(?:\([^)]*\))?\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(?P<rest>\S.*)$",
    re.I,
)
_METADATA_LABEL = re.compile(
    r"^(?:date|status|owners?|authors?|duration|impact|severity|note|notes|start|end|summary|"
    r"root causes?|resolution|detection|trigger|timeline|involved|attendees|q|a)\b",
    re.I,
)
_COMPLETED_SECTION = re.compile(r"\b(?:completed?|done|finished|implemented|shipped)\b", re.I)
_DONE_MARK = re.compile(r"✅|✔|☑|\bDONE\b|\((?:done|completed?|fixed)\)|\[(?:done|completed?)\]")
_SENTENCE_WORDS = re.compile(r"\w+")


_MARKUP = re.compile(r"[\[<*_\\]")


def _clean(text: str) -> str:
    """Inline Markdown to the words a person reads: links, emphasis, HTML removed."""
    if not _MARKUP.search(text):
        return " ".join(text.split())
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)
    text = re.sub(r"(?<![\w*])(\*\*|__)(?=\S)|(?<=\S)(\*\*|__)(?![\w*])", "", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", text)
    text = text.replace("\\\n", " ").replace("\\", "") if "\\" in text else text
    return " ".join(text.split()).strip()


# Emoji and marks before an entry's words ("✅ Add a timeout"): decoration, not its title.
_LEADING_SYMBOLS = re.compile("^[\u2190-\u2bff\ufe0f\u200d\U0001f000-\U0001faff\\s]+")


# "1、", "（2）", "③": how Chinese and Japanese number the lines of a plain block.
_CJK_ORDINAL = re.compile(r"^(?:\d{1,3}[、．]|[（(]\d{1,3}[）)]|[\u2460-\u2473])\s*(?=\S)")


def _title(text: str) -> str:
    title = _clean(text).rstrip(":： ").strip().strip("~").strip()
    if title and not title.isascii():
        title = _CJK_ORDINAL.sub("", title, count=1)
    return _LEADING_SYMBOLS.sub("", title) if title and not title[0].isascii() else title


def _strip_checkbox(text: str) -> tuple[bool | None, str]:
    match = _CHECKBOX.match(text)
    if not match:
        return None, text
    return match["state"] in ("x", "X"), text[match.end() :]


def _strip_tags(text: str) -> tuple[dict[str, str], str]:
    tags: dict[str, str] = {}
    for name, pattern in (("priority", _PRIORITY_TAG), ("kind", _KIND_TAG), ("issue", _REF_TAG)):
        match = pattern.match(text)
        if match:
            tags[name] = match["tag"]
            text = text[match.end() :]
    return tags, text


def _split_label(text: str) -> tuple[str | None, str]:
    """'**Title**: description' -> ('Title', 'description')."""
    match = _BOLD_LABEL.match(text)
    if match:
        label = match["label"].strip().rstrip(":：").strip()
        if label and len(_SENTENCE_WORDS.findall(label)) <= 16:
            return label, match["rest"].strip()
    match = _HASH_LABEL.match(text)
    if match:
        return match["label"].strip(), match["rest"].strip()
    return None, text


def _block_text(blocks: list[Block]) -> list[str]:
    """Readable text of nested blocks (details of an item)."""
    parts: list[str] = []
    for block in blocks:
        if block.kind in ("paragraph", "heading"):
            parts.append(_clean(block.text))
        elif block.kind in ("list", "item", "quote"):
            parts.extend(_block_text(block.children))
        elif block.kind == "table":
            parts.extend(_clean(" ".join(row.cells)) for row in block.rows[1:])
    return [part for part in parts if part]


def _is_task(block: Block) -> bool:
    first = block.children[0] if block.children else None
    return first is not None and first.kind == "paragraph" and bool(_CHECKBOX.match(first.text))


def _is_group_name(text: str, entries: int) -> bool:
    """'Lighthouse' over its entries is a group; 'Improve probe coverage' over its
    steps is an item with details."""
    words = _SENTENCE_WORDS.findall(text)
    if entries >= 2 and text.rstrip().endswith(":"):
        # "Monitoring:" names a group; "We are redesigning our review process, to:" is an item over its steps.
        return len(words) <= 10 and not is_strong_future(text)
    limit = 4 if entries >= 2 else 2
    return (
        0 < len(words) <= limit
        and not text.rstrip().endswith(".")
        and classify(text)
        not in (
            Cue.IMPERATIVE,
            Cue.FUTURE,
        )
    )


def _commits(sentence: str) -> bool:
    """Whether a sentence of prose commits to work: it starts an item there."""
    cue = classify(sentence)
    if cue in (Cue.INTRO, Cue.CLOSING) or (cue is Cue.STATEMENT and is_strong_future(sentence)):
        return False  # an introduction, or a plan reported in the past ("The plan was ...")
    return is_strong_future(sentence) or is_future(main_clause(sentence))


# Words without which a block in a report section cannot commit to work: a few
# substring tests, so reading such sections costs little.
_COMMIT_HINTS = ("will", "should", "need", "must", "plan", "'ll", "’ll", "going to", "action", "todo", "[ ]")


class ItemCollector:
    """Candidates of a document: every section is read as a follow-up section would
    be, and the scorer decides. Each candidate records what its section's title
    alone says (`rule_mode`, `section_kind`); sections titled as a report of the
    incident are read only where their content may commit to work."""

    def __init__(self, root: Section, lines: list[str], wanted: Callable[[int, int], bool] | None = None) -> None:
        self.root = root
        self.lines = lines  # the document's source lines, for cheap looks at a block's words
        self.wanted = wanted  # lines a user's override asks to read as items, whatever their section
        self.has_followup = any(s.effective_kind is SectionKind.FOLLOWUP for s in root.walk())

    def collect(self) -> list[Draft]:
        drafts: list[Draft] = []
        for section in self.root.walk():
            rule_mode = self._mode(section)
            found = self._blocks(section.blocks, section, rule_mode)
            # The heading-as-item reading competes with the sentence reading of its
            # paragraphs; the scorer picks one (see `covers`).
            if self._may_be_heading_item(section) and (found or not _screened(section, rule_mode)):
                found = self._heading_item(section) + found
            kind = section.effective_kind.value
            for draft in found:
                draft.rule_mode = rule_mode.value if rule_mode else "none"
                draft.section_kind = kind
                parent = section.parent
                draft.section_line = parent.line if draft.covers and parent is not None else section.line
            drafts.extend(found)
        drafts.sort(key=lambda d: (d.line, d.anchor))
        return drafts

    def _mode(self, section: Section) -> Mode | None:
        kind = section.effective_kind
        if kind is SectionKind.FOLLOWUP:
            return Mode.STRONG
        if kind in (SectionKind.WEAK, SectionKind.NEUTRAL) and not self.has_followup:
            return Mode.WEAK
        return None

    def _may_commit(self, block: Block) -> bool:
        """A cheap look for words of commitment or a task mark anywhere in a block."""
        raw = "\n".join(self.lines[block.line : block.end]).lower()
        if any(hint in raw for hint in _COMMIT_HINTS):
            return True
        return self.wanted is not None and self.wanted(block.line, block.end)

    def _followup_root(self, section: Section) -> Section:
        """The topmost titled follow-up or lessons section above (or at) a section: the
        sub-headings below it name their items' groups."""
        top = section
        node: Section | None = section
        while node is not None:
            if node.effective_kind in (SectionKind.FOLLOWUP, SectionKind.WEAK) and node.title is not None:
                top = node
            node = node.parent
        return top

    def _group(self, section: Section) -> str | None:
        return None if self._followup_root(section) is section else section.title

    def _may_be_heading_item(self, section: Section) -> bool:
        """A titled leaf section under a titled parent, holding paragraphs (and a list
        after them). A section whose own title names follow-up work or lessons holds
        items; it is not one."""
        if section.children or not section.blocks or section.parent is None or section.parent.title is None:
            return False
        if section.kind in (SectionKind.FOLLOWUP, SectionKind.WEAK) and section.parent.effective_kind not in (
            SectionKind.FOLLOWUP,
            SectionKind.WEAK,
        ):
            return False  # the follow-up section itself ("## Action items"), not a measure under one
        content = [b for b in section.blocks if b.kind not in ("html", "quote", "hr")]
        words = len(_SENTENCE_WORDS.findall(section.title or ""))
        if not content or not 0 < words <= 12 or content[0].kind != "paragraph":
            return False
        if any(b.kind not in ("paragraph", "list") for b in content):
            return False
        # Paragraphs of prose: a block of separate lines holds items of its own.
        if any(len(b.lines) > 1 and _is_line_block([line.strip() for line in b.lines]) for b in content):
            return False
        # A list of several entries is the heading's details only when the paragraph before it
        # leads into it ("We now have a bot that reports:"); otherwise the heading names a group.
        for before, block in itertools.pairwise(content):
            if block.kind == "list" and len(block.children) >= 2:
                lead = before.lines[-1] if before.kind == "paragraph" else ""
                if not ends_with_colon(lead) or is_forward_intro(lead):
                    return False
        return True

    def _heading_item(self, section: Section) -> list[Draft]:
        paragraphs = [b for b in section.blocks if b.kind == "paragraph"]
        details = [b for b in section.blocks if b.kind == "list"]
        parent = section.parent
        group = self._group(parent) if parent is not None else None
        return [
            Draft(
                title=_title(section.title or ""),
                line=section.line,
                end=max(b.end for b in section.blocks),
                anchor=section.line,
                group=group,
                section=section.title,
                text=[_clean(p.text) for p in paragraphs] + _block_text(details),
                label=True,
                origin="heading-list" if details else "heading",
                covers=True,
                cue=classify(section.title or ""),
                block=-2,
                commits=any(is_future(p.text) for p in paragraphs),
            )
        ]

    def _blocks(self, blocks: list[Block], section: Section, rule_mode: Mode | None) -> list[Draft]:
        out: list[Draft] = []
        forward_intro = False
        previous: list[Draft] = []
        listed = False  # a list, table or plain block already gave items here
        screened = _screened(section, rule_mode)
        for block in blocks:
            if screened and not forward_intro and not self._may_commit(block):
                continue
            group = self._group(section)
            if rule_mode is None and forward_intro:
                group = section.title  # a list introduced as follow-up work outside a follow-up section
            found: list[Draft] = []
            if block.kind == "list":
                if previous and _wants_details(previous[-1]) and not (forward_intro and _holds_items(block)):
                    # "**Migrate the table**" or "We plan to add alerts around:" and
                    # then a list: the list is that item's details.
                    previous[-1].text.extend(_block_text([block]))
                    previous[-1].end = block.end
                    continue
                found = self._list(block, group, section)
                listed = listed or bool(found)
                for draft in found:
                    draft.after_intro = forward_intro
            elif block.kind == "table":
                found = self._table(block, group, section)
                listed = listed or bool(found)
                for draft in found:
                    draft.after_intro = forward_intro
            elif block.kind == "paragraph":
                rest, announces = _without_intro(block)
                if rest.text:
                    found = self._paragraph(rest, group, section, after_items=listed)
                    listed = listed or (bool(found) and len(rest.lines) > 1)
                if announces:
                    forward_intro = True
                    _mark_block(found, block.line)
                    out.extend(found)
                    previous = found or previous
                    continue
            if block.kind in ("list", "paragraph", "quote"):
                # A line marked "Action point:" is its own candidate, titled without the mark.
                marked = {d.line: d for d in self._marked(block)}
                found = [marked.pop(d.line, d) for d in found] + list(marked.values())
            forward_intro = False
            _mark_block(found, block.line)
            out.extend(found)
            previous = found or previous
        if section.title and _COMPLETED_SECTION.search(section.title):
            for draft in out:
                draft.done = True
        return out

    # -- lists ---------------------------------------------------------------

    def _list(self, block: Block, group: str | None, section: Section, *, nested: bool = False) -> list[Draft]:
        drafts: list[Draft] = []
        for entry in block.children:
            if entry.kind == "item":
                drafts.extend(self._entry(entry, group, section))
        # Reports mixed with plans are judged over the whole list, groups included.
        return drafts if nested else _mark_reports(drafts)

    def _entry(self, entry: Block, group: str | None, section: Section) -> list[Draft]:
        children = entry.children
        if len(children) == 1 and children[0].kind == "list" and len(children[0].children) == 1:
            return self._entry(children[0].children[0], group, section)  # "- 1. text": one entry
        lead_block = children[0] if children and children[0].kind in ("paragraph", "heading") else None
        rest = children[1:] if lead_block else children
        lead = lead_block.text if lead_block else ""
        anchor = lead_block.end - 1 if lead_block else entry.line
        checked, lead = _strip_checkbox(lead)
        if checked is not None:
            # "- 1. text" is read as one entry; a task box written before it leaves "1. " in the text.
            lead = _ORDINAL.sub("", lead, count=1)
        tags, lead = _strip_tags(lead)
        label, description = _split_label(lead)
        if lead_block is not None and lead_block.kind == "heading":
            label, description = lead.strip(), ""
        nested = [item for b in rest if b.kind == "list" for item in b.children]
        tasks = [item for item in nested if _is_task(item)]
        details = [b for b in rest if not (b.kind == "list" and all(_is_task(i) for i in b.children))]

        # A task box makes an entry an item: "- [ ] Rotate logs daily:" over its steps is not a group.
        if label is not None and not description and len(nested) >= 2 and checked is None:
            return self._group_entries(rest, _title(label), section)
        # "* **Fixes:**" alone on its line, over unindented lines: a group whose lines are its items
        # ("* **Add a flag**: why" followed by "Owner: ..." is one item with its details).
        alone = not _split_label(lead.split("\n", 1)[0])[1].strip()
        if label is not None and alone and lead_block is not None and not nested:
            lines = [line.strip() for line in description.split("\n")]
            if len(lines) >= 2 and _is_line_block(lines):
                first = lead_block.end - len(lines)
                block = Block("paragraph", first, lead_block.end, text="\n".join(lines))
                return self._line_block(block, lines, _title(label), section)
        if label is None and nested and checked is None and _is_group_name(_clean(lead), len(nested)):
            return self._group_entries(rest, _title(lead), section)

        draft: Draft | None
        if label is not None:
            text = [_clean(description), *_block_text(details)]
            draft = Draft(
                _title(label), entry.line, entry.end, anchor, group, section.title, text, label=True, origin="label"
            )
            draft.cue = classify(draft.body) if draft.body else Cue.NOUN
        else:
            draft = self._sentence_draft(lead, entry, anchor, group, section, leads_details=bool(details))
            if draft is not None:
                draft.text.extend(_block_text(details))
        out: list[Draft] = []
        if draft is not None:
            draft.origin = draft.origin or "entry"
            draft.source = lead
            draft.list_entry = True
            draft.checkbox = checked
            draft.tags.update(tags)
            draft.done = bool(checked) or draft.done
            draft.marked_done = bool(checked) or bool(_DONE_MARK.search(lead))
            if checked is None and (draft.cue is Cue.PAST or draft.marked_done):
                draft.done = True
            out.append(draft)
        for task in tasks:
            out.extend(self._entry(task, group, section))
        return out

    def _group_entries(self, blocks: list[Block], group: str, section: Section) -> list[Draft]:
        drafts: list[Draft] = []
        for block in blocks:
            if block.kind == "list":
                drafts.extend(self._list(block, group, section, nested=True))
        return drafts

    def _sentence_draft(
        self, lead: str, entry: Block, anchor: int, group: str | None, section: Section, *, leads_details: bool = False
    ) -> Draft | None:
        """One entry of a list or a plain block: its first sentence is the title. An entry
        ending in ':' over its own nested details is an item that introduces them."""
        marked = _MARKED.match(lead)
        if marked:
            lead = marked["rest"]
        parts = sentences(_clean(lead))
        if not parts:
            return None
        chosen = 0
        cue = classify(parts[chosen])
        if cue is Cue.INTRO and leads_details:
            cue = classify(parts[chosen].rstrip().rstrip(":："))
        if cue in (Cue.INTRO, Cue.CLOSING):
            return None
        draft = Draft(
            _title(parts[chosen]),
            entry.line,
            entry.end,
            anchor,
            group,
            section.title,
            text=parts[chosen + 1 :],
            cue=cue,
        )
        if cue is Cue.STATEMENT and not is_future(" ".join(parts)):
            draft.cue = Cue.STATEMENT
        return draft

    # -- tables --------------------------------------------------------------

    def _table(self, block: Block, group: str | None, section: Section) -> list[Draft]:
        if len(block.rows) < 2:
            return []
        roles = _column_roles(block.rows[0].cells)
        drafts: list[Draft] = []
        for row in block.rows[1:]:
            draft = _row_draft(row, roles, group, section)
            if draft is not None:
                drafts.append(draft)
        return drafts

    # -- paragraphs ----------------------------------------------------------

    def _paragraph(
        self, block: Block, group: str | None, section: Section, *, after_items: bool = False
    ) -> list[Draft]:
        text = block.text
        if is_emphasis_title(text) is not None:
            return []
        label, description = _split_label(text)
        if label is not None and description and not _METADATA_LABEL.match(label):
            draft = Draft(
                _title(label),
                block.line,
                block.end,
                block.line,
                group,
                section.title,
                [_clean(description)],
                label=True,
                origin="paragraph-label",
            )
            draft.cue = classify(_clean(description))
            if _DONE_MARK.search(text) or draft.cue is Cue.PAST:
                draft.done = True
            return [draft]
        lines = [line.strip() for line in block.lines]
        if len(lines) > 1 and _is_line_block(lines):
            return _mark_reports(self._line_block(block, lines, group, section))
        # Prose after the listed items usually closes the section ("In conclusion, ...").
        closing = after_items and not (len(lines) == 1 and is_imperative(lines[0]))
        drafts = self._prose(block, group, section)
        for draft in drafts:
            draft.closing = closing
        return drafts

    def _line_block(self, block: Block, lines: list[str], group: str | None, section: Section) -> list[Draft]:
        drafts: list[Draft] = []
        for offset, line in enumerate(lines):
            number = block.line + offset
            if not line:
                continue
            if drafts and starts_with_conjunction(line):
                drafts[-1].text.append(_clean(line))
                continue
            entry = Block("item", number, number + 1)
            draft = self._sentence_draft(line, entry, number, group, section)
            if draft is not None:
                if draft.cue is Cue.STATEMENT and not is_future(line):
                    continue
                draft.origin = "line"
                drafts.append(draft)
        return drafts

    def _prose(self, block: Block, group: str | None, section: Section) -> list[Draft]:
        """Sentences of a paragraph that commit to work; the ones after an item
        that add detail ('Further, ...', 'This ...') become its text."""
        joined, starts = _join_lines(block)
        parts = sentences(joined)
        single = len(parts) == 1
        drafts: list[Draft] = []
        position = 0
        for sentence in parts:
            position = joined.find(sentence, position)
            line = _line_at(starts, position) + block.line
            cue = classify(sentence)
            # A sentence that starts with a verb ("Improve the alerting.", "Ensuring that ...")
            # proposes work as much as "we will" does; the scorer weighs where it stands.
            # A sentence in Chinese, Japanese or Korean is left to the scorer: the cues are English.
            accepted = (
                _commits(sentence) or cue in (Cue.IMPERATIVE, Cue.FUTURE) or (single and cue is Cue.NOUN)
            ) or is_cjk(sentence)
            if accepted and not (drafts and starts_with_connective(sentence)):
                draft = Draft(_title(sentence), line, line + 1, line, group, section.title, cue=cue, origin="prose")
                draft.done = reports_done(sentence)
                drafts.append(draft)
            elif drafts:
                drafts[-1].text.append(_clean(sentence))
                drafts[-1].end = line + 1
                if re.search(r"\balready\b", sentence, re.I):
                    drafts[-1].done = True
        for draft in drafts:
            draft.anchor = draft.end - 1
        return drafts

    # -- marked lines outside follow-up sections -------------------------------

    def _marked(self, block: Block) -> list[Draft]:
        drafts: list[Draft] = []
        if block.kind in ("paragraph", "heading") and _may_be_marked(block.text):
            for offset, line in enumerate(block.lines):
                match = _MARKED.match(line)
                if match:
                    number = block.line + offset
                    drafts.append(
                        Draft(
                            _title(match["rest"]), number, number + 1, number, None, None, source=line, origin="marked"
                        )
                    )
        for child in block.children:
            drafts.extend(self._marked(child))
        return drafts


def _may_be_marked(text: str) -> bool:
    lowered = text.lower()
    return "action" in lowered or "todo" in lowered or "to-do" in lowered or "follow" in lowered


def _is_line_block(lines: list[str]) -> bool:
    """Lines that are separate entries ('Add alerting.' / 'Update the runbook.'),
    not one hard-wrapped sentence."""
    for previous, line in itertools.pairwise(lines):
        if not line or not (line[0].isupper() or line[0].isdigit() or line[0] in "\"“'`"):
            return False
        ends_sentence = previous.rstrip().endswith((".", "!", "?", ":", ";", ")", "。"))
        short = len(_SENTENCE_WORDS.findall(previous)) <= 10
        if not (ends_sentence or short or classify(line) is Cue.IMPERATIVE):
            return False
    return True


def _without_intro(block: Block) -> tuple[Block, bool]:
    """A paragraph without the sentence that ends it by announcing a list of work
    ("Going forward, we will do the following:"), and whether its last line announces
    one. The sentences before the intro are still read: in "Lastly, we will upgrade X.
    Specifically:" the first commits to work (the line announces the list, and the
    list is that item's details unless its entries are work of their own)."""
    lines = block.lines
    last = lines[-1]
    announces = is_forward_intro(last)
    if not ends_with_colon(last) or _split_label(block.text)[0]:
        return block, announces
    parts = sentences(last.strip())
    if not is_forward_intro(parts[-1] if parts else last):
        return block, announces
    kept = lines[:-1]
    if len(parts) > 1:
        kept.append(last[: last.rfind(parts[-1])].rstrip())
    text = "\n".join(kept)
    return Block("paragraph", block.line, block.end - (len(parts) <= 1), text=text), True


def _holds_items(block: Block) -> bool:
    """A list whose entries are labelled or start with a verb is a list of work, not
    the details of the sentence before it."""
    firsts = [entry.children[0].text for entry in block.children if entry.children]
    leads = [_strip_checkbox(text)[1] for text in firsts if text]
    work = sum(1 for lead in leads if _split_label(lead)[0] is not None or is_imperative(lead))
    return bool(leads) and work * 2 > len(leads)


def _wants_details(draft: Draft) -> bool:
    """An item whose own text is only a label, or ends with ':', takes the list after it."""
    body = draft.body
    return (draft.label and not body) or body.endswith(":") or (not body and draft.title.endswith(":"))


def _join_lines(block: Block) -> tuple[str, list[int]]:
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for line in block.lines:
        starts.append(offset)
        stripped = line.strip()
        parts.append(stripped)
        offset += len(stripped) + 1
    return " ".join(parts), starts


def _line_at(starts: list[int], position: int) -> int:
    line = 0
    for index, start in enumerate(starts):
        if start <= position:
            line = index
    return line


def _screened(section: Section, rule_mode: Mode | None) -> bool:
    """A section titled as a report of the incident ("Timeline", "Resolution") in a
    document with follow-up sections is read only where its content commits to work."""
    return rule_mode is None and section.effective_kind is not SectionKind.WEAK


def _mark_block(drafts: list[Draft], line: int) -> None:
    for draft in drafts:
        if draft.block < 0:
            draft.block = line


def _mark_reports(drafts: list[Draft]) -> list[Draft]:
    """In a list that mixes plans with reports of work already shipped
    ('Added a flag', 'Fixed a bug', 'Working on sync'), the reports are marked for
    the scorer. A list of nothing but reports (a 'completed' list) marks none."""
    plain = [d for d in drafts if not d.label]
    has_past = any(d.cue is Cue.PAST for d in plain)
    has_other = any(d.cue is not Cue.PAST for d in plain)
    if has_past and has_other:
        reports = [
            d
            for d in drafts
            if not d.label
            and d.cue in (Cue.PAST, Cue.NOUN, Cue.STATEMENT)
            and d.checkbox is None
            and not d.marked_done  # an entry the author marks finished (✅, DONE) is an item, done
        ]
        for draft in reports:
            draft.reported = True
    return drafts


_ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("owner", re.compile(r"\b(?:owners?|who|assignee|responsible|dri|assigned)\b", re.I)),
    ("due", re.compile(r"\b(?:due|deadline|eta|target|when|date)\b", re.I)),
    ("priority", re.compile(r"\b(?:priority|prio|urgency)\b", re.I)),
    ("kind", re.compile(r"\b(?:type|kind|category)\b", re.I)),
    ("issue", re.compile(r"\b(?:bug|issue|ticket|tracking|link|jira|pr)\b", re.I)),
    ("status", re.compile(r"\b(?:status|state|done|complete|progress)\b", re.I)),
    (
        "title",
        re.compile(
            r"\b(?:action|item|task|description|what|todo|follow|measure|recommendation|title|summary|remediation)",
            re.I,
        ),
    ),
)
# Empty or fill-in cells of a template: "", "-", "TBD", "[Describe the action]", "<owner>".
_PLACEHOLDER = re.compile(r"^[\s.\-–—_?…]*$|^(?:tbd|todo|n/?a|none|\.\.\.)$|^\[[^\]]*\]$|^<[^>]*>$|^\{[^}]*\}$", re.I)


def _column_roles(header: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _clean(cell)
        for role, pattern in _ROLE_PATTERNS:
            if role not in roles and pattern.search(name):
                roles[role] = index
                break
    if "title" not in roles:
        taken = set(roles.values())
        free = [i for i in range(len(header)) if i not in taken]
        if free:
            roles["title"] = free[0]
    return roles


def _row_draft(row: Row, roles: dict[str, int], group: str | None, section: Section) -> Draft | None:
    def cell(role: str) -> str:
        index = roles.get(role)
        return row.cells[index] if index is not None and index < len(row.cells) else ""

    title = _title(cell("title"))
    if not title or _PLACEHOLDER.match(title):
        return None
    cells = {role: _clean(cell(role)) for role in roles if role != "title" and cell(role).strip()}
    draft = Draft(
        title, row.line, row.line + 1, row.line, group, section.title, cells=cells, cue=Cue.NOUN, origin="row"
    )
    draft.source = " | ".join(row.cells)
    draft.cell = roles.get("issue", roles.get("status", roles["title"]))
    status = " ".join(cells.get(role, "") for role in ("status", "issue"))
    draft.done = cell_state(status) == "completed"
    return draft
