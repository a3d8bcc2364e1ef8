"""Quality assurance: compliance checks on what agents say and write, review sampling and scoring.

Rules are phrases or regular expressions with a category and a severity. Text
is matched after NFKC normalisation and case folding, so full-width letters
(ＩＤＩＯＴ), half-width katakana and case variants all match the same rule;
hits point back into the original text.

Chinese has no spaces between words, so Chinese phrases match anywhere (and
tolerate spaces slipped between their characters: "保 证 收 益"); English
phrases match whole words only ("idiot" does not fire inside "idiotic").
Regex rules see the normalised (lower-case, half-width) text and bring their
own boundaries. They run on RE2, whose matching time grows linearly with the
text whatever the pattern, so a rule such as ``(a+)+$`` cannot hold a worker;
RE2 has no look-around, so a rule that needs context around its hit matches the
context and names the hit itself ``(?P<hit>...)``. Phrase rules are literals: they
are found with an Aho-Corasick automaton (pyahocorasick) over a "squeezed" copy
of the text in which each run of whitespace is one space and whitespace between
two CJK characters is gone, so one pass finds every phrase and every variant
however many there are.
"""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import accumulate
from typing import Any, Protocol, TypeVar
from collections.abc import Iterable, Iterator, Mapping

import ahocorasick
import re2

from .errors import InvalidConfiguration, RuleViolation, ValidationFailed

EXCERPT_RADIUS = 20
# The budget of a check: each regex rule is one pass over the text (about 30 ms for
# 200,000 characters), phrases are one pass together; so the number of regex rules
# in force is what bounds the time a check can take (50: about 1.5 s at most).
MAX_ACTIVE_REGEX_RULES = 50

# Scripts written without spaces between words: no word boundaries there.
_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_CHAR = re.compile(f"[{_CJK_RANGES}]")
# "A word character that is not CJK": what an English whole word must not touch.
_LATIN_WORD_CHAR = f"[^\\W{_CJK_RANGES}]"
_LATIN_WORD = re.compile(_LATIN_WORD_CHAR)
_SPACES = re.compile(r"\s+")


class Category(StrEnum):
    ABUSIVE = "abusive"
    THREATENING = "threatening"
    FALSE_PROMISE = "false_promise"
    EXAGGERATED_PROMISE = "exaggerated_promise"
    PRIVACY = "privacy"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high").index(self.value)


class MatchKind(StrEnum):
    PHRASE = "phrase"
    REGEX = "regex"


@dataclass(frozen=True)
class ComplianceRule:
    """``variants`` are other spellings of a phrase (e.g. traditional characters)."""

    id: str
    pattern: str
    category: Category
    severity: Severity
    kind: MatchKind = MatchKind.PHRASE
    variants: tuple[str, ...] = ()
    description: str = ""
    _matcher: _Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.id or not self.pattern.strip():
            raise InvalidConfiguration("a compliance rule needs an id and a pattern")
        object.__setattr__(self, "category", _choice(Category, self.category, self.id))
        object.__setattr__(self, "severity", _choice(Severity, self.severity, self.id))
        object.__setattr__(self, "kind", _choice(MatchKind, self.kind, self.id))
        object.__setattr__(self, "_matcher", self._compile())

    def find(self, normalized_text: str) -> Iterable[tuple[int, int]]:
        """The ``(start, end)`` of each hit in the normalised text."""
        return self._matcher.spans(normalized_text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "pattern": self.pattern, "category": str(self.category),
            "severity": str(self.severity), "kind": str(self.kind),
            "variants": list(self.variants), "description": self.description,
        }

    def _compile(self) -> _Matcher:
        if self.kind is MatchKind.REGEX:
            if self.variants:
                raise InvalidConfiguration(f"rule {self.id}: a regex has no variants, use an alternation")
            return _LinearRegex(self.id, self.pattern)
        return _PhraseMatcher((self.pattern, *self.variants))


class _Matcher(Protocol):
    def spans(self, text: str) -> Iterator[tuple[int, int]]: ...


class _PhraseMatcher:
    """A rule's phrase and its variants in one automaton; hits do not overlap (the
    leftmost, then the longest, wins), and an English phrase matches whole words only."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for phrase in phrases:
            key = _squeeze(_fold(phrase).strip())[0]
            if key:
                self._automaton.add_word(key, (len(key), bool(_LATIN_WORD.match(key[0])),
                                               bool(_LATIN_WORD.match(key[-1]))))
        self._automaton.make_automaton()

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        squeezed, positions = _squeezed(text)
        found = []
        for last, (length, whole_start, whole_end) in self._automaton.iter(squeezed):
            first = last - length + 1
            if whole_start and first > 0 and _LATIN_WORD.match(squeezed[first - 1]):
                continue
            if whole_end and last + 1 < len(squeezed) and _LATIN_WORD.match(squeezed[last + 1]):
                continue
            found.append((first, last))
        reached = -1
        for first, last in sorted(found, key=lambda span: (span[0], -span[1])):
            if first > reached:
                reached = last
                yield positions[first], positions[last] + 1


def _squeeze(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` with each whitespace run as one space and none between two CJK
    characters, and for each character kept its index in ``text``."""
    pieces: list[str] = []
    positions: list[int] = []
    done = 0
    for run in _SPACES.finditer(text):
        pieces.append(text[done:run.start()])
        positions.extend(range(done, run.start()))
        done = run.end()
        before, after = text[run.start() - 1:run.start()], text[done:done + 1]
        if not (before and after and _CJK_CHAR.match(before) and _CJK_CHAR.match(after)):
            pieces.append(" ")
            positions.append(run.start())
    pieces.append(text[done:])
    positions.extend(range(done, len(text)))
    return "".join(pieces), tuple(positions)


@lru_cache(maxsize=4)
def _squeezed(text: str) -> tuple[str, tuple[int, ...]]:
    """Squeezed once per text for all the phrase rules of a check."""
    return _squeeze(text)


# RE2 keeps its automaton within this memory; a pattern that needs more is refused.
_RE2_MAX_MEMORY = 8 << 20


class _LinearRegex:
    """A company's own regular expression, on RE2 (linear time, no backtracking)."""

    def __init__(self, rule_id: str, pattern: str) -> None:
        options = re2.Options()
        options.case_sensitive = False
        options.max_mem = _RE2_MAX_MEMORY
        options.log_errors = False
        try:
            self._compiled = re2.compile(pattern, options)
        except re2.error as error:
            reason = str(error.args[0].decode() if isinstance(error.args[0], bytes) else error)
            if "perl operator" in reason:
                reason += "; look-around is not supported, match the context and name the hit (?P<hit>...)"
            raise InvalidConfiguration(f"rule {rule_id}: invalid regular expression ({reason})") from None
        self._hit_group = self._compiled.groupindex.get("hit", 0)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        # Searched by hand rather than with finditer: the context around one hit
        # may be the context of the next ("…7777,1101…"), so the next search
        # starts where the hit ends, not where its context does. The text is
        # encoded once: RE2 given a str re-encodes all of it on every search,
        # which made a text with many hits quadratic.
        data = text.encode()
        offsets = _ByteOffsets(text, data)
        position = 0
        while position <= len(data):
            match = self._compiled.search(data, position)
            if match is None:
                return
            start, end = match.span(self._hit_group)
            yield offsets.char(start), offsets.char(end)
            position = max(end, offsets.next_char(match.start()))


class _ByteOffsets:
    """Between offsets in a str and in its UTF-8 bytes (the same when it is ASCII)."""

    def __init__(self, text: str, data: bytes) -> None:
        self._ascii = len(text) == len(data)
        self._byte_starts = [] if self._ascii else list(accumulate((len(char.encode()) for char in text), initial=0))

    def char(self, byte_offset: int) -> int:
        return byte_offset if self._ascii else bisect_left(self._byte_starts, byte_offset)

    def next_char(self, byte_offset: int) -> int:
        """Where the character after the one at ``byte_offset`` starts (past the end: one more)."""
        following = self.char(byte_offset) + 1
        if self._ascii or following >= len(self._byte_starts):
            return byte_offset + 1
        return self._byte_starts[following]


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    category: Category
    severity: Severity
    start: int  # offsets into the original text
    end: int
    matched: str
    excerpt: str  # up to EXCERPT_RADIUS characters either side, from the original text


def check(text: str, rules: Iterable[ComplianceRule] | None = None) -> list[RuleHit]:
    """Every hit of every rule in ``text``, in reading order (DEFAULT_RULES by default)."""
    normalized, starts, ends = normalize_with_offsets(text)
    hits = []
    for rule in DEFAULT_RULES if rules is None else rules:
        for hit_start, hit_end in rule.find(normalized):
            if hit_end <= hit_start:
                continue
            start, end = starts[hit_start], ends[hit_end - 1]
            hits.append(RuleHit(
                rule_id=rule.id,
                category=rule.category,
                severity=rule.severity,
                start=start,
                end=end,
                matched=text[start:end],
                excerpt=text[max(0, start - EXCERPT_RADIUS):end + EXCERPT_RADIUS],
            ))
    return sorted(hits, key=lambda hit: (hit.start, -hit.severity.rank, hit.rule_id))


def ensure_within_budget(active_regex_rules: int) -> None:
    """Refuse one more regex rule when that many are in force already."""
    if active_regex_rules >= MAX_ACTIVE_REGEX_RULES:
        raise InvalidConfiguration(
            f"at most {MAX_ACTIVE_REGEX_RULES} regular-expression rules can be in force, each is a pass over "
            "every text; join patterns with | into one rule, or switch one off")


def worst_severity(hits: Iterable[RuleHit]) -> Severity | None:
    # Bound first: as the return value, mypy would infer the key's argument from the return type (with None).
    worst = max((hit.severity for hit in hits), key=lambda severity: severity.rank, default=None)
    return worst


def normalize(text: str) -> str:
    return normalize_with_offsets(text)[0]


def normalize_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC + case folding, with each normalised character's original span.

    Characters are normalised cluster by cluster (a base and its combining
    marks) so every output character can be traced to the text it came from,
    even when folding changes the length ("ß" → "ss", "ﬁ" → "fi").
    """
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _clusters(text):
        piece = _fold(text[start:end])
        pieces.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))
    return "".join(pieces), starts, ends


def rules_from_dicts(entries: Iterable[Mapping[str, Any]]) -> tuple[ComplianceRule, ...]:
    """Rules from JSON (``ComplianceRule.to_dict`` gives the shape); ids must be unique."""
    rules = []
    for entry in entries:
        unknown = set(entry) - {"id", "pattern", "category", "severity", "kind", "variants", "description"}
        if unknown:
            raise InvalidConfiguration(f"unknown compliance rule settings: {', '.join(sorted(unknown))}")
        try:
            rules.append(ComplianceRule(
                id=entry["id"],
                pattern=entry["pattern"],
                category=entry["category"],
                severity=entry["severity"],
                kind=entry.get("kind", "phrase"),
                variants=tuple(entry.get("variants", ())),
                description=entry.get("description", ""),
            ))
        except KeyError as missing:
            raise InvalidConfiguration(f"a compliance rule needs {missing.args[0]}") from None
    ids = [rule.id for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise InvalidConfiguration(f"compliance rule ids must be unique: {', '.join(duplicates)}")
    return tuple(rules)


def _choice(kind: type[StrEnum], value: Any, rule_id: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidConfiguration(f"rule {rule_id}: {value!r} is not one of {choices}") from None


def _fold(cluster: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())


def _clusters(text: str) -> Iterable[tuple[int, int]]:
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not unicodedata.combining(text[index]):
            yield start, index
            start = index


def _rule(rule_id: str, pattern: str, category: Category, severity: Severity, *variants: str,
          regex: bool = False, description: str = "") -> ComplianceRule:
    return ComplianceRule(
        id=rule_id, pattern=pattern, category=category, severity=severity,
        kind=MatchKind.REGEX if regex else MatchKind.PHRASE, variants=variants, description=description,
    )


_A, _T, _F, _E, _P = (Category.ABUSIVE, Category.THREATENING, Category.FALSE_PROMISE,
                      Category.EXAGGERATED_PROMISE, Category.PRIVACY)
_LOW, _MEDIUM, _HIGH = Severity.LOW, Severity.MEDIUM, Severity.HIGH

# A starting set; each company edits its own list (rules_from_dicts).
DEFAULT_RULES: tuple[ComplianceRule, ...] = (
    _rule("abusive.zh.are_you_stupid", "你是不是傻", _A, _HIGH),
    _rule("abusive.zh.idiot", "白痴", _A, _HIGH),
    _rule("abusive.zh.get_lost", "滚蛋", _A, _HIGH, "滾蛋"),
    _rule("abusive.zh.mental", "神经病", _A, _MEDIUM, "神經病"),
    _rule("abusive.en.idiot", "idiot", _A, _HIGH),
    _rule("abusive.en.moron", "moron", _A, _HIGH),
    _rule("abusive.en.shut_up", "shut up", _A, _HIGH),
    _rule("abusive.en.stupid", "stupid", _A, _MEDIUM),
    _rule("threatening.zh.at_your_own_risk", "后果自负", _T, _HIGH, "後果自負"),
    _rule("threatening.zh.wait_and_see", "走着瞧", _T, _HIGH, "走著瞧"),
    _rule("threatening.zh.teach_a_lesson", "让你好看", _T, _HIGH, "讓你好看"),
    _rule("threatening.en.regret", r"\byou(?:'|’| wi)ll regret\b", _T, _HIGH, regex=True),
    _rule("threatening.en.where_you_live", "i know where you live", _T, _HIGH),
    _rule("threatening.en.or_else", "or else", _T, _MEDIUM),
    _rule("false_promise.zh.guaranteed_return", "保证收益", _F, _HIGH, "保證收益"),
    _rule("false_promise.zh.sure_win", "稳赚不赔", _F, _HIGH, "穩賺不賠"),
    _rule("false_promise.zh.zero_risk", "零风险", _F, _HIGH, "零風險"),
    _rule("false_promise.zh.principal_and_interest", "保本保息", _F, _HIGH),
    _rule("false_promise.en.guaranteed_return", r"\bguaranteed (?:returns?|profits?)\b", _F, _HIGH, regex=True),
    _rule("false_promise.en.risk_free", "risk-free", _F, _HIGH, "risk free", "no risk"),
    _rule("exaggerated.zh.regret_not_buying", "不买就后悔", _E, _MEDIUM, "不買就後悔"),
    _rule("exaggerated.zh.lowest_online", "全网最低", _E, _MEDIUM, "全網最低"),
    _rule("exaggerated.zh.lowest_ever", "史上最低", _E, _MEDIUM),
    _rule("exaggerated.zh.miss_it_wait_a_year", "错过再等一年", _E, _LOW, "錯過再等一年"),
    _rule("exaggerated.en.best_price", "best price in the world", _E, _MEDIUM),
    _rule("exaggerated.en.once_in_a_lifetime", "once in a lifetime", _E, _LOW),
    _rule("exaggerated.en.hundred_percent", r"\b100\s?% (?:effective|guaranteed|safe)\b", _E, _MEDIUM, regex=True),
    _rule("privacy.id_card_number", r"(?:^|\D)(?P<hit>\d{17}[\dx])(?:\D|$)", _P, _HIGH, regex=True,
          description="a mainland ID card number read out or written down"),
    _rule("privacy.zh.ask_password", r"(?:告诉我|告訴我|报一下|報一下|提供).{0,6}(?:密码|密碼|验证码|驗證碼)", _P, _HIGH,
          regex=True, description="asking the customer for a password or a verification code"),
    _rule("privacy.en.ask_password", r"\b(?:tell|give|send) me your (?:password|pin|verification code)\b", _P, _HIGH,
          regex=True, description="asking the customer for a password or a verification code"),
)


# -- supervisors' review: sampling and scoring -------------------------------------


class _Sampleable(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def agent_id(self) -> str: ...

    @property
    def started_at(self) -> datetime: ...


S = TypeVar("S", bound=_Sampleable)


@dataclass(frozen=True)
class Period:
    """A half-open stretch of time ``[start, end)``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise RuleViolation("a period must end after it starts")

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def sample(interactions: Iterable[S], per_agent: int, period: Period, seed: str | int) -> dict[str, list[S]]:
    """Up to ``per_agent`` random interactions per agent within ``period``, reproducibly.

    The same seed, period and interactions give the same sample whatever their
    order, and each agent's draw is independent of the others' (adding an agent
    does not change anyone else's sample). Each list is in time order.
    """
    if per_agent < 0:
        raise RuleViolation("the sample size per agent cannot be negative")
    by_agent: dict[str, list[S]] = {}
    for interaction in interactions:
        if interaction.started_at in period:
            by_agent.setdefault(interaction.agent_id, []).append(interaction)
    chosen = {}
    for agent_id in sorted(by_agent):
        candidates = sorted(by_agent[agent_id], key=lambda i: (i.started_at, i.id))
        draw = random.Random(f"{seed}/{period.start.isoformat()}/{agent_id}")
        picked = draw.sample(candidates, min(per_agent, len(candidates)))
        chosen[agent_id] = sorted(picked, key=lambda i: (i.started_at, i.id))
    return chosen


@dataclass(frozen=True)
class ReviewItem:
    """One line of a review form. A critical item marked 0 fails the whole review (致命错误)."""

    key: str
    label: str
    weight: int
    max_points: int = 5
    critical: bool = False

    def __post_init__(self) -> None:
        if self.weight <= 0 or self.max_points <= 0:
            raise InvalidConfiguration(f"review item {self.key}: weight and maximum points must be positive")


@dataclass(frozen=True)
class ReviewScore:
    score: Decimal  # 0-100, one decimal
    critical_failure: bool
    items_scored: int


@dataclass(frozen=True)
class ReviewForm:
    items: tuple[ReviewItem, ...]

    def __post_init__(self) -> None:
        keys = [item.key for item in self.items]
        if not keys or len(set(keys)) != len(keys):
            raise InvalidConfiguration("a review form needs items with distinct keys")

    def score(self, marks: Mapping[str, int | None]) -> ReviewScore:
        """Weighted score out of 100; ``None`` marks an item not applicable (left out of the weights)."""
        self._check_marks(marks)
        scored = [(item, points) for item in self.items if (points := marks[item.key]) is not None]
        critical_failure = any(item.critical and points == 0 for item, points in scored)
        weights = sum(item.weight for item, _ in scored)
        earned = sum((Decimal(item.weight) * Decimal(points) / Decimal(item.max_points) for item, points in scored),
                     Decimal(0))
        score = Decimal(0) if critical_failure else earned * 100 / weights
        return ReviewScore(score.quantize(Decimal("0.1"), ROUND_HALF_UP), critical_failure, len(scored))

    def _check_marks(self, marks: Mapping[str, int | None]) -> None:
        errors: dict[str, list[str]] = {}
        for key in set(marks) - {item.key for item in self.items}:
            errors[key] = ["not an item of this review form"]
        for item in self.items:
            if item.key not in marks:
                errors[item.key] = ["required (null when not applicable)"]
                continue
            points = marks[item.key]
            if points is None:
                continue
            if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= item.max_points:
                errors[item.key] = [f"must be a whole number from 0 to {item.max_points}"]
        if not errors and all(marks[item.key] is None for item in self.items):
            errors["marks"] = ["at least one item must be scored"]
        if errors:
            raise ValidationFailed(errors)


DEFAULT_REVIEW_FORM = ReviewForm((
    ReviewItem("greeting", "Greeting and identification / 开场问候与身份确认", weight=10),
    ReviewItem("needs", "Understanding the need / 需求理解", weight=20),
    ReviewItem("accuracy", "Accurate product and price information / 产品与价格信息准确", weight=25),
    ReviewItem("compliance", "No abusive words, false or exaggerated promises / 合规用语、无虚假夸大承诺",
               weight=25, max_points=1, critical=True),
    ReviewItem("courtesy", "Courtesy and patience / 礼貌与耐心", weight=10),
    ReviewItem("closing", "Next step agreed and recorded / 约定并记录下一步", weight=10),
))
