"""The value of one metric, with how it was reached.

Conventions, the same for every metric:
- Sums and counts over a period without any fact are a true zero (no orders
  means no revenue) and carry the note "no data", so a screen may show "—".
- Ratios and averages whose denominator is empty are `value=None` with the
  note "no data": never 0 %, never a division error.
- Rates are percentages (unit "%"), rounded half-up to 2 places; money is in
  the company currency, rounded half-up to 2 places once, at the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .money import quantize_money

NO_DATA = "no data"
PERCENT = "%"
COUNT = "count"
DAYS = "days"
SCORE = "score"
NPS_POINTS = "points"

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class MetricValue:
    value: Decimal | None
    unit: str  # a currency code, "%", "count", "days", "score", "points"
    numerator: Decimal | None = None  # for ratios and averages
    denominator: Decimal | None = None
    note: str = ""
    extra: Mapping[str, Decimal | int | str] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return self.value is not None and self.note != NO_DATA


def no_data(unit: str, numerator: Decimal | None = None,
            denominator: Decimal | None = None) -> MetricValue:
    return MetricValue(None, unit, numerator, denominator, NO_DATA)


def count_value(count: int, any_fact: bool | None = None, note: str = "") -> MetricValue:
    """A count; "no data" when nothing was there to count."""
    empty = (count == 0) if any_fact is None else not any_fact
    return MetricValue(Decimal(count), COUNT, note=NO_DATA if empty else note)


def percentage(numerator: Decimal | int, denominator: Decimal | int,
               note: str = "") -> MetricValue:
    numerator, denominator = Decimal(numerator), Decimal(denominator)
    if denominator == 0:
        return no_data(PERCENT, numerator, denominator)
    return MetricValue(
        quantize_money(numerator / denominator * HUNDRED), PERCENT,
        numerator, denominator, note,
    )


def average(total: Decimal | int, count: int, unit: str, note: str = "") -> MetricValue:
    if count == 0:
        return no_data(unit, Decimal(total), Decimal(0))
    return MetricValue(
        quantize_money(Decimal(total) / count), unit, Decimal(total), Decimal(count), note
    )


def median(values: Sequence[Decimal]) -> Decimal:
    """The middle value; for an even count, the mean of the two middle values."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(values: Sequence[Decimal], percentile: int) -> Decimal:
    """Nearest-rank percentile: the value at rank ceil(P/100 × n) of the values
    sorted ascending (rank 1 = smallest). Always an observed value, never an
    interpolation: p90 of 10 values is the 9th, of 11 values the 10th."""
    if not 0 < percentile <= 100:
        raise ValueError("percentile must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(Decimal(percentile) / HUNDRED * len(ordered))
    return ordered[max(rank, 1) - 1]
