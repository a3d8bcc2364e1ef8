"""A small FAQ search for agents and the self-service page.

Text is cut into terms: English (and other space-separated scripts) into
words, lightly singularised; Chinese, which has no spaces, into overlapping
character bigrams ("怎么退货" → 怎么, 么退, 退货), a single character standing
alone as itself. A few filler words and bigrams that match everything (how,
what, 怎么, 什么…) are dropped.

An entry scores, for each distinct query term it contains, 3 if the term is in
its keywords, 2 if in its question, 1 if only in its answer. Ties go to the
entry that matched more distinct terms, then to the earlier entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Iterable, Sequence

KEYWORD_WEIGHT, QUESTION_WEIGHT, ANSWER_WEIGHT = 3, 2, 1

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")
_STOPWORDS = frozenset(
    "a an and are be can do does for how i in is it me my of on or the to what when where which why "
    "will with you your".split()
)
_STOP_BIGRAMS = frozenset({"怎么", "怎樣", "怎样", "什么", "什麼", "如何", "可以", "我的", "一下", "请问", "請問", "是否", "吗"})


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    answer: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqEntry
    score: int
    matched_terms: tuple[str, ...]


def terms(text: str) -> list[str]:
    """The distinct search terms of ``text``, in order of appearance."""
    normalized = unicodedata.normalize("NFKC", text).casefold()
    found: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(normalized):
        found += _words(normalized[position:run.start()])
        found += _bigrams(run.group())
        position = run.end()
    found += _words(normalized[position:])
    return list(dict.fromkeys(found))


def search(query: str, entries: Sequence[FaqEntry], limit: int = 5) -> list[FaqMatch]:
    """Entries that share at least one term with the query, best first."""
    wanted = terms(query)
    ranked = []
    for position, entry in enumerate(entries):
        keyword_terms = set(terms(" ".join(entry.keywords)))
        question_terms = set(terms(entry.question))
        answer_terms = set(terms(entry.answer))
        score, matched = 0, []
        for term in wanted:
            weight = (
                KEYWORD_WEIGHT if term in keyword_terms
                else QUESTION_WEIGHT if term in question_terms
                else ANSWER_WEIGHT if term in answer_terms
                else 0
            )
            if weight:
                score += weight
                matched.append(term)
        if score:
            ranked.append((-score, -len(matched), position, FaqMatch(entry, score, tuple(matched))))
    ranked.sort(key=lambda row: row[:3])
    return [row[3] for row in ranked[:limit]]


def _words(text: str) -> Iterable[str]:
    for word in _WORD.findall(text):
        if word not in _STOPWORDS:
            yield _singular(word)


def _singular(word: str) -> str:
    # Enough for FAQ wording ("refunds" ~ "refund", "invoices" ~ "invoice"), no more.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [] if run in _STOP_BIGRAMS else [run]
    pairs = (run[i:i + 2] for i in range(len(run) - 1))
    return [pair for pair in pairs if pair not in _STOP_BIGRAMS]
