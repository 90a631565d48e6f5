"""Extraction cases by cause, kept as mdformat keeps its cases: each fixture file in
tests/fixtures/cases/ holds a title, a small document written for the case, and the
items pmsync must find in it (`line: title`, then `[group: X]` and `[done]`); titles.md
holds the incident title instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from pmsync.config import Config
from pmsync.extract import extract_document

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases"
ALL = [
    pytest.param(source, expected, id=f"{path.stem}:{line}")
    for path in sorted(CASES.glob("*.md"))
    if path.name != "titles.md"
    for line, _title, source, expected in read_fixture_file(path)
]
# titles.md: the incident title pmsync reads from the document ("None" for none).
TITLES = [
    pytest.param(source, expected, id=f"titles:{line}")
    for line, _title, source, expected in read_fixture_file(CASES / "titles.md")
]


def _render(source: str) -> str:
    lines = []
    for item in extract_document("case.md", source.encode("utf-8"), Config()).items:
        extra = (f" [group: {item.group}]" if item.group else "") + (" [done]" if item.done else "")
        lines.append(f"{item.line}: {item.title}{extra}")
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize(("source", "expected"), ALL)
def test_case(source: str, expected: str) -> None:
    assert _render(source) == expected


@pytest.mark.parametrize(("source", "expected"), TITLES)
def test_incident_title(source: str, expected: str) -> None:
    assert f"{extract_document('case.md', source.encode('utf-8'), Config()).incident.title}\n" == expected
