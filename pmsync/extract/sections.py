"""Group a document's top-level blocks into a tree of titled sections.

Authors mark sections in many ways besides Markdown headings: a paragraph that
is only bold or italic text ("**Action Items:**", "_Lessons learned_"), a
"##Title" line with no space (a paragraph to CommonMark), or a plain title line
("Corrective and preventative measures:"). All of them open a section here.
Real headings keep their level; the other forms sit below every real heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pmsync.extract.blocks import Block, looks_like_list, looks_like_text, reparse_lines
from pmsync.extract.language import Cue, classify
from pmsync.extract.vocabulary import SectionKind, Vocabulary, normalize_title

PSEUDO_LEVEL = 7


@dataclass
class Section:
    title: str | None
    level: int
    line: int
    kind: SectionKind
    parent: Section | None = None
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    heading: str = ""  # the title as written, numbers and dates kept ("2023-02-01 Dask evictions")

    @property
    def effective_kind(self) -> SectionKind:
        section: Section | None = self
        while section is not None:
            if section.kind is not SectionKind.NEUTRAL:
                return section.kind
            section = section.parent
        return SectionKind.NEUTRAL

    def walk(self) -> Iterator[Section]:
        """This section and every one below it, in document order."""
        stack = [self]
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.children))


@dataclass(frozen=True)
class _Head:
    title: str
    level: int
    line: int


_EMPHASIS_LINE = re.compile(
    r"^\s*(?:[^\w\s*_\[]{1,3}\s*)?(?P<q>\*\*|__|\*|_)(?P<title>[^*_\s](?:.*?[^*_\s])?)(?P=q)\s*[:：]?\s*$"
)
_HASH_LINE = re.compile(r"^\s{0,3}(?P<marks>#{1,6})(?=[^#\s])(?P<title>.*?)\s*#*\s*$")
_TITLE_LINE = re.compile(r"^\s*(?P<title>[^\s.!?][^.!?]{0,80}?)\s*[:：]?\s*$")
_WORDS = re.compile(r"\w+")
# "This fixes the issue we had today" is a sentence, not a section title.
_SENTENCE_START = re.compile(r"^(?:this|that|these|those|it|we|i|you|they|he|she|there)\b", re.I)
_REPORT_TITLE = re.compile(r"timeline|chronology|events|what happened|taken|performed", re.I)
# Marks a title never has, or a clause after a comma ("To prevent this, we will:" is a sentence).
_NOT_A_TITLE = re.compile(r"\*\*|__|`| [–—-] |[。．！？、]|,\s*(?:we|i|they|the team|our team)\b|,\s+[a-z]")


def is_emphasis_title(text: str) -> str | None:
    """The title when a one-line paragraph is only bold/italic text, else None."""
    if "\n" in text.strip():
        return None
    match = _EMPHASIS_LINE.match(text)
    if not match:
        return None
    title = match["title"].strip().rstrip(":：").strip()
    if len(_WORDS.findall(title)) > 12 or classify(title) is Cue.INTRO or _SENTENCE_START.match(title):
        return None
    if "**" in title or "__" in title:  # "**a** and **b**" is two spans, not one title
        return None
    if title.endswith((".", "!", "?", "。")):
        return None  # "_Replace this line with your items._": a sentence in italics, a template's legend
    return title


def _plain_title(line: str, vocabulary: Vocabulary, max_words: int = 8) -> str | None:
    match = _TITLE_LINE.match(line)
    if not match or line.strip().startswith(("-", "*", "+", ">", "|", "`", "#")):
        return None
    title = match["title"]
    too_long = len(_WORDS.findall(title)) > max_words or len(title) > 60
    if too_long or _NOT_A_TITLE.search(title) or _SENTENCE_START.match(title):
        return None
    if vocabulary.classify(title) is SectionKind.NEUTRAL:
        return None
    return title


def _split_paragraph(block: Block, vocabulary: Vocabulary) -> Iterator[Block | _Head]:
    text = block.text
    if "#" not in text and "\n" not in text and (len(text) > 100 or text.endswith((".", "!", "?"))):
        yield block  # a plain sentence: the common case, decided without regexes
        return
    lines = block.lines
    emphasis = is_emphasis_title(block.text)
    if emphasis is not None:
        yield _Head(emphasis, PSEUDO_LEVEL, block.line)
        return
    if len(lines) == 1:
        title = _plain_title(lines[0], vocabulary)
        if title is not None:
            yield _Head(title, PSEUDO_LEVEL, block.line)
            return
    start = 0
    if len(lines) > 1 and not _HASH_LINE.match(lines[0]):
        title = _plain_title(lines[0], vocabulary)
        if title is not None:
            yield _Head(title, PSEUDO_LEVEL, block.line)
            start = 1
    chunk_start = start
    for index in range(start, len(lines)):
        hashed = _HASH_LINE.match(lines[index])
        if not hashed:
            # A title line right after another ("Corrective measures" over "Improvements:") opens a sub-section.
            title = _inner_title(lines, index, vocabulary) if index > chunk_start or index == start > 0 else None
            if title is not None:
                # A title line inside a paragraph ("...recovered.\n**Action items:**", a plain-text
                # document's "Action items" line): the paragraph ends and a section starts.
                yield from _chunk(lines[chunk_start:index], block.line + chunk_start)
                stacked = index == chunk_start  # right under another title: its sub-section
                yield _Head(title, PSEUDO_LEVEL + stacked, block.line + index)
                chunk_start = index + 1
            continue
        heading_alone = (
            index + 1 == len(lines)
            or bool(_HASH_LINE.match(lines[index + 1]))
            # "#Action items" over lines: a section, though no blank line follows it
            or (index + 2 < len(lines) and _names_followup_or_lessons(hashed["title"], vocabulary))
        )
        if heading_alone or index > chunk_start:
            yield from _chunk(lines[chunk_start:index], block.line + chunk_start)
            chunk_start = index
        if heading_alone:
            yield _Head(hashed["title"].strip(), len(hashed["marks"]), block.line + index)
            chunk_start = index + 1
    yield from _chunk(lines[chunk_start:], block.line + chunk_start)


def _names_followup_or_lessons(title: str, vocabulary: Vocabulary) -> bool:
    return vocabulary.classify(normalize_title(title)) in (SectionKind.FOLLOWUP, SectionKind.WEAK)


_ENDS_LINE = (".", "!", "?", ":", ";", ")", "。", "：")


def _inner_title(lines: list[str], index: int, vocabulary: Vocabulary) -> str | None:
    """A line inside a paragraph that is a section title: only bold or italic text, or
    a short title line naming a section's kind, after a line that ended (so the
    wrapped line of a sentence is never taken for one)."""
    line = lines[index].strip()
    # Cheap tests first: this runs on every line of every paragraph of several lines.
    if not line or len(line) > 100 or line[0].islower():
        return None
    if line[0] in "*_" or not line[0].isascii():
        emphasis = is_emphasis_title(line)
        if emphasis is not None:
            return emphasis
    if len(line) > 60 or "." in line or "?" in line or "!" in line:
        return None
    if ":" in line.rstrip(":： ") or "：" in line.rstrip(":： "):
        return None  # "TODO: email the list" is an entry, not a title
    previous = lines[index - 1].strip()
    if previous.endswith(_ENDS_LINE) or len(_WORDS.findall(previous)) <= 8:
        return _plain_title(line, vocabulary)
    return None


def _chunk(lines: list[str], first_line: int) -> Iterator[Block]:
    if not lines:
        return
    if looks_like_list(lines):
        yield from reparse_lines(lines, first_line)
    else:
        text = "\n".join(line.strip() for line in lines)
        yield Block("paragraph", first_line, first_line + len(lines), text=text)


def _events(blocks: list[Block], vocabulary: Vocabulary) -> Iterator[Block | _Head]:
    for block in blocks:
        if block.kind == "heading":
            yield _Head(block.text.strip(), block.level, block.line)
        elif block.kind == "paragraph":
            yield from _split_paragraph(block, vocabulary)
        elif (
            block.kind == "code" and not block.fenced and (looks_like_list(block.lines) or looks_like_text(block.lines))
        ):
            yield from _events(reparse_lines(block.lines, block.line), vocabulary)
        else:
            yield block


def _is_report(section: Section) -> bool:
    """Whether the nearest titled ancestor says the section tells what happened (a timeline)."""
    node: Section | None = section
    while node is not None:
        if node.kind is not SectionKind.NEUTRAL:
            title = node.title or ""
            return node.kind is SectionKind.NEGATIVE and bool(_REPORT_TITLE.search(title))
        node = node.parent
    return False


_MARKUP = re.compile(r"\*\*|__|`|^#+\s*|\s#+\s*$")


def _as_written(title: str) -> str:
    """A heading's words as the author wrote them, without Markdown marks."""
    text = _MARKUP.sub("", title.strip()).strip()
    return " ".join(text.rstrip(":：").split())


def build_sections(blocks: list[Block], vocabulary: Vocabulary) -> Section:
    root = Section(None, 0, 0, SectionKind.NEUTRAL)
    current = root
    opening = True  # nothing but blank lines read so far
    for event in _events(blocks, vocabulary):
        if isinstance(event, _Head):
            while current.parent is not None and current.level >= event.level:
                current = current.parent
            title = normalize_title(event.title)
            context = current.effective_kind
            kind = vocabulary.classify(
                title,
                inside_followup=context is SectionKind.FOLLOWUP,
                inside_report=context is SectionKind.NEGATIVE and (event.level == PSEUDO_LEVEL or _is_report(current)),
            )
            if opening and event.level == 1 and kind is SectionKind.FOLLOWUP and not vocabulary.names_followup(title):
                # The document's own title ("Traefik rule preventing inbound traffic") names the
                # incident; a generic word in it does not make the whole document follow-up work.
                kind = SectionKind.NEUTRAL
            opening = False
            section = Section(title, event.level, event.line, kind, parent=current, heading=_as_written(event.title))
            current.children.append(section)
            current = section
        else:
            opening = False
            current.blocks.append(event)
    return root
