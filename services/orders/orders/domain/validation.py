"""Field-level error collection and the small value checks every module shares.

Errors are reported as ``{"items.0.quantity": ["must be greater than 0"]}`` so
the web layer (422 problem details) and the event consumer (dead-letter
reason) can show exactly which field is wrong.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from orders.domain.errors import InvalidInput

Errors = dict[str, list[str]]

REQUIRED = "is required"
NOT_A_DECIMAL = "must be a decimal number (a string such as \"19.90\", never a binary float)"
NOT_FINITE = "must be a finite number"
NOT_TEXT = "must be text"
NOT_A_DATE = "must be a date (YYYY-MM-DD)"
NOT_AWARE = "must be a date-time with a timezone offset"


class ErrorCollector:
    """Accumulates messages per field path; empty means valid."""

    def __init__(self) -> None:
        self._errors: Errors = {}

    def add(self, path: str, message: str) -> None:
        self._errors.setdefault(path, []).append(message)

    def extend(self, errors: Mapping[str, list[str]], prefix: str = "") -> None:
        for path, messages in errors.items():
            for message in messages:
                self.add(join_path(prefix, path), message)

    def __bool__(self) -> bool:
        return bool(self._errors)

    def as_dict(self) -> Errors:
        return {path: list(messages) for path, messages in self._errors.items()}

    def raise_if_any(self, message: str = "the input is invalid") -> None:
        if self._errors:
            raise InvalidInput(self._errors, message)


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return f"{prefix}.{path}" if path else prefix


def decimal_problem(value: object) -> str | None:
    """Why ``value`` is not a usable Decimal, or None when it is."""
    # bool is an int and float loses cents: both are refused outright.
    if not isinstance(value, Decimal):
        return NOT_A_DECIMAL
    if not value.is_finite():
        return NOT_FINITE
    return None


def text_problem(value: object, max_length: int, required: bool = True) -> str | None:
    """Why ``value`` is not acceptable text, or None when it is."""
    if value is None:
        return REQUIRED if required else None
    if not isinstance(value, str):
        return NOT_TEXT
    if required and not value.strip():
        return "must not be blank"
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    return None


def date_problem(value: object) -> str | None:
    # datetime is a subclass of date; a timestamp where a calendar day is meant
    # usually hides a timezone mistake, so it is refused.
    if value is None:
        return REQUIRED
    if isinstance(value, datetime) or not isinstance(value, date):
        return NOT_A_DATE
    return None


def is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None
