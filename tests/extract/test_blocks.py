"""pmsync parses with fewer markdown-it rules than CommonMark has: it reads setext
headings itself (markdown-it's rule for them scans every paragraph twice), and skips
the rules for tables, HTML, quotes, fences, link references, headings and indented
code in a document without their mark. The blocks must be the ones the full parser gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pmsync.extract.blocks import Block, _build, parse

SAMPLES = [
    "Title\n=====\n\nText.\n",
    "Remediation\n-----------\n\n### Immediate actions\n",
    "Two lines\nof title\n===\nthen a paragraph\n",
    "A\n===\nB\n---\n",
    "para\n\n---\n",  # a blank line: a thematic break
    "- foo\n---\n",  # under a list entry: a thematic break
    "Foo\n***\n",
    "Foo\n- - -\n",
    "> Foo\n> ---\n",
    "> Foo\n---\n",
    "    code\n===\n",
    "Text\n    ===\n",  # indented four: not an underline
    "| a | b |\n| - | - |\n| 1 | 2 |\n",
    "- **Fixes:**\n  Add a check\n  ---\n",
    "Text with no marks at all\n\n- a list\n- of entries\n",
    "[ref]: https://example.com\n\nSee [ref].\n",
    "<details>\n\nhidden\n\n</details>\n",
    "~~~\ncode\n~~~\n",
    "\tcode indented by a tab\n\n# Heading\n",
    "- entry\n\n      code under an entry\n",
]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCUMENTS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".md", ".txt"))


def _shape(blocks: list[Block]) -> list[tuple[object, ...]]:
    return [(b.kind, b.line, b.end, b.text, b.level, _shape(b.children)) for b in blocks]


def _full_parse(text: str) -> tuple[list[Block], dict[str, object]]:
    env: dict[str, object] = {}
    tokens = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"]).parse(text, env)
    return _build(tokens, 0), env


@pytest.mark.parametrize("text", SAMPLES)
def test_blocks_match_the_full_parser(text: str) -> None:
    blocks, env = parse(text)
    expected, expected_env = _full_parse(text)
    assert _shape(blocks) == _shape(expected)
    assert env == expected_env


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_documents_parse_as_the_full_parser_reads_them(document: Path) -> None:
    text = document.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
    assert _shape(parse(text)[0]) == _shape(_full_parse(text)[0])
