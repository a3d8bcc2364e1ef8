"""Order items and the amounts computed from them.

A line amount is quantity × unit price less the line's discount, rounded
half-up to the currency's minor unit; the order total is the sum of those
rounded lines (net of tax), so the total always equals what the customer sees
line by line on the invoice. Tax is computed per line on the rounded net, as
an invoice (and the deals service's quote) does.

An item's cost may be unknown (storefront orders carry no cost). Unknown is
never treated as zero: the total cost and gross profit are then ``None`` and
``Amounts.items_without_cost`` says which items are to blame.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from orders.domain.currency import (
    currency_problem,
    fx_rate_problem,
    round_money,
    to_company_currency,
)
from orders.domain.validation import (
    ErrorCollector,
    Errors,
    decimal_problem,
    text_problem,
)

PRODUCT_CODE_MAX = 64
DESCRIPTION_MAX = 500
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class OrderItem:
    product_code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    unit_cost: Decimal | None = None  # None: cost unknown, not free
    discount_pct: Decimal = Decimal(0)  # percent off the line, as negotiated in a contract
    tax_rate_pct: Decimal = Decimal(0)  # percent of the net line amount

    def line_amount(self, currency: str) -> Decimal:
        """The line's net amount: quantity × unit price less the discount."""
        undiscounted = self.quantity * self.unit_price
        if not self.discount_pct:
            return round_money(undiscounted, currency)
        return round_money(undiscounted * (HUNDRED - self.discount_pct) / HUNDRED, currency)

    def line_tax(self, currency: str) -> Decimal:
        return round_money(self.line_amount(currency) * self.tax_rate_pct / HUNDRED, currency)

    def line_cost(self, currency: str) -> Decimal | None:
        if self.unit_cost is None:
            return None
        return round_money(self.quantity * self.unit_cost, currency)

    def with_quantity(self, quantity: Decimal) -> OrderItem:
        return replace(self, quantity=quantity)


@dataclass(frozen=True)
class Amounts:
    currency: str
    total: Decimal
    total_cost: Decimal | None
    gross_profit: Decimal | None
    items_without_cost: tuple[str, ...] = ()

    @property
    def cost_known(self) -> bool:
        return not self.items_without_cost

    @property
    def cost_note(self) -> str | None:
        """A sentence explaining why cost and profit are missing, for reports."""
        if self.cost_known:
            return None
        codes = ", ".join(self.items_without_cost)
        return f"cost unknown for {codes}: total cost and gross profit cannot be computed"

    @property
    def margin_percent(self) -> Decimal | None:
        """Gross profit as a percentage of the total, two decimals."""
        if self.gross_profit is None or self.total == 0:
            return None
        return (self.gross_profit * 100 / self.total).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def in_company_currency(self, fx_rate: Decimal, company_currency: str) -> Amounts:
        """The same amounts converted with ``fx_rate``, each rounded in the company currency."""
        total = to_company_currency(self.total, fx_rate, company_currency)
        if self.total_cost is None:
            return Amounts(company_currency, total, None, None, self.items_without_cost)
        cost = to_company_currency(self.total_cost, fx_rate, company_currency)
        # Profit is total minus cost after conversion, so the three always add up.
        return Amounts(company_currency, total, cost, total - cost)


def compute_amounts(items: Sequence[OrderItem], currency: str) -> Amounts:
    total = sum((item.line_amount(currency) for item in items), Decimal(0))
    total = round_money(total, currency)
    without_cost = tuple(item.product_code for item in items if item.unit_cost is None)
    if without_cost:
        return Amounts(currency, total, None, None, without_cost)
    # Every item has a cost here (none is without one), so the filter skips nothing; it narrows the type.
    costs = (cost for item in items if (cost := item.line_cost(currency)) is not None)
    total_cost = round_money(sum(costs, Decimal(0)), currency)
    return Amounts(currency, total, total_cost, total - total_cost)


def compute_tax(items: Sequence[OrderItem], currency: str) -> Decimal:
    """The order's tax: the sum of each line's tax, each rounded on the invoice."""
    return round_money(sum((item.line_tax(currency) for item in items), Decimal(0)), currency)


def item_errors(item: object) -> Errors:
    """Field-level problems of one item, keyed by field name."""
    errors = ErrorCollector()
    if not isinstance(item, OrderItem):
        errors.add("", "must be an order item")
        return errors.as_dict()
    for field, problem in (
        ("product_code", text_problem(item.product_code, PRODUCT_CODE_MAX)),
        ("description", text_problem(item.description, DESCRIPTION_MAX)),
        ("quantity", _amount_problem(item.quantity, allow_zero=False)),
        ("unit_price", _amount_problem(item.unit_price, allow_zero=True)),
        ("unit_cost", None if item.unit_cost is None else _amount_problem(item.unit_cost, allow_zero=True)),
        ("discount_pct", _percent_problem(item.discount_pct, upper=HUNDRED)),
        ("tax_rate_pct", _percent_problem(item.tax_rate_pct, upper=HUNDRED)),
    ):
        if problem:
            errors.add(field, problem)
    return errors.as_dict()


def validate_items(items: Sequence[object], prefix: str = "items") -> Errors:
    """Problems of an order's item list: at least one item, each valid, codes unique."""
    errors = ErrorCollector()
    if not items:
        errors.add(prefix, "must contain at least one item")
        return errors.as_dict()
    seen: set[str] = set()
    for index, item in enumerate(items):
        errors.extend(item_errors(item), f"{prefix}.{index}")
        code = getattr(item, "product_code", None)
        if isinstance(code, str) and code in seen:
            # Changes address lines by product code, so codes must be unique.
            errors.add(f"{prefix}.{index}.product_code", f"{code} appears more than once; combine the lines")
        if isinstance(code, str):
            seen.add(code)
    return errors.as_dict()


def validate_pricing(currency: object, fx_rate: object, company_currency: str) -> Errors:
    """Problems of an order's currency and its rate to the company currency."""
    errors = ErrorCollector()
    currency_issue = currency_problem(currency)
    if currency_issue:
        errors.add("currency", currency_issue)
    rate_issue = fx_rate_problem(fx_rate, currency if isinstance(currency, str) else None, company_currency)
    if rate_issue:
        errors.add("fx_rate", rate_issue)
    return errors.as_dict()


def _amount_problem(value: object, allow_zero: bool) -> str | None:
    problem = decimal_problem(value)
    if problem:
        return problem
    amount = cast(Decimal, value)  # decimal_problem passed: a finite Decimal
    if allow_zero and amount < 0:
        return "must be 0 or more"
    if not allow_zero and amount <= 0:
        return "must be greater than 0"
    return None


def _percent_problem(value: object, upper: Decimal) -> str | None:
    problem = decimal_problem(value)
    if problem:
        return problem
    if not 0 <= cast(Decimal, value) <= upper:  # decimal_problem passed: a finite Decimal
        return f"must be between 0 and {upper} percent"
    return None
