"""pmsync reads setext headings itself (markdown-it's rule for them is switched off,
it scans every paragraph twice): the blocks must be the ones CommonMark gives."""

from __future__ import annotations

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
]


def _shape(blocks: list[Block]) -> list[tuple[object, ...]]:
    return [(b.kind, b.line, b.end, b.text, b.level, _shape(b.children)) for b in blocks]


@pytest.mark.parametrize("text", SAMPLES)
def test_blocks_match_commonmark_setext_reading(text: str) -> None:
    reference = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
    expected = _build(reference.parse(text), 0)
    assert _shape(parse(text)[0]) == _shape(expected)
