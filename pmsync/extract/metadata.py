"""Incident metadata: front matter, title, id, start date, severity, review status."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import yaml

from pmsync.extract.blocks import Block
from pmsync.extract.dates import (
    find_dates,
    first_date,
    first_year,
    may_hold_date,
    month_day_with_year,
    short_year_date,
)
from pmsync.extract.language import sentences
from pmsync.extract.sections import Section, is_emphasis_title
from pmsync.extract.vocabulary import DEFAULT_VOCABULARY, SectionKind
from pmsync.model import Incident, ReviewStatus

LABEL_LIMIT = 50  # GitHub's maximum label name length
LABEL_PREFIX = "incident:"

# libyaml's loader when PyYAML was built with it: front matter is on every document's path.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER = re.compile(r"\A(?P<fence>---|\+\+\+)[ \t]*\n(?P<body>.*?\n)?(?P=fence)[ \t]*(?:\n|\Z)", re.S)


@dataclass(frozen=True)
class FrontMatter:
    data: dict[str, Any] = field(default_factory=dict)
    lines: int = 0  # how many lines it occupies
    error: str | None = None


def read_front_matter(text: str) -> FrontMatter:
    match = _FRONT_MATTER.match(text)
    if not match:
        return FrontMatter()
    body = match["body"] or ""
    lines = match.group(0).count("\n") + (0 if match.group(0).endswith("\n") else 1)
    try:
        data = tomllib.loads(body) if match["fence"] == "+++" else yaml.load(body, Loader=_YAML_LOADER)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, TypeError, OverflowError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        return FrontMatter(
            {}, lines, f"front matter is not valid {'TOML' if match['fence'] == '+++' else 'YAML'}: {first}"
        )
    return FrontMatter(data if isinstance(data, dict) else {}, lines)


def blank_front_matter(text: str, matter: FrontMatter) -> str:
    """Front matter replaced by empty lines, so Markdown line numbers stay true."""
    if not matter.lines:
        return text
    lines = text.split("\n")
    return "\n" * matter.lines + "\n".join(lines[matter.lines :])


_START_LINE = re.compile(
    r"^[\s>*_-]*(?:incident\s+)?(?:start(?:ed)?(?:\s+(?:time|date|at))?|began|onset)[*_]*\s*[:：][*_]*\s*(?P<value>.+)$",
    re.I | re.M,
)
_DATE_LINE = re.compile(
    r"^[\s>*_-]*(?:date|incident date|data|fecha|datum|date de l'incident|タイムスタンプ|日付|発生日時?|날짜|日期)"
    r"[*_]*\s*[:：][*_]*\s*(?P<value>.+)$",
    re.I | re.M,
)
_SEVERITY = re.compile(
    r"\b(?:severity|sev(?:erity)?\s*level|sev)\b[*_]*\s*[:：=-]?[*_]*\s*(?P<value>sev\s*-?\s*\d|p\d|\d|critical|high|medium|major|minor|low)\b",
    re.I,
)
_STATUS = re.compile(r"^[\s>*_-]*status[*_]*\s*[:：][*_]*\s*(?P<value>.+)$", re.I | re.M)
_DRAFT_WORDS = re.compile(r"^(?:draft|wip|work in progress|in review|under review|review|pending|proposed)\b", re.I)
_REVIEWED_WORDS = re.compile(r"^(?:reviewed|approved|final|complete|completed|published|done|closed|accepted)\b", re.I)
_PRECURSOR = re.compile(r"\b(?:released|merged|approved|published|opened|proactively|planned|scheduled)\b", re.I)
_DATE_LABEL_HINTS = ("date", "data", "fecha", "datum", "タイムスタンプ", "日付", "発生", "날짜", "日期")
_SUMMARY = re.compile(
    r"summary|overview|tl;?dr|what happened|abstract|description|"
    r"resumo|resumen|résumé|zusammenfassung|riepilogo|samenvatting|概要|要約|개요|요약|摘要|概述|概况",
    re.I,
)
_TIMELINE = re.compile(
    r"timeline|chronology|sequence of events|linha do tempo|cronolog[ií]a|chronologie|zeitablauf|zeitleiste|"
    r"タイムライン|経緯|타임라인|时间线|時間軸",
    re.I,
)
_WORDS = re.compile(r"\w+")
_START_KEYS = (
    "start",
    "start_time",
    "started",
    "started_at",
    "start_date",
    "incident_date",
    "incident_start",
    "occurred",
    "occurred_at",
    "began",
)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return first_date(value)
    return None


def _paragraphs(blocks: list[Block]) -> Iterator[Block]:
    for block in blocks:
        if block.kind == "paragraph":
            yield block
        elif block.kind in ("list", "item", "quote"):
            yield from _paragraphs(block.children)


def _summary_sections(root: Section) -> list[Section]:
    """The text before the first section, a top-level untitled part, and the summary section."""
    candidates: list[Section] = [root]
    for section in root.walk():
        if section is root:
            continue
        if section.level == 1 and section.kind is SectionKind.NEUTRAL and section.parent is root:
            candidates.append(section)
        elif section.title and _SUMMARY.search(section.title):
            candidates.append(section)
            candidates.extend(section.children)
            break
    return candidates


def _summary_month_day(root: Section, year: int) -> dt.date | None:
    """A summary's first month and day with no year ("On Sunday, October 31 at 21:33"),
    in the year the document names first."""
    for section in _summary_sections(root):
        for paragraph in _paragraphs(section.blocks):
            if date := month_day_with_year(paragraph.text, year):
                return date
    return None


def _summary_date(root: Section) -> dt.date | None:
    """The earliest date in the first prose paragraph that dates the incident,
    from the text before the first section or a summary/overview section."""
    for section in _summary_sections(root):
        for paragraph in _paragraphs(section.blocks):
            if not may_hold_date(paragraph.text) or len(_WORDS.findall(paragraph.text)) < 8:
                continue
            dates = [
                found.date
                for sentence in sentences(" ".join(paragraph.text.split()))
                if not _PRECURSOR.search(sentence)
                for found in find_dates(sentence)
            ]
            if dates:
                return min(dates)
    return None


def _timeline_date(root: Section) -> dt.date | None:
    for section in root.walk():
        if not section.title or not _TIMELINE.search(section.title) or section.kind is not SectionKind.NEGATIVE:
            continue
        dates: list[dt.date] = []
        for node in section.walk():
            if node is not section and node.title:
                dates.extend(found.date for found in find_dates(node.title))
            for text in _timeline_lines(node.blocks):
                if not _PRECURSOR.search(text):
                    dates.extend(found.date for found in find_dates(text))
        if dates:
            return min(dates)
    return None


def _timeline_lines(blocks: list[Block]) -> Iterator[str]:
    for block in blocks:
        if block.kind in ("paragraph", "heading"):
            yield from block.lines
        elif block.kind == "table":
            for row in block.rows[1:]:
                yield " | ".join(row.cells)
        elif block.kind in ("list", "item", "quote"):
            yield from _timeline_lines(block.children)


def incident_date(root: Section, text: str, title: str | None, matter: dict[str, Any]) -> dt.date | None:
    for key in _START_KEYS:
        if key in matter and (date := _as_date(matter[key])):
            return date
    head = text[:8000]  # metadata lines sit near the top; searching further only costs time
    lowered = head.lower()
    start = _START_LINE.search(head) if ("start" in lowered or "began" in lowered or "onset" in lowered) else None
    if start and (date := first_date(start["value"])):
        return date
    date = _summary_date(root)
    if date:
        return date
    if title and (date := first_date(title)):
        return date
    date = _timeline_date(root)
    if date:
        return date
    labelled = any(word in lowered for word in _DATE_LABEL_HINTS)
    line = _DATE_LINE.search(head) if labelled else None
    if line and (date := first_date(line["value"])):
        return date
    for section in root.walk():
        if section.title and section.title.lower() == "date":
            for paragraph in _paragraphs(section.blocks):
                if date := first_date(paragraph.text):
                    return date
    for key in ("date", "published", "created"):
        if key in matter and (date := _as_date(matter[key])):
            return date
    if date := first_date(text):
        return date
    # No complete date anywhere: a title's "5-26-21", or the summary's "October 31" in the
    # year the document names ("Date (2021)" over a timeline).
    if title and (date := short_year_date(title)):
        return date
    year = first_year(text)
    return _summary_month_day(root, year) if year is not None else None


_TITLE_LABEL = re.compile(r"^[#*_\s]*title[*_\s]*[:：][*_\s]*(?P<same>[^\n]*)(?:\n(?P<next>[^\n]+))?", re.I)


def incident_title(root: Section, blocks: list[Block], matter: dict[str, Any]) -> str | None:
    value = matter.get("title")
    if isinstance(value, str) and value.strip():
        return value.strip()
    for section in root.walk():
        if section.title and section.title.lower() == "title":
            for paragraph in _paragraphs(section.blocks):
                return paragraph.text.strip()
    for block in blocks[:5]:
        labelled = _TITLE_LABEL.match(block.text) if block.kind == "paragraph" else None
        value = (labelled["same"].strip() or (labelled["next"] or "").strip()) if labelled else ""
        if value:
            return " ".join(value.split())  # "#Title:" or "**Title:**" and its value, on the same line or the next
    first = next((s for s in root.walk() if s is not root and s.title), None)
    if first is not None and first.level == 1:
        return first.heading or first.title  # the document's one top heading names it, whatever its words
    for section in root.walk():
        if section is root or not section.title:
            continue
        if section.kind is SectionKind.NEUTRAL and section.level <= 2:
            return section.heading or section.title
        if section.level <= 2 and section.kind is not SectionKind.NEUTRAL:
            break
    for block in blocks[:3]:
        if block.kind != "paragraph":
            continue
        emphasis = is_emphasis_title(block.text)
        if emphasis and _names_a_section(emphasis):
            continue  # "**Issue Summary**" names a section, not the incident
        if emphasis:
            return emphasis
        return _first_line_title(block.text) if root.children == [] or block.line <= 2 else None
    return None


def _names_a_section(title: str) -> bool:
    """Whether a title is all section words ("Issue Summary"), unlike "DNS resolution failure"."""
    text = title.lower()
    vocabulary = DEFAULT_VOCABULARY
    for pattern in (vocabulary.followup, vocabulary.generic_followup, vocabulary.weak, vocabulary.negative):
        text = pattern.sub(" ", text)
    return len(re.findall(r"\w+", text)) <= 1 and ":" not in title


_SYMBOL_START = re.compile(r"^[^\w\s\"“(\[]+\s*")


def _first_line_title(text: str) -> str | None:
    """A document with no headings starts with its title line ("🚨 Incident report: queue backlog")."""
    line = _SYMBOL_START.sub("", text.split("\n", 1)[0].strip())
    words = len(re.findall(r"\w+", line))
    if not 0 < words <= 14 or line.endswith((".", "!", "?", ":", "：")):
        return None
    return line if DEFAULT_VOCABULARY.classify(line) is SectionKind.NEUTRAL else None  # not "Issue Summary"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def incident_id(path: str, matter: dict[str, Any]) -> str:
    for key in ("id", "incident_id", "incident", "slug"):
        value = matter.get(key)
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()
    stem = PurePath(path).name
    for suffix in (".markdown", ".md", ".txt", ".mdx"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return _slug(stem) or "incident"


def incident_label(incident_id_: str) -> str:
    """`incident:<id>`, shortened with a hash suffix to fit GitHub's 50-character limit."""
    label = LABEL_PREFIX + incident_id_
    if len(label) <= LABEL_LIMIT:
        return label
    digest = hashlib.sha1(incident_id_.encode("utf-8")).hexdigest()[:6]
    room = LABEL_LIMIT - len(LABEL_PREFIX) - len(digest) - 1
    return f"{LABEL_PREFIX}{incident_id_[:room].rstrip('-')}-{digest}"


def severity(text: str, matter: dict[str, Any]) -> str | None:
    for key in ("severity", "sev", "impact_level"):
        value = matter.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return _normalize_severity(str(value)[:20])
    at = text[:8000].lower().find("sev")
    match = _SEVERITY.search(text, max(0, at - 40), at + 200) if at >= 0 else None
    return _normalize_severity(match["value"]) if match else None


def _normalize_severity(value: str) -> str:
    compact = re.sub(r"[\s-]", "", value).upper()
    if compact.isdigit():
        return f"SEV{compact}"
    return compact


def review_status(text: str, matter: dict[str, Any]) -> ReviewStatus | None:
    value = matter.get("status") or matter.get("review_status") or matter.get("state")
    if value is None:
        head = text[:20000]
        match = _STATUS.search(head) if "status" in head.lower() else None
        value = match["value"] if match else None
    if not isinstance(value, str):
        return None
    value = value.strip().strip("*_ ")
    if _DRAFT_WORDS.match(value):
        return "draft"
    if _REVIEWED_WORDS.match(value):
        return "reviewed"
    return None


def build_incident(path: str, root: Section, blocks: list[Block], text: str, matter: dict[str, Any]) -> Incident:
    title = incident_title(root, blocks, matter)
    ident = incident_id(path, matter)
    return Incident(
        id=ident,
        title=title,
        date=incident_date(root, text, title, matter),
        severity=severity(text, matter),
        status=review_status(text, matter),
        label=incident_label(ident),
    )
