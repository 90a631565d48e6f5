"""markdown-it's block token stream as a small tree with source line ranges.

Only the block parser runs: inline parsing (emphasis, links) is switched off
because pmsync reads the raw inline source itself, and skipping that stage makes
extraction cheaper than a full Markdown parse. Line numbers are 0-based and
`end` is exclusive, as in markdown-it's `Token.map`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

BlockKind = Literal["heading", "paragraph", "list", "item", "table", "code", "html", "quote", "hr"]


@dataclass(slots=True)
class Row:
    line: int
    cells: list[str]


@dataclass(slots=True)
class Block:
    kind: BlockKind
    line: int
    end: int
    text: str = ""  # heading/paragraph: raw inline source; code: its content
    level: int = 0  # heading level
    ordered: bool = False  # list
    fenced: bool = False  # code
    children: list[Block] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # table: header row first

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


# Block rules that only a mark the text lacks could start: a table needs "|", an HTML
# block "<", a quote ">", a fence "`" or "~", a link reference "[", a heading "#", an
# indented code block four spaces or a tab. Each rule is tried at the start of every
# line; a document without the mark is parsed without the rule (most postmortems have
# no table, no HTML, no quote and no indented code), which gives the same tokens.
_OPTIONAL_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("table", ("|",)),
    ("html_block", ("<",)),
    ("blockquote", (">",)),
    ("fence", ("`", "~")),
    ("reference", ("[",)),
    ("heading", ("#",)),
    ("code", ("    ", "\t")),
)


@cache
def _parser(absent: frozenset[str]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table")
    if absent:
        md.disable(sorted(absent))
    # decode() already turned every line break into "\n" and NUL into U+FFFD, which is all
    # markdown-it's "normalize" step does: a second pass over each document saved.
    # Setext headings ("Title" over "=====" or "-----") are read in _build instead: markdown-it's
    # rule for them scans every paragraph a second time, a tenth of the block parse.
    md.disable(["inline", "text_join", "normalize", "lheading"])
    return md


_OPENERS: dict[str, BlockKind] = {
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "list_item_open": "item",
    "blockquote_open": "quote",
}


def parse(text: str, line_offset: int = 0) -> tuple[list[Block], dict[str, Any]]:
    """Parse `text` into top-level blocks; `env` carries link reference definitions."""
    env: dict[str, Any] = {}
    absent = frozenset(rule for rule, marks in _OPTIONAL_RULES if not any(mark in text for mark in marks))
    tokens = _parser(absent).parse(text, env)
    return _build(tokens, line_offset, text), env


def _span(token: Token, offset: int) -> tuple[int, int]:
    start, end = token.map if token.map else (0, 0)
    return start + offset, end + offset


_CLOSERS = frozenset(kind.replace("_open", "_close") for kind in _OPENERS)


_EQUALS_UNDERLINE = re.compile(r" {0,3}=+[ \t]*")
_DASH_UNDERLINE = re.compile(r"[> \t]*-+[ \t]*")


def _paragraph_or_headings(start: int, end: int, text: str) -> list[Block]:
    """A paragraph as CommonMark reads it with setext headings: lines over a line of
    "=" are a level-1 heading, and what follows the underline is a paragraph again."""
    if "=" not in text:
        return [Block("paragraph", start, end, text=text)]
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if _EQUALS_UNDERLINE.fullmatch(lines[index]):
            title = "\n".join(line.strip() for line in lines[:index])
            heading = Block("heading", start, start + index + 1, text=title, level=1)
            rest = "\n".join(lines[index + 1 :]).strip()
            return [heading, *(_paragraph_or_headings(start + index + 1, end, rest) if rest else [])]
    return [Block("paragraph", start, end, text=text)]


def _dash_underline(tokens: list[Token], index: int, source: list[str], paragraph_end: int) -> Token | None:
    """The "---" line right under a paragraph (tokens[index] is its close, and the
    paragraph ends before line `paragraph_end`), which makes the paragraph a level-2
    heading; markdown-it, without its setext rule, reads that line as a thematic break."""
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if after is None or after.type != "hr" or not after.map or after.map[0] != paragraph_end:
        return None
    line = after.map[0]
    if line >= len(source) or not _DASH_UNDERLINE.fullmatch(source[line]):
        return None
    return after


def _build(tokens: list[Token], offset: int, text: str = "") -> list[Block]:
    source = text.split("\n") if "-" in text else []
    root = Block("quote", 0, 0)
    stack = [root]
    index = 0
    count = len(tokens)
    while index < count:
        token = tokens[index]
        kind = token.type
        if kind in _OPENERS:
            start, end = _span(token, offset)
            block = Block(_OPENERS[kind], start, end, ordered=kind == "ordered_list_open")
            stack[-1].children.append(block)
            stack.append(block)
        elif kind in _CLOSERS:
            stack.pop()
        elif kind == "heading_open":
            start, end = _span(token, offset)
            content = tokens[index + 1].content
            stack[-1].children.append(Block("heading", start, end, text=content, level=int(token.tag[1])))
            index += 2
        elif kind == "paragraph_open":
            start, end = _span(token, offset)
            content = tokens[index + 1].content
            found = _paragraph_or_headings(start, end, content)
            underline = _dash_underline(tokens, index + 2, source, end - offset) if source else None
            last = found[-1]
            if underline is not None and last.kind == "paragraph":
                title = "\n".join(line.strip() for line in last.lines)
                found[-1] = Block("heading", last.line, _span(underline, offset)[1], text=title, level=2)
                index += 1  # the underline is part of the heading
            stack[-1].children.extend(found)
            index += 2
        elif kind in ("code_block", "fence"):
            start, end = _span(token, offset)
            stack[-1].children.append(Block("code", start, end, text=token.content, fenced=kind == "fence"))
        elif kind == "html_block":
            start, end = _span(token, offset)
            stack[-1].children.append(Block("html", start, end, text=token.content))
        elif kind == "hr":
            start, end = _span(token, offset)
            stack[-1].children.append(Block("hr", start, end))
        elif kind == "table_open":
            index = _table(tokens, index, offset, stack[-1])
        index += 1
    return root.children


def _table(tokens: list[Token], index: int, offset: int, parent: Block) -> int:
    start, end = _span(tokens[index], offset)
    table = Block("table", start, end)
    row: Row | None = None
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            row = Row(_span(token, offset)[0], [])
            table.rows.append(row)
        elif token.type == "inline" and row is not None:
            row.cells.append(token.content.strip())
        index += 1
    parent.children.append(table)
    return index


# Bullets people paste from word processors and PDFs ("●<TAB>text", "-> text") count as list markers.
_PASTED_BULLET = re.compile(r"^(?P<indent>\s*)(?:[•●▪◦○■‣→➔➜]|->|=>)[ \t]+(?=\S)")
_LIST_LINE = re.compile(r"^\s*(?:[-*+•●▪◦○■‣→➔➜]|->|=>|\d{1,3}[.)])[ \t]+\S")


def looks_like_list(lines: list[str]) -> bool:
    """Indented lines that were meant as a list (tab-indented bullets render as code)."""
    content = [line for line in lines if line.strip()]
    if not content:
        return False
    starts = sum(1 for line in content if _LIST_LINE.match(line))
    return bool(_LIST_LINE.match(content[0])) and starts * 3 >= len(content)


_TEXT_LINE = re.compile(r"^\s*[^\W\d_][^\s=(){};<>$|\\]*(?:\s+\S+){2,}")
_CODE_HINT = re.compile(r"[{};]\s*$|^\s*(?:\$|#!|//|/\*|<\w+)|\b(?:def|return|import|function|sudo|echo)\b|==|=>|->|::")


def looks_like_text(lines: list[str]) -> bool:
    """Indented lines of words, not code: authors indent plain text by four spaces,
    which CommonMark reads as a code block."""
    content = [line for line in lines if line.strip()]
    if not content or any(_CODE_HINT.search(line) for line in content):
        return False
    return sum(1 for line in content if _TEXT_LINE.match(line)) * 10 >= len(content) * 8


def dedent(lines: list[str]) -> str:
    expanded = [line.expandtabs(4) for line in lines]
    widths = [len(line) - len(line.lstrip()) for line in expanded if line.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(line[cut:] for line in expanded)


def reparse_lines(lines: list[str], first_line: int) -> list[Block]:
    """Blocks of some source lines re-read as Markdown of their own (dedented, pasted
    bullets read as "- ")."""
    lines = [_PASTED_BULLET.sub(r"\g<indent>- ", line) for line in lines]
    blocks, _env = parse(dedent(lines), first_line)
    return blocks
