"""Commission plans and statements.

A plan pays a rate on revenue and/or on gross profit. Tiers are *marginal*,
like tax brackets: with tiers 0 % → 3 %, 100 % → 5 %, 150 % → 8 % of target
and a target of 100 000, a revenue of 180 000 earns
    100 000 × 3 % + 50 000 × 5 % + 30 000 × 8 % = 3 000 + 2 500 + 2 400 = 7 900,
so crossing a threshold never makes the rep's whole revenue jump to a higher
rate (no cliff where one more sale pays thousands, or one cancellation costs
them). Bonuses are fixed amounts for reaching an attainment threshold in a
month, quarter or year; of a ladder of bonuses on the same basis and period
kind only the highest one reached is paid.

Every statement line is rounded half-up to 2 places and the total is the sum
of the lines as printed, so a statement always adds up on paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .errors import InvalidPlan, MissingFigure, MissingTarget
from .metric_value import HUNDRED
from .money import quantize_money, require_currency, require_decimal
from .periods import Period, PeriodKind

ZERO = Decimal(0)


class CommissionBasis(StrEnum):
    REVENUE = "revenue"
    GROSS_PROFIT = "gross_profit"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class LineKind(StrEnum):
    BASE = "base"  # the first tier (or the only rate)
    TIER = "tier"  # an accelerator slice above a threshold
    BONUS = "bonus"


@dataclass(frozen=True)
class Tier:
    from_attainment_percent: Decimal  # the tier runs up to the next tier's start
    rate_percent: Decimal

    def __post_init__(self) -> None:
        start = require_decimal(self.from_attainment_percent, "tier start")
        rate = require_decimal(self.rate_percent, "tier rate")
        if start < 0 or rate < 0:
            raise InvalidPlan("tier starts and rates cannot be negative")
        object.__setattr__(self, "from_attainment_percent", start)
        object.__setattr__(self, "rate_percent", rate)


@dataclass(frozen=True)
class CommissionComponent:
    basis: CommissionBasis
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "basis", CommissionBasis(self.basis))
        object.__setattr__(self, "tiers", tuple(self.tiers))
        if not self.tiers or self.tiers[0].from_attainment_percent != 0:
            raise InvalidPlan(f"{self.basis.label} tiers must start at 0 % attainment")
        starts = [tier.from_attainment_percent for tier in self.tiers]
        if any(later <= earlier for earlier, later in zip(starts, starts[1:], strict=False)):
            raise InvalidPlan(f"{self.basis.label} tiers must start at increasing attainment")

    @classmethod
    def flat(cls, basis: CommissionBasis, rate_percent: Decimal) -> CommissionComponent:
        return cls(basis, (Tier(ZERO, rate_percent),))

    @property
    def needs_target(self) -> bool:
        return len(self.tiers) > 1


@dataclass(frozen=True)
class BonusRule:
    period_kind: PeriodKind  # month, quarter or year: paid on that statement
    basis: CommissionBasis
    threshold_attainment_percent: Decimal
    amount: Decimal  # company currency

    def __post_init__(self) -> None:
        object.__setattr__(self, "period_kind", PeriodKind(self.period_kind))
        object.__setattr__(self, "basis", CommissionBasis(self.basis))
        threshold = require_decimal(self.threshold_attainment_percent, "bonus threshold")
        amount = require_decimal(self.amount, "bonus amount")
        if threshold < 0 or amount < 0:
            raise InvalidPlan("bonus thresholds and amounts cannot be negative")
        object.__setattr__(self, "threshold_attainment_percent", threshold)
        object.__setattr__(self, "amount", amount)


@dataclass(frozen=True)
class CommissionPlan:
    name: str
    currency: str  # the company currency every figure is in
    components: tuple[CommissionComponent, ...]
    bonuses: tuple[BonusRule, ...] = ()
    # Net revenue can go negative when cancellations outweigh new orders: with
    # clawback the base rate applies to it (negative commission), without it
    # the period pays nothing.
    clawback: bool = False

    def __post_init__(self) -> None:
        require_currency(self.currency)
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "bonuses", tuple(self.bonuses))
        if not self.components and not self.bonuses:
            raise InvalidPlan(f"plan {self.name!r} pays nothing")
        bases = [component.basis for component in self.components]
        if len(set(bases)) != len(bases):
            raise InvalidPlan(f"plan {self.name!r} has two components on the same basis")


@dataclass(frozen=True)
class Actuals:
    """A rep's figures for the statement period, in the company currency."""

    revenue: Decimal
    gross_profit: Decimal | None = None  # None: cost unknown
    revenue_target: Decimal | None = None
    gross_profit_target: Decimal | None = None

    def figure(self, basis: CommissionBasis) -> Decimal:
        value = self.revenue if basis is CommissionBasis.REVENUE else self.gross_profit
        if value is None:
            raise MissingFigure(f"{basis.label} is unknown for this period")
        return require_decimal(value, basis.label)

    def target(self, basis: CommissionBasis) -> Decimal | None:
        target = (self.revenue_target if basis is CommissionBasis.REVENUE
                  else self.gross_profit_target)
        return None if target is None else require_decimal(target, f"{basis.label} target")

    def attainment_percent(self, basis: CommissionBasis) -> Decimal | None:
        target = self.target(basis)
        if target is None or target <= 0:
            return None
        return self.figure(basis) / target * HUNDRED


@dataclass(frozen=True)
class StatementLine:
    kind: LineKind
    basis: CommissionBasis
    description: str
    slice_amount: Decimal | None  # the part of the basis this line pays on
    rate_percent: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class CommissionStatement:
    rep: str
    period: Period
    plan: str
    currency: str
    attainment_percent: dict[CommissionBasis, Decimal | None]
    lines: tuple[StatementLine, ...]
    total: Decimal


def _fmt(value: Decimal) -> str:
    return f"{quantize_money(value):,}"


def _required_target(actuals: Actuals, basis: CommissionBasis, why: str) -> Decimal:
    target = actuals.target(basis)
    if target is None or target <= 0:
        raise MissingTarget(f"{why} needs a positive {basis.label} target")
    return target


def _component_lines(component: CommissionComponent, actuals: Actuals,
                     clawback: bool) -> list[StatementLine]:
    basis, figure = component.basis, actuals.figure(component.basis)
    base_rate = component.tiers[0].rate_percent
    if figure <= 0:
        amount = figure * base_rate / HUNDRED if clawback else ZERO
        verb = "clawed back" if clawback and figure < 0 else "nothing to pay"
        return [StatementLine(LineKind.BASE, basis,
                              f"{basis.label} {_fmt(figure)}: {verb}",
                              figure, base_rate, quantize_money(amount))]
    if not component.needs_target:
        return [StatementLine(LineKind.BASE, basis,
                              f"{basis.label} {_fmt(figure)} at {base_rate} %",
                              figure, base_rate, quantize_money(figure * base_rate / HUNDRED))]
    target = _required_target(actuals, basis, f"tiered {basis.label} commission")
    return _tier_lines(component, figure, target)


def _tier_lines(component: CommissionComponent, figure: Decimal,
                target: Decimal) -> list[StatementLine]:
    tiers = component.tiers
    lines = []
    for index, tier in enumerate(tiers):
        lower = target * tier.from_attainment_percent / HUNDRED
        if figure <= lower and index > 0:
            break
        upper_percent = tiers[index + 1].from_attainment_percent if index + 1 < len(tiers) else None
        upper = figure if upper_percent is None else min(figure, target * upper_percent / HUNDRED)
        span = (f"{tier.from_attainment_percent}–{upper_percent} %" if upper_percent is not None
                else f"above {tier.from_attainment_percent} %")
        slice_amount = upper - lower
        lines.append(StatementLine(
            LineKind.BASE if index == 0 else LineKind.TIER, component.basis,
            f"{component.basis.label} {_fmt(lower)}–{_fmt(upper)} "
            f"({span} of target {_fmt(target)}) at {tier.rate_percent} %",
            slice_amount, tier.rate_percent,
            quantize_money(slice_amount * tier.rate_percent / HUNDRED),
        ))
    return lines


def _bonus_lines(bonuses: Iterable[BonusRule], period: Period,
                 actuals: Actuals) -> list[StatementLine]:
    lines = []
    applicable = [bonus for bonus in bonuses if bonus.period_kind is period.kind]
    for basis in CommissionBasis:
        ladder = [bonus for bonus in applicable if bonus.basis is basis]
        if not ladder:
            continue
        _required_target(actuals, basis, f"a {period.kind.value}ly {basis.label} bonus")
        attainment = actuals.attainment_percent(basis)
        reached = [b for b in ladder if attainment is not None
                   and attainment >= b.threshold_attainment_percent]
        if not reached:
            continue
        best = max(reached, key=lambda b: (b.threshold_attainment_percent, b.amount))
        lines.append(StatementLine(
            LineKind.BONUS, basis,
            f"{period.kind.value} bonus: {basis.label} attainment "
            f"{quantize_money(attainment or ZERO)} % ≥ {best.threshold_attainment_percent} %",
            None, None, quantize_money(best.amount),
        ))
    return lines


def statement(rep: str, period: Period, actuals: Actuals,
              plan: CommissionPlan) -> CommissionStatement:
    """The rep's commission for the period, line by line."""
    lines: list[StatementLine] = []
    for component in plan.components:
        lines += _component_lines(component, actuals, plan.clawback)
    lines += _bonus_lines(plan.bonuses, period, actuals)
    bases = {component.basis for component in plan.components}
    bases |= {bonus.basis for bonus in plan.bonuses}
    attainment = {}
    for basis in sorted(bases):
        value = actuals.attainment_percent(basis)
        attainment[basis] = None if value is None else quantize_money(value)
    return CommissionStatement(
        rep=rep, period=period, plan=plan.name, currency=plan.currency,
        attainment_percent=attainment, lines=tuple(lines),
        total=sum((line.amount for line in lines), ZERO),
    )
