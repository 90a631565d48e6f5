"""Reading the intent of a sentence: a commitment to future work, a report of
work already done, an observation, an introduction or a closing remark.

Follow-up sections mix all of these ("We will add alerting", "Added a retry
limit", "Quality assurance matters", "We're taking these steps:"), so deciding
what is an action item needs more than the section's title. The cues are
deliberately lexical and cheap: they run on every candidate line.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache


class Cue(Enum):
    FUTURE = "future"  # says work will or should happen: "we will", "need to", "plans to"
    IMPERATIVE = "imperative"  # starts with a verb: "Add alerting on lag"
    NOUN = "noun"  # a bare noun phrase: "Bug bounty for key parts of the code"
    PAST = "past"  # reports work done: "Added a retry limit", "A memo was sent"
    STATEMENT = "statement"  # an observation: "Quality assurance is a primary stage"
    INTRO = "intro"  # introduces a list: "we're taking these steps:"
    CLOSING = "closing"  # "In conclusion, ..."


_VERBS = frozenset(
    """
    add adopt allow alert align analyze analyse apply archive ask assess assign audit automate avoid
    backfill backport be block book break bring build bump cap capture change check clarify clean
    clean-up cleanup close collect communicate complete conduct configure confirm consider
    consolidate continue coordinate create cut decide decommission decouple define delete deliver
    deploy deprecate design detect develop disable discuss do document double-check drop educate
    eliminate enable encourage enforce enhance enroll ensure establish evaluate expand explore
    expose extend figure file finalize finalise find finish fix follow force formalize formalise
    freeze gather get give grant handle harden have hire hold identify implement improve include
    increase inform install instrument integrate introduce invest investigate isolate keep label
    launch lead let limit link lock log look lower maintain make map mark measure merge migrate
    minimize minimise mitigate modify monitor move never notify offload onboard optimize optimise
    organize organise own page patch perform pin plan plug port prepare prevent prioritize
    prioritise probe promote propose protect provide provision publish purge push put raise reach
    re-enable re-evaluate reevaluate re-introduce reintroduce rebuild recreate reduce refactor
    refine reject release remove rename repair replace report reproduce require research restore
    restrict restructure retire retry revert review revise revisit rewrite roll rotate run scale
    schedule script secure send separate set setup share ship simplify simulate split stabilize
    stabilise standardize standardise start stop store streamline strengthen stress-test switch sync
    talk teach test throttle track train transfer trigger try tune turn unblock unify update upgrade
    use validate verify watch work wrap write don't dont always take snapshot backup cache pause rerun
    re-run rehearse drill practice renew reconfigure email contact escalate announce
    """.split()
)
_IRREGULAR_PAST = frozenset(
    """
    made built wrote sent ran took found put began became brought chose did got gave held kept led
    left lost met paid saw spent told thought went won rolled shut cut moved taught brought didn't
    """.split()
)
_ADVERBS = frozenset(
    """
    probably also then please first second finally additionally lastly
    """.split()
)

_CLOSING = re.compile(
    r"^(?:in conclusion|to conclude|in summary|to summari[sz]e|overall|all in all|by (?:implementing|"
    r"addressing|taking|following)|we(?: are|'re|’re) committed|we understand|thank you|thanks|"
    r"apologies|stay tuned|remember)\b",
    re.I,
)
_FORWARD_INTRO = re.compile(
    r"\b(?:will|shall|'ll|’ll|going to|plan|planning|focus(?:ed|ing)? on|prevent|future|next|"
    r"following (?:corrective|preventive|preventative|measures|actions|tasks|steps|changes|improvements)|"
    r"these (?:steps|measures|actions|changes|tasks)|taking (?:the following|these)|"
    r"action items?|to-?dos?|tasks?|measures|improvements|recommend)\b",
    re.I,
)
_PAST_INTRO = re.compile(r"\b(?:were|was) (?:taken|done|performed|implemented|completed)\b|\bwe (?:did|took)\b", re.I)

# Commitment stated outright, reliable even in prose outside follow-up sections.
_STRONG_FUTURE = re.compile(
    r"\b(?:we|i|the team|our team|team|they)\s+(?:will|shall|plan|intend|aim|need|must|should|"
    r"are going to|would like to|may|want)\b(?!\s+have\b)"
    r"|\b(?:we|i|they)(?:'ll|’ll)\b"
    r"|\b(?:plans?|planning|intends?|aims?) to\b|\baiming (?:at|for)\b"
    r"|\b(?:is|are)\s+(?:also\s+|now\s+|currently\s+)?being\s+\w+"
    r"|\b(?:actively\s+)?working on\b|\bunder ?way\b|\bongoing\b|\bremains? a priority\b"
    r"|\bin the (?:near|coming) future\b|\bnext steps?\b|\baction items?\b"
    r"|\b(?:was|were) to be\b|\bwill be \w+(?:ed|en)\b"
    r"|\bneeds? to\b|\bshould\b(?!\s+have\b)|\bmust\b(?!\s+have\b)"
    r"|\b(?:important|necessary|essential|critical|recommended|advisable) to\b|\bis (?:needed|necessary|required)\b"
    r"|\bcan be (?:prevented|avoided)\b|\b(?:changes|improvements|work) (?:are )?coming\b"
    r"|\bwould like to\b|\bi may\b"
    # Chinese, Japanese, Korean: a plan, a need, or a non-past verb ending ("自動化します",
    # "计划增加", "추가할 예정"). Not "将": in narrative it marks the object of a past action.
    r"|(?:します|する|していきます|していく|予定です|予定|必要があります|必要がある)[。．.]?$"
    r"|计划|需要|应当|应该|下一步|예정|하겠습니다|할 것입니다|필요합니다|할 계획",
    re.I,
)
_WEAK_FUTURE = re.compile(r"\b(?:will|shall|going to)\b(?!\s+have\b)|(?:'ll|’ll)\b", re.I)
# Sentences that continue the previous one rather than start a new item.
_CONNECTIVE_START = re.compile(
    r"^(?:further(?:more)?,|furthermore|also,|in particular|for example|e\.g\.|i\.e\.|this|these|that|those|it|its|"
    r"and|but|so|or|which|especially|specifically|however,? this)\b",
    re.I,
)
_FIRST_WORD = re.compile(r"^\W*([A-Za-z][\w'’-]*)")
_CONJUNCTION_START = re.compile(r"^(?:and|but|so|or|also,)\b", re.I)
_REPORTED_PLAN = re.compile(
    r"^(?:the|our) (?:plan|idea|intention|goal|assumption|expectation|hope) (?:was|had been)\b", re.I
)
_ANNOUNCES_CHANGES = re.compile(
    r"\b(?:several|some|a few|a number of|the following|these|a series of|a set of) "
    r"(?:changes|steps|measures|improvements|actions|fixes)\b",
    re.I,
)
_PASSIVE_PAST = re.compile(
    r"\b(?:was|were|has been|have been|had been)\s+(?:\w+ly\s+)?(?:\w+ed|\w+en|sent|made|built|put|set|"
    r"held|kept|brought|done|run|taught|told|found|left|lost|paid|shut|cut|begun)\b"
    r"|\b(?:we|i|they|it|he|she)(?:'ve|’ve|'d|’d| have| has| had)\s+(?:\w+ly\s+)?\w+(?:ed|en|ne|t)\b"
    r"|(?<!would )(?<!could )(?<!should )(?<!might )(?<!must )(?<!may )"
    r"\b(?:has|have|had)\s+(?:\w+ly\s+|since\s+|already\s+|now\s+|also\s+|just\s+)?\w+ed\b"
    r"|\b(?:is|are) now\b|\balready\b|\bdidn't\b|\bdid not\b",
    re.I,
)
# Every alternative of _PASSIVE_PAST contains one of these: substring tests rule
# most sentences out before the pattern, the slowest of the cues, runs.
_PAST_HINTS = (
    "was", "were", "been", "'ve", "’ve", "'d", "’d", "has", "had", "have", "now", "already", "didn", "did not",
)  # fmt: skip


def _is_passive_past(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in _PAST_HINTS) and bool(_PASSIVE_PAST.search(text))


_STATEMENT = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|do|did|can|could|may|might|would|seems?|appears?|proved)\b",
    re.I,
)
_LEADING_CLAUSE = re.compile(
    r"^(?:to|before|after|when|while|even when|even if|if|once|since|as|because|given|"
    r"during|for|in|on|with|although|though|unless|until)\b[^,]{0,80},\s*",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
# A sentence ends at ". " before a capital, or right after "。", "！", "？" (Chinese and
# Japanese put no space between sentences).
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])|(?<=[。！？])[」』）]*(?=\S)")
# "e.g." or "Sept." ends no sentence, nor does the "1." that numbers one.
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|mr|mrs|dr|no|approx|incl|fig|st|sept?|oct|nov|dec|jan|feb|"
    r"mar|apr|jun|jul|aug)\.|\b[A-Z]\.|^\s*\d{1,2}\.)$",
    re.I,
)


def _starts_with_verb(text: str) -> bool:
    match = _FIRST_WORD.match(text)
    return match is not None and match.group(1).lower() in _VERBS


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as 'e.g.' whole."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        if _ABBREVIATION.search(candidate):
            continue
        if candidate:
            parts.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _first_words(text: str, count: int) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)[:count]]


def _is_title_adjective(words: list[str]) -> bool:
    """'Enhanced Monitoring', 'Automated Data Backup': an -ed word in a Title Case label."""
    return len(words) > 1 and words[0].lower().endswith("ed") and words[1][:1].isupper()


@lru_cache(maxsize=8192)
def is_strong_future(text: str) -> bool:
    return _may_be_future(text) and bool(_STRONG_FUTURE.search(text))


@lru_cache(maxsize=8192)
def is_future(text: str) -> bool:
    return _may_be_future(text) and bool(_STRONG_FUTURE.search(text) or _WEAK_FUTURE.search(text))


# Every future pattern above contains one of these: plain substring tests rule
# most sentences out before the (much slower) patterns run.
_FUTURE_HINTS = (
    "will", "shall", "'ll", "’ll", "going to", "plan", "intend", "aim", "need", "must", "should", "would",
    "being", "working on", "under", "ongoing", "priorit", "future", "next step", "action item", "to be",
    "important", "necessary", "essential", "critical", "recommended", "advisable", "required", "can be",
    "coming", " may", "want",
)  # fmt: skip
_CJK_FUTURE_HINTS = (
    "ます", "する", "予定", "必要", "计划", "需要", "应", "下一步",
    "예정", "하겠", "것입니다", "필요", "계획",
)  # fmt: skip


def _may_be_future(text: str) -> bool:
    lowered = text.lower()
    if any(hint in lowered for hint in _FUTURE_HINTS):
        return True
    return not text.isascii() and any(hint in text for hint in _CJK_FUTURE_HINTS)


CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, CJK ideographs, hangul


def is_cjk(text: str) -> bool:
    """Mostly Chinese, Japanese or Korean: the English cues above cannot read it."""
    if text.isascii() or not CJK_CHAR.search(text):
        return False  # English with a curly quote is decided here, without counting letters
    letters = sum(1 for char in text if char.isalnum())
    return len(CJK_CHAR.findall(text)) * 2 > letters


def starts_with_connective(text: str) -> bool:
    return bool(_CONNECTIVE_START.match(text))


def starts_with_conjunction(text: str) -> bool:
    """A line that continues the previous line of a plain block ('And of course ...')."""
    return bool(_CONJUNCTION_START.match(text))


def main_clause(text: str) -> str:
    """The sentence without a leading subordinate clause ('While we can't ..., it ...')."""
    return _LEADING_CLAUSE.sub("", text.strip(), count=1) or text


def ends_with_colon(text: str) -> bool:
    return text.rstrip().rstrip("*_").rstrip().endswith((":", "："))


def is_forward_intro(text: str) -> bool:
    """'To prevent this, the following measures will be taken:' introduces follow-up work."""
    text = text.strip()
    return (
        ends_with_colon(text)
        and len(_WORD.findall(text)) >= 3
        and bool(_FORWARD_INTRO.search(text))
        and not _PAST_INTRO.search(text)
    )


def reports_done(text: str) -> bool:
    """The sentence's main clause says the work already happened ('Elastic has since implemented ...')."""
    first_clause = re.split(r"[,;:]", text, maxsplit=1)[0]
    return _is_passive_past(first_clause[:120])


def is_imperative(text: str) -> bool:
    """Starts with a verb, capitalised as a sentence does: 'Publish a guide for admins'."""
    sentence = text.strip().strip("*_ ")
    core = (_LEADING_CLAUSE.sub("", sentence, count=1) or sentence).strip()
    words = _WORD.findall(core)[:3]
    while words and words[0].lower() in _ADVERBS:
        words = words[1:]
    return bool(words) and words[0].lower() in _VERBS and sentence[:1].isupper()


@lru_cache(maxsize=8192)
def classify(text: str) -> Cue:
    text = text.strip().strip("*_").strip()
    if _CLOSING.match(text):
        return Cue.CLOSING
    if ends_with_colon(text) and len(_WORD.findall(text)) >= 5:
        return Cue.INTRO
    if _REPORTED_PLAN.match(text):
        return Cue.STATEMENT
    first_word = _WORD.match(text.lstrip("*_ "))
    if _ANNOUNCES_CHANGES.search(text) and not (first_word and first_word.group(0).lower() in _VERBS):
        return Cue.INTRO
    first_clause = re.split(r"[,;:]", text, maxsplit=1)[0]
    if not is_future(first_clause) and _is_passive_past(first_clause[:120]) and not _starts_with_verb(text):
        return Cue.PAST  # "A README was placed ..., and files should be edited": a report
    if is_future(text):
        return Cue.FUTURE
    core = _LEADING_CLAUSE.sub("", text, count=1) or text
    original = _WORD.findall(core)[:4]
    while original and original[0].lower() in _ADVERBS:
        original = original[1:]
    if not original:
        return Cue.NOUN
    words = [w.lower() for w in original]
    first = words[0]
    if first in _VERBS:
        return Cue.IMPERATIVE
    head = " ".join(_first_words(core, 7))
    if first in {"plans", "intends"} or (
        first.endswith("ing")
        and len(first) > 5
        and first not in _NOT_GERUND
        and not _is_passive_past(head)
        and not re.search(r"\b(?:is|are|was|were)\b", head)
    ):
        return Cue.FUTURE  # "Developing a feature", "Exploring other data stores": work under way
    if _is_title_adjective(original):
        return Cue.NOUN
    subject_then_verb = len(words) > 1 and first not in _MODIFIERS and _is_past_verb(words[1])
    if (
        _is_past_verb(first)
        or subject_then_verb
        or (len(words) > 2 and first in {"the", "a", "an", "our", "all"} and _is_past_verb(words[2]))
    ):
        return Cue.PAST
    if _is_passive_past(core[:120]):
        return Cue.PAST
    if _STATEMENT.search(head) or first in {"we", "i", "they", "it", "there", "he", "she"}:
        return Cue.STATEMENT
    return Cue.NOUN


# Words before an -ed word that make it an adjective ("More automated alarms"), not a verb.
_MODIFIERS = frozenset(
    """
    more less most better additional new further fully properly all some any no every each
    automatically well poorly clearly
    """.split()
)
_NOT_GERUND = frozenset(
    """
    during nothing something anything everything string morning evening ceiling
    """.split()
)
_NOT_PAST = frozenset(
    """
    need speed feed seed embed proceed succeed exceed red bed shed breed bleed
    """.split()
)


def _is_past_verb(word: str) -> bool:
    word = word.lower()
    if word in _IRREGULAR_PAST:
        return True
    return len(word) > 3 and word.endswith("ed") and word not in _NOT_PAST
