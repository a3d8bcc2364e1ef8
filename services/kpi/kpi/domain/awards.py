"""Awards: sales champion and most improved. Ties share the award."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .metric_value import HUNDRED
from .money import quantize_money

SALES_CHAMPION = "sales champion"
MOST_IMPROVED = "most improved"


@dataclass(frozen=True)
class Award:
    title: str
    winners: tuple[str, ...]  # sorted; empty when nobody qualifies
    value: Decimal | None  # the winning revenue, or growth in %
    unit: str
    note: str = ""


def _best(scores: Mapping[str, Decimal]) -> tuple[tuple[str, ...], Decimal | None]:
    if not scores:
        return (), None
    top = max(scores.values())
    return tuple(sorted(rep for rep, score in scores.items() if score == top)), top


def sales_champion(revenue_by_rep: Mapping[str, Decimal], currency: str) -> Award:
    """Highest revenue of the period. A rep with no positive revenue cannot be
    champion, so a quiet period has no champion rather than a "best" zero."""
    positive = {rep: value for rep, value in revenue_by_rep.items() if value > 0}
    winners, top = _best(positive)
    note = "" if winners else "no rep with revenue in the period"
    return Award(SALES_CHAMPION, winners, top, currency, note)


def growth_by_rep(current: Mapping[str, Decimal],
                  previous: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Growth in % per rep, for reps with a non-zero previous figure (growth
    from nothing is not a number: a new rep cannot be "most improved")."""
    return {
        rep: (current.get(rep, Decimal(0)) - base) / abs(base) * HUNDRED
        for rep, base in previous.items()
        if base != 0
    }


def most_improved(current: Mapping[str, Decimal], previous: Mapping[str, Decimal]) -> Award:
    """Highest growth vs the previous period, among reps with a non-zero
    previous figure; growth must be positive — declining less is not improving."""
    improving = {rep: g for rep, g in growth_by_rep(current, previous).items() if g > 0}
    winners, top = _best(improving)
    note = "" if winners else "no rep improved on a non-zero previous period"
    return Award(MOST_IMPROVED, winners, None if top is None else quantize_money(top), "%", note)
