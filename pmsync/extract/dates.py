"""Finding calendar dates in free text, and due-date phrases on items.

Postmortems write dates every way people do: ISO, "March 11, 2024", "Oct 30th
2021", "22/Mar/2022", "[12.05.2024]", US "10/20/2022". Only complete dates
(day, month and year) are returned; a phrase with no year takes one from the
incident where the caller gives it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    name.lower(): index for index in range(1, 13) for name in (calendar.month_name[index], calendar.month_abbr[index])
}
_MONTHS["sept"] = 9
# Month names of the other languages postmortems are written in ("12 de março de 2024",
# "3. März 2024", "5 septiembre 2023"), each list in calendar order.
for _names in (
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",  # pt
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",  # es
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",  # fr
    "januar februar märz april mai juni juli august september oktober november dezember",  # de
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",  # it
    "januari februari maart april mei juni juli augustus september oktober november december",  # nl
):
    for _index, _name in enumerate(_names.split(), start=1):
        _MONTHS.setdefault(_name, _index)
# Spellings without accents, and abbreviations that are no English word ("set", "out"
# and "ago" are, and would read "we set 3 alarms" as a date).
_MONTHS.update({"marco": 3, "fevrier": 2, "aout": 8, "decembre": 12, "maerz": 3, "setiembre": 9})
_MONTHS.update({"fev": 2, "fév": 2, "abr": 4, "avr": 4, "okt": 10, "ott": 10, "dez": 12, "dic": 12, "déc": 12})
_MONTH_STARTS = frozenset(name[:3] for name in _MONTHS)
# Any word in month position; _month() accepts only real month names. A character
# class is much faster for the regex engine than an alternation of 80 names.
_MONTH = r"(?P<mon>[^\W\d_]{3,10})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|\.)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

# Each pattern with the characters one of which a match must contain: a plain
# substring test skips the pattern on text without them.
_PATTERNS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    (
        "ymd",
        re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)\s*[年년]\s*(?P<mon>[01]?\d)\s*[月월]\s*(?P<day>[0-3]?\d)\s*[日일]"),
        ("年", "년"),
    ),
    ("ymd", re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)[-/](?P<mon>[01]?\d)[-/](?P<day>[0-3]?\d)(?!\d)"), ("-", "/")),
    (
        "dmy_dot",
        re.compile(r"(?<![\d.])(?P<day>[0-3]?\d)\.(?P<mon>[01]?\d)\.(?P<year>(?:19|20)\d\d)(?!\d)"),
        (".",),
    ),
    (
        "mdy_num",
        re.compile(r"(?<![\d/-])(?P<mon>[0-3]?\d)[/-](?P<day>[0-3]?\d)[/-](?P<year>(?:19|20)\d\d)(?!\d)"),
        ("-", "/"),
    ),
    ("d_mon_y", re.compile(rf"(?<![\w/])(?P<day>[0-3]?\d)/{_MONTH}/{_YEAR}\b", re.I), ("/",)),
    ("mon_d_y", re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I), ()),
    ("d_mon_y", re.compile(rf"\b{_DAY}(?:\s+(?:of|de|del))?\s+{_MONTH}(?:\s+(?:de|del))?,?\s+{_YEAR}\b", re.I), ()),
)
# Month and day with the year further along the same sentence:
# "Between November 11 and November 15, 2025".
_MON_D = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s+(?:19|20)\d\d)", re.I)
_D_MON = re.compile(rf"\b{_DAY}\s+{_MONTH}\b(?!,?\s+(?:19|20)\d\d)", re.I)
_LONE_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
_ENGLISH_STARTS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ENGLISH_MONTH_START = re.compile(rf"(?<![a-z])(?:{'|'.join(_ENGLISH_STARTS)})")
_OTHER_MONTHS = frozenset(name for name in _MONTHS if not name.startswith(_ENGLISH_STARTS))
_LETTER_RUN = re.compile(r"[^\W\d_]{3,10}")


def _names_a_month(text: str) -> bool:
    """A cheap look for a month's name before the patterns that need one: an English
    month's first letters, or a whole word that names a month in another language."""
    lowered = text.lower()
    return bool(_ENGLISH_MONTH_START.search(lowered)) or not _OTHER_MONTHS.isdisjoint(_LETTER_RUN.findall(lowered))


_DUE_POSSIBLE = re.compile(r"\d|within|due|deadline", re.I)


@dataclass(frozen=True)
class FoundDate:
    date: dt.date
    start: int
    end: int


def _month(value: str) -> int:
    return int(value) if value.isdigit() else _MONTHS[value.lower().rstrip(".")]


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except (ValueError, OverflowError):
        return None


def find_dates(text: str) -> list[FoundDate]:
    """Every complete calendar date in `text`, in order of position."""
    if not may_hold_date(text):
        return []  # no 19xx/20xx year anywhere: the common case, decided with one cheap search
    named = _names_a_month(text)
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, needs in _PATTERNS:
        if not named and kind in ("d_mon_y", "mon_d_y"):
            continue  # the patterns with month names are the costly ones
        if needs and not any(mark in text for mark in needs):
            continue
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            month_name = match["mon"]
            if not month_name.isdigit() and month_name.lower() not in _MONTHS:
                continue
            year, month, day = int(match["year"]), _month(month_name), int(match["day"])
            if kind == "mdy_num" and month > 12:  # 27/07/2023 is day-first after all
                month, day = day, month
            date = _make(year, month, day)
            if date:
                found.append(FoundDate(date, match.start(), match.end()))
                taken.append((match.start(), match.end()))
    for pattern in (_MON_D, _D_MON) if named else ():
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            if match["mon"].lower() not in _MONTHS:
                continue
            year_match = _LONE_YEAR.search(text, match.end(), match.end() + 60)
            if year_match:
                date = _make(int(year_match[1]), _month(match["mon"]), int(match["day"]))
                if date:
                    found.append(FoundDate(date, match.start(), match.end()))
                    taken.append((match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    return found


def may_hold_date(text: str) -> bool:
    """False when `text` certainly holds no complete date (it has no year): a cheap
    test before splitting text into sentences to search each."""
    return bool(_YEAR_LIKE.search(text))


def first_date(text: str) -> dt.date | None:
    dates = find_dates(text)
    return dates[0].date if dates else None


_SHORT_YEAR_DATE = re.compile(r"(?<![\d/.-])(?P<mon>\d{1,2})([-/])(?P<day>\d{1,2})\2(?P<year>\d\d)(?![\d/.-])")


def short_year_date(title: str) -> dt.date | None:
    """'Website Outage 5-26-21': a title's date with a two-digit year, month first unless
    the first number cannot be a month. Only for titles: in running text such a
    number is as likely a version or a ratio."""
    match = _SHORT_YEAR_DATE.search(title)
    if not match:
        return None
    month, day = int(match["mon"]), int(match["day"])
    if month > 12:
        month, day = day, month
    return _make(2000 + int(match["year"]), month, day)


def month_day_with_year(text: str, year: int) -> dt.date | None:
    """The first month-and-day with no year ("On Sunday, October 31 at 21:33"), in `year`."""
    for pattern in (_MON_D, _D_MON):
        for match in pattern.finditer(text):
            if match["mon"].lower().rstrip(".") in _MONTHS:
                return _make(year, _month(match["mon"]), int(match["day"]))
    return None


def first_year(text: str) -> int | None:
    match = _LONE_YEAR.search(text)
    return int(match[1]) if match else None


_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
}
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 91, "year": 365}
_RELATIVE = re.compile(
    r"\b(?:within|in)\s+(?:the\s+)?(?:next\s+)?(?P<n>\d+|a|an|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|twelve)?\s*(?P<unit>day|week|fortnight|month|quarter|year)s?\b",
    re.I,
)
_QUARTER = re.compile(r"\bQ(?P<q>[1-4])\s*(?P<year>(?:19|20)\d\d)\b")
_DUE_CUE = re.compile(
    r"\b(?:due(?:\s+(?:date|by|on))?|deadline|eta|target(?:\s+date)?|by|before|no later than|"
    # The same in the other languages postmortems use: "prazo: 2024-04-01", "Frist: ...", "期限：...".
    r"prazo|plazo|fecha l[ií]mite|[ée]ch[ée]ance|date limite|frist|f[äa]llig|scadenza|entro|até|hasta|"
    r"期限|締切|기한|마감|截止日期|截止)\b\s*[:\-–：]?\s*",
    re.I,
)
_NO_YEAR = (re.compile(rf"^{_MONTH}\s+{_DAY}\b", re.I), re.compile(rf"^{_DAY}\s+{_MONTH}\b", re.I))
_CLEARLY_DATE = re.compile(r"^(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|" + _MONTH + r"\s+\d)", re.I)


@dataclass(frozen=True)
class Due:
    date: dt.date | None
    phrase: str  # the words the date came from
    unparseable: bool = False  # the text says a due date but pmsync cannot read it


def _match_no_year(text: str) -> re.Match[str] | None:
    for pattern in _NO_YEAR:
        match = pattern.match(text)
        if match and match["mon"].lower().rstrip(".") in _MONTHS:
            return match
    return None


def _quarter_end(quarter: int, year: int) -> dt.date:
    month = quarter * 3
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _resolve_no_year(match: re.Match[str], incident: dt.date | None) -> dt.date | None:
    if incident is None:
        return None
    month, day = _month(match["mon"]), int(match["day"])
    date = _make(incident.year, month, day)
    if date and date < incident:  # "by Jan 5" after a December incident means next year
        date = _make(incident.year + 1, month, day)
    return date


def parse_due_value(value: str, incident: dt.date | None) -> Due | None:
    """A table cell or a `Due:` value: the whole text should be a date."""
    value = value.strip().strip("*_`").strip()
    if not value or value.lower() in {"-", "n/a", "na", "none", "tbd", "?", "—"}:
        return None
    dates = find_dates(value)
    if dates:
        return Due(dates[0].date, value)
    quarter = _QUARTER.search(value)
    if quarter:
        return Due(_quarter_end(int(quarter["q"]), int(quarter["year"])), value)
    no_year = _match_no_year(value)
    if no_year:
        return Due(_resolve_no_year(no_year, incident), value, unparseable=incident is None)
    relative = _RELATIVE.search(value)
    if relative and incident:
        return Due(_relative(relative, incident), value)
    return Due(None, value, unparseable=True)


def _relative(match: re.Match[str], incident: dt.date) -> dt.date | None:
    count = match["n"]
    n = 1 if count is None else int(count) if count.isdigit() else _NUMBERS[count.lower()]
    try:
        return incident + dt.timedelta(days=n * _UNIT_DAYS[match["unit"].lower()])
    except OverflowError:
        return None  # "within the next 99999 years": past the calendar, so no date


def find_due(text: str, incident: dt.date | None) -> Due | None:
    """A due date stated in an item's text: 'Due: 22 July 2026', 'by May 1',
    'within the next week' (from the incident date), '(Q2 2024)'."""
    if not _DUE_POSSIBLE.search(text):
        return None
    for cue in _DUE_CUE.finditer(text):
        rest = text[cue.end() : cue.end() + 40]
        word = cue.group(0).strip().lower()
        # A date right after the cue starts with a digit or a month's name: "caused by the
        # load" is most of what the cue finds, and is ruled out without the date patterns.
        if rest[:1].isdigit() or rest[:3].lower() in _MONTH_STARTS:
            dates = find_dates(rest)
            if dates and dates[0].start == 0:
                return Due(dates[0].date, text[cue.start() : cue.end() + dates[0].end].strip())
            no_year = _match_no_year(rest)
            if no_year:
                phrase = text[cue.start() : cue.end() + no_year.end()].strip()
                return Due(_resolve_no_year(no_year, incident), phrase, unparseable=incident is None)
        names_due = word.startswith(("due", "deadline", "target")) and ":" in cue.group(0)
        if names_due and rest.strip() and not _CLEARLY_DATE.match(rest):
            # "Due: next sprint" names a due date nobody can compute.
            return Due(None, text[cue.start() : cue.end() + len(rest.split(".")[0])].strip(), True)
    quarter = _QUARTER.search(text) if "Q" in text else None
    if quarter:
        return Due(_quarter_end(int(quarter["q"]), int(quarter["year"])), quarter.group(0))
    relative = _RELATIVE.search(text) if "within" in text.lower() else None
    if relative and relative.group(0).lower().startswith("within"):
        if incident is None:
            return Due(None, relative.group(0), unparseable=True)
        return Due(_relative(relative, incident), relative.group(0))
    return None
