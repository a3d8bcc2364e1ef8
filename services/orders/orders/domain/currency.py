"""Currency codes, minor units and rounding.

Amounts are ``Decimal`` values paired with an ISO 4217 code; an amount is
rounded half-up to its currency's minor unit (cents for EUR, none for JPY,
fils for KWD). Conversion to the company currency always uses a rate that the
caller supplies (from its dated rate table), never one looked up here.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Active ISO 4217 codes, precious-metal, testing and settlement units excluded:
# nobody is invoiced in XAU or XTS.
ISO_4217_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
    BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP
    CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ
    GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC
    SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)

# Codes whose minor unit is not two digits; every other code uses cents.
_MINOR_UNITS_OTHER_THAN_TWO = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


def currency_problem(code: object) -> str | None:
    """Why ``code`` is not an acceptable currency code, or None when it is."""
    if code is None:
        return "is required"
    if not isinstance(code, str) or len(code) != 3 or not code.isascii() or not code.isalpha():
        return "must be a 3-letter ISO 4217 code"
    if not code.isupper():
        return "must be upper-case (e.g. USD)"
    if code not in ISO_4217_CODES:
        return f"{code} is not an ISO 4217 currency"
    return None


def minor_unit(currency: str) -> int:
    """Number of decimal places of ``currency``'s smallest coin."""
    return _MINOR_UNITS_OTHER_THAN_TWO.get(currency, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the minor unit of ``currency``."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def to_company_currency(amount: Decimal, fx_rate: Decimal, company_currency: str) -> Decimal:
    """``amount`` converted with ``fx_rate`` (company units per 1 unit) and rounded."""
    return round_money(amount * fx_rate, company_currency)


def fx_rate_problem(fx_rate: object, currency: str | None, company_currency: str) -> str | None:
    """Why ``fx_rate`` cannot convert ``currency`` to the company currency, or None."""
    if fx_rate is None:
        return "is required"
    if not isinstance(fx_rate, Decimal):
        return "must be a decimal number (a string such as \"7.1234\", never a binary float)"
    if not fx_rate.is_finite() or fx_rate <= 0:
        return "must be greater than 0"
    if currency == company_currency and fx_rate != 1:
        return f"must be 1 when the currency is the company currency ({company_currency})"
    return None
