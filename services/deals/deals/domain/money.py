"""Currency arithmetic for the deals domain: rounding and conversion.

Amounts are ``Decimal`` next to an ISO 4217 code, never floats. Rounding is
half-up to the currency's minor unit, the same rule the orders service uses.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from .errors import RuleViolation
from .validation import require_decimal

# ISO 4217 minor units of the currencies that do not use cents (the brief's small
# table: CNY/USD/EUR 2, JPY 0); every other code uses 2. Kept identical to the
# orders service's table so a contract and its order round the same way.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
_DEFAULT_MINOR_UNIT = 2
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def require_currency(code: str, field: str = "currency") -> str:
    normalized = code.strip().upper() if isinstance(code, str) else ""
    if not _CURRENCY_CODE.match(normalized):
        raise RuleViolation(f"{field} must be a three-letter ISO 4217 code", field)
    return normalized


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(require_currency(currency), _DEFAULT_MINOR_UNIT)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (0.005 CNY -> 0.01, 0.5 JPY -> 1)."""
    exponent = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def require_rate(rate: Decimal, currency: str, company_currency: str, field: str = "fx_rate") -> Decimal:
    """Check a conversion rate: company-currency units for one unit of ``currency``."""
    value = require_decimal(rate, field)
    if value <= 0:
        raise RuleViolation(f"{field} must be greater than 0", field)
    if require_currency(currency) == require_currency(company_currency) and value != 1:
        raise RuleViolation(f"{field} must be 1 for an amount already in {company_currency}", field)
    return value


def to_company_currency(amount: Decimal, currency: str, rate: Decimal, company_currency: str) -> Decimal:
    """Convert with the caller's rate and round to the company currency's minor unit."""
    checked_rate = require_rate(rate, currency, company_currency)
    return round_money(require_decimal(amount, "amount") * checked_rate, company_currency)
