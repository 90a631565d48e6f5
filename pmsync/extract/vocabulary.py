"""What a section title says about its content.

Follow-up sections hold action items; negative sections (timeline, resolution,
what went well) hold work already done or observations; weak sections
(lessons learned) hold action items only when the document has no follow-up
section of its own, and then only sentences that commit to work. The word
lists are extended from the config (`sections.followup`, `sections.ignore`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class SectionKind(Enum):
    FOLLOWUP = "followup"
    WEAK = "weak"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


# Qualifiers that turn any title into a report of the incident itself:
# "Actions taken", "Tasks performed", "Follow-up timeline", "Fixes implemented".
_DONE_QUALIFIERS = (
    r"timeline|chronology|sequence of events|taken|performed|implemented|what went|went (?:well|wrong)|"
    r"got lucky|where we|gone better|didn'?t go|what happened|how we (?:resolved|fixed|mitigated)|"
    r"steps to resolution|notes to|supporting|appendix|attendees|authors?\b|table of contents|released|"
    r"mitigations?"
)
# Words that name follow-up work outright, wherever the title stands.
FOLLOWUP_WORDS = (
    r"action(?:able)?[\s-]*(?:items?|points?|plan)|follow[\s-]*ups?|followups?|corrective|"
    r"preventi(?:ve|on)|preventative|remediations?|remediate|next steps|to[\s-]?dos?|"
    r"future (?:work|actions?|measures?|plans?)|"
    r"再発防止|防止策|対策|改善|재발\s*방지|조치|预防措施|改进措施|后续|整改|éléments d'action|"
    r"actions? correctives?|mesures|plan d'action|acciones|medidas|maßnahmen|massnahmen|correctieve|"
    r"azioni|próximos passos|proximos pasos|"
    # The same idea in more languages: "next steps", "corrective actions", "improvements", "tasks".
    r"今後の(?:対応|対策|課題|アクション)|対応策|アクションアイテム|次のステップ|やること|"
    r"향후\s*(?:계획|조치|과제)|후속\s*조치|개선\s*(?:사항|방안|계획)|대책|액션\s*아이템|"
    r"后续行动|行动项|待办|下一步|改进|預防|後續|改善措施|行動項目|"
    r"ações|acoes|próximos passos|proximos passos|melhorias|plano de ação|pendências|prevenção|"
    r"próximos pasos|mejoras|prevención|seguimiento|"
    r"nächste schritte|naechste schritte|verbesserungen|aufgaben|prävention|"
    r"prochaines étapes|améliorations|suivi|prossimi passi|miglioramenti|"
    r"vervolgstappen|verbeteringen|maatregelen|kolejne kroki|następne kroki|usprawnienia|działania|"
    r"меры|действия|следующие шаги|план действий|улучшения|задачи|предотвращение|профилактика|заходи|"
    r"hành động|biện pháp|khắc phục|phòng ngừa|cải tiến|việc cần làm|các bước tiếp theo|"
    r"önlemler|aksiyonlar|yapılacaklar|iyileştirmeler|tindak lanjut|langkah selanjutnya|pencegahan"
)
# A generic word with one of these names planned work outright, as a done-qualifier
# names work already done: "Actions planned", "Proposed fixes", "Open tasks".
_FORWARD_QUALIFIERS = r"planned|proposed|pending|upcoming|outstanding|open|remaining|recommended|required|needed"
# Words that name follow-up work only where the surrounding section is not a
# report of the incident: "Fixes" under "Client releases" lists shipped fixes.
GENERIC_FOLLOWUP_WORDS = (
    r"actions?|tasks?|improvements?|recommendations?|measures|fixes|"
    # Inflected and question forms: "Preventing a repeat", "How do we prevent this?", "Long-term changes".
    r"prevent(?:ing|s)?|future|looking ahead|what'?s next|long[\s-]term|short[\s-]term"
)
WEAK_WORDS = (
    r"lessons?(?: learn(?:ed|t))?|learnings|takeaways|moving forward|resolution and recovery|going forward|"
    r"教訓|학습|교훈|经验教训|lições aprendidas|lecciones aprendidas|leçons apprises|lezioni apprese|"
    r"erkenntnisse|wnioski|выводы|уроки|bài học"
)
NEGATIVE_WORDS = (
    r"resolution|resolved|root causes?|causes?|trigger|impact|summary|overview|detection|symptoms?|"
    r"investigation|background|context|stats|status|date|duration|mitigations?|response|recovery|"
    r"issues?|problem|description|workarounds?|verification|conclusion|environment|q&a|faq|leadup|"
    r"fault|owner|involved|meeting|recording|glossary|references|事実|影響|原因|経緯"
)


_LETTERS = "a-zà-öø-ÿăđơưа-яё\u1ea0-\u1ef9"


@dataclass(frozen=True)
class Vocabulary:
    followup: re.Pattern[str]
    generic_followup: re.Pattern[str]
    weak: re.Pattern[str]
    negative: re.Pattern[str]
    done_qualifiers: re.Pattern[str]
    forward_qualifiers: re.Pattern[str]
    # Titles repeat across documents ('Action Items', 'Timeline'): classify each once.
    _cache: dict[tuple[str, bool, bool], SectionKind] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, extra_followup: tuple[str, ...] = (), extra_ignore: tuple[str, ...] = ()) -> Vocabulary:
        def words(base: str, extra: tuple[str, ...]) -> re.Pattern[str]:
            alternatives = "|".join([base, *(re.escape(word.lower()) for word in extra)])
            # \b does not work next to CJK characters, so the boundary is "not a letter of an
            # alphabet" (Latin, Cyrillic, Vietnamese): "меры" is not found inside "примеры".
            return re.compile(rf"(?<![{_LETTERS}])(?:{alternatives})(?![{_LETTERS}])")

        return cls(
            followup=words(FOLLOWUP_WORDS, extra_followup),
            generic_followup=words(GENERIC_FOLLOWUP_WORDS, ()),
            weak=words(WEAK_WORDS, ()),
            negative=words(NEGATIVE_WORDS, ()),
            done_qualifiers=words(_DONE_QUALIFIERS, extra_ignore),
            forward_qualifiers=words(_FORWARD_QUALIFIERS, ()),
        )

    def classify(self, title: str, *, inside_followup: bool = False, inside_report: bool = False) -> SectionKind:
        """Kind of a section title. Inside a follow-up section ('**Incident response
        and monitoring:**') only a done-qualifier makes a title negative; inside a
        report of the incident ('Client releases') only explicit words make it follow-up."""
        cache_key = (title, inside_followup, inside_report)
        cached = self._cache.get(cache_key)
        if cached is None:
            if len(self._cache) > 50_000:
                self._cache.clear()
            cached = self._cache[cache_key] = self._classify(title, inside_followup, inside_report)
        return cached

    def names_followup(self, title: str) -> bool:
        """Whether a title names follow-up work outright ("Action items", "再発防止策"),
        not only with a generic word ("Preventing ...", "Improvements")."""
        return bool(self.followup.search(normalize_title(title).lower()))

    def _classify(self, title: str, inside_followup: bool, inside_report: bool) -> SectionKind:
        text = normalize_title(title).lower()
        if not text:
            return SectionKind.NEUTRAL
        if self.done_qualifiers.search(text):
            return SectionKind.NEGATIVE
        if self.followup.search(text):
            return SectionKind.FOLLOWUP
        if self.generic_followup.search(text) and (not inside_report or self.forward_qualifiers.search(text)):
            return SectionKind.FOLLOWUP
        if self.weak.search(text):
            return SectionKind.WEAK
        if self.negative.search(text) and not inside_followup:
            return SectionKind.NEGATIVE
        return SectionKind.NEUTRAL


DEFAULT_VOCABULARY = Vocabulary.build()

_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
# Emoji and pictographs ('🚨 Incident report', '✅ Done'): decoration, not words.
_SYMBOLS = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2460-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f000-\U0001faff]")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_DECORATION = re.compile(r"^[\s#>*_`~\d.)(-]+|[\s#*_`~:：.]+$")


def normalize_title(title: str) -> str:
    """'## :memo: **1. Action Items:**' -> 'Action Items'."""
    text = _LINK.sub(r"\1", title) if "[" in title else title
    if ":" in text:
        text = _SHORTCODE.sub(" ", text)
    if not text.isascii():
        text = _SYMBOLS.sub("", text)
    text = text.replace("**", "").replace("__", "")
    text = _DECORATION.sub("", text)
    text = _DECORATION.sub("", text)
    return " ".join(text.split())
