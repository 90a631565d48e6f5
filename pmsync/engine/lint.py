"""`pmsync check`: findings about action items that will not get done as written.

The rules follow the Google SRE guidance on postmortem action items: each one
has an owner, a due date, and a concrete end state ("Add alerting when ... > 1%"
rather than "Investigate monitoring").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pmsync.config import Config
from pmsync.model import Diagnostic, Item, Postmortem

RULES = ("no-items", "missing-owner", "missing-due", "unparseable-date", "duplicate-item", "vague-wording")

_VAGUE_START = re.compile(
    r"^(?:(?:we\s+)?(?:should|need to|must|will|could)\s+)?(?:investigate|improve|look(?:ing)? into|consider|"
    r"explore|examine|think about|evaluate|enhance|better|more|revisit|review)\b",
    re.I,
)
_CONCRETE = re.compile(
    r"\d|%|\bso that\b|\bsuch that\b|\buntil\b|\bwhen\b|\bif\b|\bby\b|\bto (?:ensure|make sure)\b", re.I
)


def _normalized(title: str) -> str:
    return " ".join(re.findall(r"\w+", title.lower()))


def _item_findings(path: str, item: Item, config: Config) -> Iterator[tuple[str, int, str]]:
    if item.done or item.wont_do:
        return
    if item.owner is None:
        yield "missing-owner", item.line, f"no owner for '{_short(item.title)}'; add '@login' or an Owner column"
    if item.due_unparseable:
        yield ("unparseable-date", item.line, f"cannot read the due date '{item.due_text}'; write it as YYYY-MM-DD")
    elif item.due is None:
        yield "missing-due", item.line, f"no due date for '{_short(item.title)}'; add 'due YYYY-MM-DD'"
    if _VAGUE_START.match(item.title) and not _CONCRETE.search(item.title):
        yield (
            "vague-wording",
            item.line,
            f"'{_short(item.title)}' has no concrete end state; say what will be true when it is done",
        )


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def check(postmortems: tuple[Postmortem, ...], config: Config) -> list[Diagnostic]:
    findings: list[Diagnostic] = []

    def add(path: str, rule: str, line: int | None, message: str) -> None:
        level = config.check_level(rule)
        if level != "off":
            findings.append(Diagnostic(path, line, level, rule, message))

    for pm in postmortems:
        if not pm.items:
            add(pm.path, "no-items", None, "no action items found; list them under a heading such as '## Action Items'")
        seen: dict[str, int] = {}
        for item in pm.items:
            for rule, line, message in _item_findings(pm.path, item, config):
                add(pm.path, rule, line, message)
            normalized = _normalized(item.title)
            if normalized in seen:
                add(
                    pm.path,
                    "duplicate-item",
                    item.line,
                    f"'{_short(item.title)}' repeats the item on line {seen[normalized]}",
                )
            else:
                seen[normalized] = item.line
    return findings
