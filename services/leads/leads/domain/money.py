"""Money as an exact decimal amount with its ISO 4217 currency code."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import InvalidField

_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def parse_decimal(value: object, field: str) -> Decimal:
    """Read an exact amount from config or input; floats are refused.

    A float such as 0.1 has already lost precision before we see it, so the
    caller must send a string or an integer instead.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidField(field, "must be a decimal string or an integer, not a float")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (int, str)):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidField(field, f"{value!r} is not a number") from None
    else:
        raise InvalidField(field, "must be a decimal string or an integer")
    if not amount.is_finite():
        raise InvalidField(field, "must be a finite number")
    return amount


def require_currency(code: object, field: str) -> str:
    if not isinstance(code, str) or not _CURRENCY_CODE.match(code):
        raise InvalidField(field, "must be a three-letter upper-case ISO 4217 code")
    return code


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", parse_decimal(self.amount, "amount"))
        require_currency(self.currency, "currency")

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise InvalidField(
                "currency", f"cannot add {other.currency} to {self.currency} without a rate"
            )
        return Money(self.amount + other.amount, self.currency)

    def converted(self, rate: Decimal, to_currency: str) -> "Money":
        """This amount in ``to_currency``; ``rate`` is units of target per unit of ours."""
        rate = parse_decimal(rate, "rate")
        if rate <= 0:
            raise InvalidField("rate", "must be positive")
        return Money(self.amount * rate, require_currency(to_currency, "currency"))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
