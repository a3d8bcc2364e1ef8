"""Canonical forms of phone numbers, e-mail addresses and company names.

Duplicates are caught by comparing these forms, so each one must be stable:
the same person typed twice in two styles gives the same string.
"""

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .errors import InvalidField

DEFAULT_PHONE_REGION = "CN"

# Longest first, so "股份有限公司" is removed whole rather than as "公司".
# Traditional forms are listed because NFKC does not map them to simplified.
CHINESE_LEGAL_SUFFIXES = tuple(
    sorted(
        {
            "股份有限公司", "有限责任公司", "有限責任公司", "有限公司",
            "集团公司", "集團公司", "集团", "集團", "公司",
        },
        key=len,
        reverse=True,
    )
)

# Whole words only: "co" must not be cut from "costco".
ENGLISH_LEGAL_SUFFIXES = frozenset(
    {
        "co", "company", "corp", "corporation", "inc", "incorporated",
        "ltd", "limited", "llc", "llp", "lp", "plc", "gmbh", "ag", "sa",
        "srl", "spa", "bv", "nv", "pty", "pte", "kk", "group",
    }
)

_DOTS = re.compile(r"[.\u00b7\u30fb]")
_SEPARATORS = re.compile(r"[\W_]+")


def normalize_phone(raw: str | None, default_region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164 form of a phone number; numbers without a country code use ``default_region``.

    Extensions are dropped: a switchboard's extensions share one dedupe key.
    """
    if raw is None or not str(raw).strip():
        raise InvalidField("phone", "is required")
    try:
        number = phonenumbers.parse(str(raw), default_region)
    except phonenumbers.NumberParseException:
        raise InvalidField("phone", "is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        # The number itself stays out of the message: errors end up in logs.
        raise InvalidField("phone", "is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str | None) -> str:
    """Validated e-mail address with local part and domain lower-cased.

    RFC 5321 lets the local part be case-sensitive, but no mail system in use
    treats it so, and a sales team expects Alice@X and alice@x to be one person.
    """
    if raw is None or not str(raw).strip():
        raise InvalidField("email", "is required")
    try:
        checked = validate_email(str(raw).strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidField("email", str(error)) from None
    return f"{checked.local_part.lower()}@{checked.domain.lower()}"


def normalize_company_name(raw: str | None) -> str:
    """Comparison key of a company name: no case, spacing, punctuation or legal form.

    "深圳市腾飞科技有限公司" and "深圳市腾飞科技 有限公司" give one key, as do
    "Acme Co., Ltd." and "ACME". A name that is nothing but a legal form
    ("公司", "Company") is kept as it is rather than reduced to nothing.
    """
    if raw is None or not str(raw).strip():
        raise InvalidField("company", "is required")
    folded = unicodedata.normalize("NFKC", str(raw)).casefold()
    # Dots go first so that abbreviations such as "S.A." become one word "sa".
    words = [word for word in _SEPARATORS.split(_DOTS.sub("", folded)) if word]
    if not words:
        raise InvalidField("company", f"{raw!r} has no letters or digits")
    return "".join(_without_legal_suffixes(words))


def _without_legal_suffixes(words: list[str]) -> list[str]:
    words = list(words)
    while True:
        stripped = _strip_one_suffix(words)
        if stripped is None:
            return words
        words = stripped


def _strip_one_suffix(words: list[str]) -> list[str] | None:
    last = words[-1]
    if last in ENGLISH_LEGAL_SUFFIXES and len(words) > 1:
        return words[:-1]
    for suffix in CHINESE_LEGAL_SUFFIXES:
        if last.endswith(suffix):
            rest = last[: -len(suffix)]
            if rest:
                return words[:-1] + [rest]
            if len(words) > 1:
                return words[:-1]
    return None


def mask_phone(phone: str, default_region: str = DEFAULT_PHONE_REGION) -> str:
    """National number with its middle hidden: "+8613800138000" -> "138****8000".

    Short numbers (7 digits or fewer) would show almost every digit under the
    3+4 rule, so only their last two digits stay visible.
    """
    national = phonenumbers.national_significant_number(
        phonenumbers.parse(normalize_phone(phone, default_region))
    )
    if len(national) <= 7:
        return "*" * (len(national) - 2) + national[-2:]
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def mask_email(email: str) -> str:
    """First character of the local part, then a fixed "***": "a***@example.com".

    The mask has a fixed width so it does not reveal the local part's length.
    """
    local, _, domain = normalize_email(email).rpartition("@")
    return f"{local[0]}***@{domain}"
