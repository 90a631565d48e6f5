"""`pmsync check`: findings about action items that will not get done as written.

The rules follow the Google SRE guidance on postmortem action items: each one
has an owner, a due date, and a concrete end state ("Add alerting when ... > 1%"
rather than "Investigate monitoring"). Each rule has an id, a default level
(overridden by `check:` in pmsync.yaml) and help text, which the SARIF output
carries to GitHub code scanning.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pmsync.config import Config
from pmsync.model import Diagnostic, Item, Postmortem


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str  # one line: what the rule finds
    help: str  # what to do about it


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "no-items",
            "A postmortem with no action items",
            "pmsync found no follow-up section. List the action items under a heading such as "
            "'## Action Items', or mark the document as having none.",
        ),
        Rule(
            "missing-owner",
            "An action item without an owner",
            "Name one person who will see the item through: '@login', 'Owner: name', or an Owner column.",
        ),
        Rule(
            "owner-not-login",
            "An owner that is not a GitHub login",
            "A name such as 'Ingrid Lind' cannot be assigned on GitHub: write '@login', or map the name to a "
            "login under `owners:` in pmsync.yaml.",
        ),
        Rule(
            "missing-due",
            "An action item without a due date",
            "Give the item a date it is due: 'due YYYY-MM-DD', 'by May 1', or a Due column "
            "(or set `deadlines:` in pmsync.yaml).",
        ),
        Rule(
            "unparseable-date",
            "A due date pmsync cannot read",
            "Write the due date as YYYY-MM-DD (or 'May 1', 'Q2 2024').",
        ),
        Rule(
            "duplicate-item",
            "The same action item listed twice",
            "The item repeats another in the same postmortem word for word: remove one, or say how they differ.",
        ),
        Rule(
            "near-duplicate",
            "Two action items that say nearly the same",
            "The item reads almost like another in the same postmortem: merge them, or say how they differ, "
            "so that one piece of work gets one issue.",
        ),
        Rule(
            "vague-wording",
            "An action item with no concrete end state",
            "Items that start with 'investigate', 'improve', 'look into', 'consider' and the like are rarely "
            "finished: say what will be true when it is done ('Alert when p99 latency > 500 ms for 5 minutes').",
        ),
    )
}

# Words that open an item with no end state: a study, a wish, or a direction.
_VAGUE_VERBS = (
    r"investigate|improve|look(?:ing)? (?:into|at)|consider|explore|examine|think about|evaluate|enhance|"
    r"better|more|revisit|review|assess|analy[sz]e|research|study|discuss|clarify|understand|figure out|"
    r"follow up(?: on)?|optimi[sz]e|strengthen|increase|reduce|try to|work on"
)
# What may stand before the verb: a priority, a task box or label, a modal.
_LEAD = r"(?:\s*(?:\[[ xX]?\]|P[0-4]\b|TODO:?|action(?: item)?:|[-*:]))*\s*"
_MODAL = r"(?:(?:we|i|team)\s+)?(?:should|need to|must|will|could|to)\s+"
_VAGUE = re.compile(rf"^{_LEAD}(?:{_MODAL})?(?:{_VAGUE_VERBS})\b", re.I)
# An end state someone can check: a number or threshold, or a condition or purpose.
_CONCRETE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|ms|s\b|seconds|minutes|hours|x\b|times)|[<>≤≥]|\d|\bso that\b|\bsuch that\b|"
    r"\buntil\b|\bwhen(?:ever)?\b|\bif\b|\bto (?:ensure|make sure|guarantee)\b|\bwhether\b|\bbelow\b|\babove\b",
    re.I,
)
# Dates and priorities are not an end state: "P1 improve alerting by 2024-05-01" is still vague.
_NOT_END_STATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\bQ[1-4]\s*\d{4}\b|\b(?:due|by|before)\s+\S+(?:\s+\d{1,2}(?:st|nd|rd|th)?\b)?|"
    r"\bP[0-4]\b|\bSEV\s*\d\b",
    re.I,
)
_STOPWORDS = frozenset(
    "a an the of on in for to and or with by from at as is be we our it its this that into when all any".split()
)
NEAR_DUPLICATE = 0.8  # share of content words in common (Jaccard) from which two items are near-duplicates


def _normalized(title: str) -> str:
    return " ".join(re.findall(r"\w+", title.lower()))


def _words(title: str) -> frozenset[str]:
    """Content words, crudely stemmed, so 'Add alerts for lag' and 'Add an alert on lag' match."""
    words = set()
    for word in re.findall(r"\w+", title.lower()):
        if word in _STOPWORDS:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        words.add(word)
    return frozenset(words)


def is_vague(item: Item) -> bool:
    """It opens with a vague verb and nowhere (title or text, dates and priorities aside) says what will be true."""
    if not _VAGUE.match(item.title):
        return False
    text = _NOT_END_STATE.sub(" ", f"{item.title} {item.text}")
    return not _CONCRETE.search(text)


def is_near_duplicate(a: str, b: str) -> bool:
    words_a, words_b = _words(a), _words(b)
    enough = len(words_a) >= 2 and len(words_b) >= 2
    if enough and len(words_a & words_b) / len(words_a | words_b) >= NEAR_DUPLICATE:
        return True
    return difflib.SequenceMatcher(None, _normalized(a), _normalized(b)).ratio() >= 0.9


def _item_findings(item: Item) -> Iterator[tuple[str, int, str]]:
    if item.done or item.wont_do:
        return
    if item.owner is None:
        yield "missing-owner", item.line, f"no owner for '{_short(item.title)}'; add '@login' or an Owner column"
    elif not _LOGIN.match(item.owner.lstrip("@")):
        yield (
            "owner-not-login",
            item.line,
            f"owner '{item.owner}' is not a GitHub login; write '@login' or map the name under `owners:`",
        )
    if item.due_unparseable:
        yield ("unparseable-date", item.line, f"cannot read the due date '{item.due_text}'; write it as YYYY-MM-DD")
    elif item.due is None:
        yield "missing-due", item.line, f"no due date for '{_short(item.title)}'; add 'due YYYY-MM-DD'"
    if is_vague(item):
        yield (
            "vague-wording",
            item.line,
            f"'{_short(item.title)}' has no concrete end state; say what will be true when it is done",
        )


_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


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
        earlier: list[Item] = []
        for item in pm.items:
            for rule, line, message in _item_findings(item):
                add(pm.path, rule, line, message)
            normalized = _normalized(item.title)
            if normalized in seen:
                add(
                    pm.path,
                    "duplicate-item",
                    item.line,
                    f"'{_short(item.title)}' repeats the item on line {seen[normalized]}",
                )
                continue
            seen[normalized] = item.line
            like = next((other for other in earlier if is_near_duplicate(other.title, item.title)), None)
            if like is not None:
                add(
                    pm.path,
                    "near-duplicate",
                    item.line,
                    f"'{_short(item.title)}' reads almost like line {like.line}: '{_short(like.title, 40)}'",
                )
            earlier.append(item)
    return findings
