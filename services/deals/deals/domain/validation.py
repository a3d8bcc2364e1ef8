"""Small guards shared by the deals domain's constructors and operations.

They turn a wrong value into a ``RuleViolation`` naming the field, so the web
layer can report it field by field instead of as a bare TypeError.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .errors import RuleViolation

HUNDRED = Decimal("100")


def require_aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise RuleViolation(f"{field} must be a datetime", field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation(f"{field} must be timezone-aware", field)
    return value


def require_date(value: date, field: str) -> date:
    # A datetime is a date subclass; accepting one would silently drop its time and zone.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RuleViolation(f"{field} must be a calendar date", field)
    return value


def require_text(value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleViolation(f"{field} is required", field)
    return value.strip()


def optional_text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RuleViolation(f"{field} must be text", field)
    return value.strip() or None


def require_decimal(value: Decimal | int, field: str) -> Decimal:
    # bool is an int subclass and float is inexact: both are refused outright.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise RuleViolation(f"{field} must be a Decimal", field)
    number = Decimal(value)
    if not number.is_finite():
        raise RuleViolation(f"{field} must be a finite number", field)
    return number


def require_percent(value: Decimal | int, field: str) -> Decimal:
    number = require_decimal(value, field)
    if not Decimal(0) <= number <= HUNDRED:
        raise RuleViolation(f"{field} must be between 0 and 100", field)
    return number


def require_not_before(later: datetime, earlier: datetime | None, field: str) -> None:
    if earlier is not None and later < earlier:
        raise RuleViolation(f"{field} cannot be earlier than {earlier.isoformat()}", field)
