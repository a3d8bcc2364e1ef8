"""The weighted pipeline forecast over plain deal records.

Each deal's amount is converted to the company currency with the deal's own
rate and rounded to the company currency's minor unit *before* anything is
added, and its weighted value (converted amount x probability / 100) is
rounded the same way. Every group therefore sums exactly to the totals, and
no two currencies are ever added as if they were one.

Open deals make the pipeline; won and lost deals are left out of it but are
still counted, with their amounts, per stage.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import RuleViolation
from .money import require_currency, require_rate, round_money, to_company_currency
from .stages import ALL_STAGES, Stage, parse_stage
from .validation import HUNDRED, require_date, require_decimal, require_percent, require_text


@dataclass(frozen=True)
class ForecastDeal:
    """One deal as the forecast sees it; ``fx_rate`` converts one unit of ``currency``."""

    id: str
    owner_rep_id: str
    team: str
    region: str
    stage: Stage
    amount: Decimal
    currency: str
    fx_rate: Decimal
    probability: Decimal
    expected_close_date: date

    def __post_init__(self) -> None:
        for name in ("id", "owner_rep_id", "team", "region"):
            object.__setattr__(self, name, require_text(getattr(self, name), name))
        amount = require_decimal(self.amount, "amount")
        if amount < 0:
            raise RuleViolation("a deal amount cannot be negative", "amount")
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "stage", parse_stage(self.stage))
        object.__setattr__(self, "currency", require_currency(self.currency))
        object.__setattr__(self, "fx_rate", require_decimal(self.fx_rate, "fx_rate"))
        object.__setattr__(self, "probability", require_percent(self.probability, "probability"))
        close_date = require_date(self.expected_close_date, "expected_close_date")
        object.__setattr__(self, "expected_close_date", close_date)


@dataclass(frozen=True)
class PipelineFigure:
    """Open deals in one group: how many, their amount and their weighted amount."""

    count: int
    amount: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class StageFigure:
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Forecast:
    as_of: date
    company_currency: str
    pipeline: PipelineFigure
    # Open deals whose expected close date is already behind as_of: slipped, needing a new date.
    overdue: PipelineFigure
    by_stage: dict[Stage, StageFigure]
    groups: dict[str, dict[str, PipelineFigure]]

    @property
    def weighted_total(self) -> Decimal:
        return self.pipeline.weighted

    @property
    def unweighted_total(self) -> Decimal:
        return self.pipeline.amount


@dataclass(frozen=True)
class _Converted:
    deal: ForecastDeal
    amount: Decimal
    weighted: Decimal


GROUP_KEYS: dict[str, Callable[[ForecastDeal], str]] = {
    "month": lambda deal: deal.expected_close_date.strftime("%Y-%m"),
    "rep": lambda deal: deal.owner_rep_id,
    "team": lambda deal: deal.team,
    "region": lambda deal: deal.region,
}
FORECAST_DIMENSIONS: tuple[str, ...] = tuple(GROUP_KEYS)


def forecast(
    deals: Iterable[ForecastDeal],
    as_of: date,
    group_by: Sequence[str] = FORECAST_DIMENSIONS,
    *,
    company_currency: str,
) -> Forecast:
    """Weighted and unweighted pipeline, grouped by the requested dimensions, plus stage counts."""
    as_of = require_date(as_of, "as_of")
    company = require_currency(company_currency, "company_currency")
    dimensions = _check_dimensions(group_by)
    converted = [_convert(deal, company) for deal in _unique(deals)]
    open_deals = [c for c in converted if c.deal.stage.is_open]
    return Forecast(
        as_of=as_of,
        company_currency=company,
        pipeline=_figure(open_deals, company),
        overdue=_figure([c for c in open_deals if c.deal.expected_close_date < as_of], company),
        by_stage=_by_stage(converted, company),
        groups={dimension: _grouped(open_deals, GROUP_KEYS[dimension], company) for dimension in dimensions},
    )


def _check_dimensions(group_by: Sequence[str]) -> tuple[str, ...]:
    if isinstance(group_by, str):
        group_by = (group_by,)
    unknown = [d for d in group_by if d not in GROUP_KEYS]
    if unknown:
        raise RuleViolation(
            f"cannot group by {', '.join(map(str, unknown))}; choose from {', '.join(FORECAST_DIMENSIONS)}",
            "group_by",
        )
    return tuple(dict.fromkeys(group_by))


def _unique(deals: Iterable[ForecastDeal]) -> list[ForecastDeal]:
    # A deal listed twice would be forecast twice; that is a caller's bug, not a bigger pipeline.
    seen: set[str] = set()
    unique = []
    for deal in deals:
        if not isinstance(deal, ForecastDeal):
            raise RuleViolation("deals must be ForecastDeal records", "deals")
        if deal.id in seen:
            raise RuleViolation(f"deal {deal.id} appears twice", "deals")
        seen.add(deal.id)
        unique.append(deal)
    return unique


def _convert(deal: ForecastDeal, company: str) -> _Converted:
    require_rate(deal.fx_rate, deal.currency, company, f"fx_rate of deal {deal.id}")
    amount = to_company_currency(deal.amount, deal.currency, deal.fx_rate, company)
    weighted = round_money(amount * deal.probability / HUNDRED, company)
    return _Converted(deal, amount, weighted)


def _figure(items: Sequence[_Converted], company: str) -> PipelineFigure:
    zero = round_money(Decimal(0), company)
    return PipelineFigure(
        count=len(items),
        amount=sum((c.amount for c in items), zero),
        weighted=sum((c.weighted for c in items), zero),
    )


def _by_stage(items: Sequence[_Converted], company: str) -> dict[Stage, StageFigure]:
    per_stage: dict[Stage, list[_Converted]] = defaultdict(list)
    for item in items:
        per_stage[item.deal.stage].append(item)
    figures = {}
    for stage in ALL_STAGES:
        figure = _figure(per_stage[stage], company)
        figures[stage] = StageFigure(figure.count, figure.amount)
    return figures


def _grouped(
    items: Sequence[_Converted], key: Callable[[ForecastDeal], str], company: str
) -> dict[str, PipelineFigure]:
    groups: dict[str, list[_Converted]] = defaultdict(list)
    for item in items:
        groups[key(item.deal)].append(item)
    return {name: _figure(groups[name], company) for name in sorted(groups)}
