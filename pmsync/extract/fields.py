"""Owner, due date, priority, kind, state and issue reference of an item."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from pmsync.extract.dates import Due, find_due, parse_due_value
from pmsync.extract.items import Draft
from pmsync.extract.status import cell_state
from pmsync.links import Span
from pmsync.model import IssueRef, Item, Kind, Priority

_MENTION = re.compile(r"(?<![\w/`.])@(?P<login>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?![\w/-])")
# "Owner" in the other languages postmortems use.
_OWNER_WORDS_ELSEWHERE = r"respons[áa]vel|responsable|verantwortlich|responsabile|担当者?|담당자?|负责人"
_OWNER_FIELD = re.compile(
    rf"\b(?:owners?|assignee|assigned to|responsible|dri|who|{_OWNER_WORDS_ELSEWHERE})\s*[:=\-–：]\s*"
    r"(?:@(?P<login>[\w-]+)|(?P<name>[\w.-]+(?:\s+[A-Z][\w.-]+(?!\s*:))?))",
    re.I,
)
_PRIORITY = re.compile(r"\bP(?P<n>[0-4])\b")
# A cheap first look before the owner pattern, which is slow on long text.
_OWNER_WORD = re.compile(rf"owner|assignee|assigned|responsible|\bdri\b|\bwho\b|{_OWNER_WORDS_ELSEWHERE}", re.I)
_PRIORITY_WORDS: dict[str, Priority] = {
    "critical": "P0",
    "urgent": "P0",
    "highest": "P0",
    "high": "P1",
    "medium": "P2",
    "med": "P2",
    "normal": "P2",
    "low": "P3",
    "lowest": "P4",
}
_KIND_WORDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("detect", re.compile(r"detect|monitor|alert|observab|dashboard|visibility", re.I)),
    ("mitigate", re.compile(r"mitigat|rollback|runbook|playbook|respon|recover", re.I)),
    ("process", re.compile(r"process|training|review|document|checklist|communicat|policy", re.I)),
    ("prevent", re.compile(r"prevent|fix|test|resilien|repair|harden", re.I)),
)
_STRUCK = re.compile(r"^(?:\[[ xX]?\]\s*)?~~.+~~\W*$", re.S)  # the whole entry struck through
_WONT_NOTE = re.compile(r"[(\[](?:won'?t\s+do|wontfix|not\s+planned|dropped|cancell?ed|superseded)[)\]]", re.I)
_ISSUE_URL = re.compile(r"https?://[^\s/]+/(?P<repo>[\w.-]+/[\w.-]+)/issues/(?P<n>\d+)\b")
_ISSUE_SHORT = re.compile(r"(?<![\w/&])(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<n>\d{1,7})\b")


@dataclass(frozen=True)
class FieldContext:
    incident_date: dt.date | None
    references: dict[str, Any]  # markdown-it link reference definitions, keys upper-cased
    owners: dict[str, str]  # config aliases: name -> GitHub login
    spans: dict[int, Span]  # pmsync's own span on each 0-based line (issue link and status)
    lines: list[str] = field(default_factory=list)  # the text markdown-it read, by 0-based line

    def span_for(self, draft: Draft) -> Span | None:
        """The span written for this item: on its anchor line, else anywhere in it."""
        if draft.anchor in self.spans:
            return self.spans[draft.anchor]
        for line in range(draft.line, max(draft.end, draft.line + 1)):
            if line in self.spans:
                return self.spans[line]
        return None


# Plain substring tests rule most texts out before the case-blind patterns run.
_OWNER_HINTS = ("owner", "assign", "respons", "dri", "who", "verantwort", "担当", "담당", "负责")
_FIELD_HINTS = ("@", "due", "by", "owner", "assignee", "deadline", "eta", "respons", "prazo", "plazo", "frist")


def _may_name_owner(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in _OWNER_HINTS)


def _owner(draft: Draft, raw: str, context: FieldContext) -> str | None:
    name = draft.cells.get("owner") or ""
    if not name and _may_name_owner(raw) and _OWNER_WORD.search(raw):
        match = _OWNER_FIELD.search(raw)
        name = (match["login"] or match["name"]) if match else ""
    if not name and "@" in raw:
        mention = _MENTION.search(raw)
        name = mention["login"] if mention else ""
    name = name.strip().lstrip("@").strip(" .,;")
    if not name or name.lower() in {"n/a", "na", "none", "tbd", "-", "?", "unassigned"}:
        return None
    return context.owners.get(name.lower(), name)


def _due(draft: Draft, raw: str, context: FieldContext) -> Due | None:
    if "due" in draft.cells:
        return parse_due_value(draft.cells["due"], context.incident_date)
    return find_due(raw, context.incident_date)


def _priority(draft: Draft, raw: str) -> Priority | None:
    value = draft.cells.get("priority") or draft.tags.get("priority") or ""
    match = _PRIORITY.search(value) or (None if value or "P" not in raw else _PRIORITY.search(raw))
    if match:
        return f"P{match['n']}"  # type: ignore[return-value]
    return _PRIORITY_WORDS.get(value.strip().lower())


def _kind(draft: Draft) -> Kind | None:
    value = draft.cells.get("kind") or draft.tags.get("kind") or ""
    for kind, pattern in _KIND_WORDS:
        if pattern.search(value):
            return kind
    return None


def _issue(draft: Draft, raw: str, context: FieldContext) -> IssueRef | None:
    tag = draft.tags.get("issue")
    if tag:
        reference = context.references.get(tag.upper()) or {}
        href = str(reference.get("href", ""))
        url_match = _ISSUE_URL.match(href)
        if url_match:
            return IssueRef(int(url_match["n"]), url_match["repo"], href)
        return IssueRef(int(tag.lstrip("#")))
    source = " ".join([draft.cells.get("issue", ""), draft.source, raw])
    if "#" not in source and "/issues/" not in source:
        return None
    url_match = _ISSUE_URL.search(source)
    if url_match:
        return IssueRef(int(url_match["n"]), url_match["repo"], url_match.group(0))
    short = _ISSUE_SHORT.search(source)
    if short:
        return IssueRef(int(short["n"]), short["repo"])
    return None


_FIELD_SUFFIX = re.compile(r"\s*(?:[—–]|\s-|\(|,|;)\s*(?P<tail>[^—–()]*?)\)?\s*\.?$")
# The words of an owner or due date written at the end of a title.
_TITLE_FIELD_WORDS = r"owner|owners|assignee|due(?: date)?|by|deadline|eta|respons[áa]vel|responsable|prazo|plazo|frist"
_FIELD_WORDS = re.compile(
    rf"@[\w-]+|\b(?:{_TITLE_FIELD_WORDS})\b\s*[:\-]?|"
    r"\d{4}-\d{1,2}-\d{1,2}|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|\b\d{4}\b|\band\b|[,;]",
    re.I,
)


_TRAILING_FIELD = re.compile(
    r"\s+(?:@[A-Za-z0-9][\w-]*|(?:due|by)[:\s]+\d{4}-\d{1,2}-\d{1,2}|due[:\s]+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?)[.,;]?\s*$",
    re.I,
)


# Only a title with one of these can end in owner/due words: the cheap test saves the
# end-anchored searches below, which are slow on long titles.
_MAY_HAVE_FIELDS = re.compile(rf"@|\b(?:{_TITLE_FIELD_WORDS})\b", re.I)
# A tail is a field suffix only if it names one of these (or holds an @mention).
_NAMES_FIELD = re.compile(r"\b(?:due|owner|by|prazo|plazo|frist|respons[áa]vel|responsable)\b", re.I)


def strip_field_suffix(title: str) -> str:
    """'Pin the image — @tgarcia, due 2026-06-09' -> 'Pin the image': the owner and
    due date are fields of the issue, not words of its title."""
    while True:
        trailing = _TRAILING_FIELD.search(title)
        if trailing is None or trailing.start() == 0:
            break
        title = title[: trailing.start()].rstrip(" ,;—–-")
    match = _FIELD_SUFFIX.search(title)
    if not match or not match["tail"].strip() or match.start() == 0:
        return title
    tail = match["tail"]
    if ("@" in tail or _NAMES_FIELD.search(tail)) and not _FIELD_WORDS.sub("", tail).strip(" .:"):
        return title[: match.start()].rstrip(" ,;—–-")
    return title


def _key(title: str, seen: dict[str, int]) -> str:
    normalized = " ".join(re.findall(r"\w+", title.lower()))
    digest = hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:10]
    count = seen.get(digest, 0) + 1
    seen[digest] = count
    return digest if count == 1 else f"{digest}-{count}"


def _last_line(draft: Draft, context: FieldContext) -> int:
    """1-based last line of the item, not counting blank lines markdown-it includes."""
    end = max(draft.end, draft.line + 1)
    while end > draft.line + 1 and end - 1 < len(context.lines) and not context.lines[end - 1].strip():
        end -= 1
    return end


def build_items(drafts: list[Draft], context: FieldContext) -> list[Item]:
    items: list[Item] = []
    seen: dict[str, int] = {}
    anchors: set[int] = set()
    for draft in drafts:
        if not draft.title:
            continue
        # Owner, due date and priority are written with the item, not deep in its
        # details: the first kilobyte holds them, and searching further only costs time.
        raw = " ".join([draft.title, draft.body, *draft.cells.values()])[:1000]
        lowered = draft.title.lower()
        if any(hint in lowered for hint in _FIELD_HINTS) and _MAY_HAVE_FIELDS.search(draft.title):
            draft.title = strip_field_suffix(draft.title) or draft.title
        due = _due(draft, raw, context)
        shared = draft.anchor in anchors
        anchors.add(draft.anchor)
        # Two items ending on one line (sentences of one paragraph line): the span there is the first's.
        span = None if shared else context.span_for(draft)
        status = draft.cells.get("status", "") + " " + draft.cells.get("issue", "")
        wont = bool(
            (status.strip() and cell_state(status) == "not_planned")
            or ("~~" in draft.source and _STRUCK.match(draft.source.strip()))
            or (("(" in draft.title or "[" in draft.title) and _WONT_NOTE.search(draft.title))
        )
        done = draft.done
        if span is not None and span.state == "not_planned" and draft.done:
            wont = True  # a ticked box next to "won't do": closed as not planned, and agreed so
        if span is not None and draft.checkbox is None and span.state in ("completed", "not_planned"):
            # An item with no task box can say it is done only through pmsync's status text.
            done = True
            wont = wont or span.state == "not_planned"
        said = cell_state(draft.cells["status"]) if "status" in draft.cells else None
        if span is not None and span.words and said is not None and said != span.state:
            # pmsync wrote this span when the Status cell said its state: the words
            # changed since, so they are the document's word, as a task box is. A span
            # without the mark keeps its state beside disagreeing words (tables.py).
            done, wont = said == "completed", said == "not_planned"
        items.append(
            Item(
                key=_key(draft.title, seen),
                title=draft.title,
                text=draft.body,
                group=draft.group,
                owner=_owner(draft, raw, context),
                due=due.date if due else None,
                priority=_priority(draft, raw),
                kind=_kind(draft),
                done=done and not wont,
                wont_do=wont,
                issue=span.ref if span else _issue(draft, raw, context),
                line=draft.line + 1,
                end_line=_last_line(draft, context),
                section=draft.section,
                due_text=due.phrase if due else None,
                due_unparseable=bool(due and due.unparseable and due.date is None),
                anchor_line=draft.anchor + 1,
                agreed_state=span.state if span else None,
                shown_assignee=span.assignee if span else None,
                cell=draft.cell,
                list_entry=draft.list_entry,
                checkbox=draft.checkbox,
                anchor_shared=shared,
                status_said=said,
                words_agreed=bool(span and span.words),
            )
        )
    return items
