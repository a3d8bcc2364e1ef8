"""Money in the KPI domain.

Every money event carries the amount, its currency and the rate to the company
currency at that moment. KPIs add up in the company currency only: each amount
is converted with its own rate, the exact products are summed, and the sum is
rounded once (2 places, half-up) at the end, so that rounding does not drift
with the number of orders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .errors import CurrencyMismatch, InvalidMoney, MissingExchangeRate

CENT = Decimal("0.01")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def quantize_money(value: Decimal, places: int = 2) -> Decimal:
    """Round half-up to `places` decimals (the company's reporting precision)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def require_decimal(value: object, what: str) -> Decimal:
    # Floats are refused, not converted: 0.1 as a float is not 0.1.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise InvalidMoney(f"{what} must be a Decimal, got {type(value).__name__}")
    decimal = Decimal(value)
    if not decimal.is_finite():
        raise InvalidMoney(f"{what} must be a finite number, got {decimal}")
    return decimal


def require_currency(code: object) -> str:
    if not isinstance(code, str) or not _CURRENCY_CODE.match(code):
        raise InvalidMoney(f"currency must be a 3-letter ISO 4217 code, got {code!r}")
    return code


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", require_decimal(self.amount, "amount"))
        require_currency(self.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot add {other.currency} to {self.currency} without a rate"
            )
        return Money(self.amount + other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def quantized(self, places: int = 2) -> Money:
        return Money(quantize_money(self.amount, places), self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)


@dataclass(frozen=True)
class EventMoney:
    """An amount as an event carries it: currency plus the rate at that moment.

    `fx_rate` is how many units of the company currency one unit of `currency`
    was worth (CNY company, USD amount: 7.1). It may be omitted only for amounts
    already in the company currency.
    """

    amount: Decimal
    currency: str
    fx_rate: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", require_decimal(self.amount, "amount"))
        require_currency(self.currency)
        if self.fx_rate is not None:
            rate = require_decimal(self.fx_rate, "fx_rate")
            if rate <= 0:
                raise InvalidMoney(f"fx_rate must be positive, got {rate}")
            object.__setattr__(self, "fx_rate", rate)

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def in_company(self, company_currency: str) -> Decimal:
        """The exact (unrounded) value in the company currency."""
        return convert(self.money, self.fx_rate, company_currency).amount


def convert(money: Money, rate: Decimal | None, company_currency: str) -> Money:
    """`money` in the company currency, exact (round the sum, not each term)."""
    require_currency(company_currency)
    if money.currency == company_currency:
        if rate is not None and rate != 1:
            raise InvalidMoney(
                f"a {company_currency} amount cannot have a rate {rate} to itself"
            )
        return money
    if rate is None:
        raise MissingExchangeRate(
            f"{money.amount} {money.currency} has no rate to {company_currency}"
        )
    return Money(money.amount * require_decimal(rate, "fx_rate"), company_currency)


def sum_money(amounts: Iterable[Money], currency: str) -> Money:
    """Sum amounts that are all in `currency`; refuses to mix currencies."""
    total = Money.zero(require_currency(currency))
    for money in amounts:
        total = total + money
    return total


def sum_in_company_currency(
    amounts: Iterable[EventMoney], company_currency: str, places: int = 2
) -> Money:
    """Convert each amount with its own rate, add exactly, round once."""
    total = sum(
        (amount.in_company(company_currency) for amount in amounts), Decimal(0)
    )
    return Money(quantize_money(total, places), require_currency(company_currency))
