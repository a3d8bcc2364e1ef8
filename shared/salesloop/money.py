"""Money as the design wants it: a Decimal with its currency, never a float."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units for the currencies we see; anything else uses 2.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3}


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    exponent = Decimal(1).scaleb(-minor_unit(currency))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("money amounts are Decimal, never float")
        object.__setattr__(self, "amount", Decimal(self.amount))
        object.__setattr__(self, "currency", self.currency.upper())

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def to_company(self, rate: Decimal, company_currency: str) -> Money:
        """Convert with the rate carried by the event (company units per one unit)."""
        if self.currency == company_currency.upper():
            return self
        return Money(quantize(self.amount * Decimal(rate), company_currency), company_currency)

    def rounded(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)
