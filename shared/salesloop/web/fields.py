"""Field helpers every service's HTTP schemas use, so a bound means the same
everywhere: ids, bounded text, decimals as strings, money, percentages, currency
codes, aware moments, choices from an enum, sorting, and one list envelope.

Every bound is one the databases can hold: a text longer than its column, a
decimal past NUMERIC(18, 4) or a page past what OFFSET takes is refused as a
422 with the field named, never a database error.
"""
from __future__ import annotations

import re
from datetime import timezone
from decimal import Decimal
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from marshmallow.types import Validator

MAX_ID_LENGTH = 64
MAX_AMOUNT = Decimal(10**12)
MAX_PAGE = 100_000  # page × page size stays far inside a 64-bit OFFSET
CURRENCY_HELP = "Use a three-letter ISO 4217 code, e.g. CNY."
SORT_HELP = "a field name, '-' first for descending"
# Decimals travel as strings, in and out: a JSON number passes through binary floats
# in most clients and loses digits (0.1 + 0.2). The pattern is what OpenAPI declares.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DECIMAL_HELP = 'Send a decimal as a string of digits, e.g. "1234.50".'


def enum_names(enum: type[Enum]) -> list[str]:
    return [member.value for member in enum]


def max_places(places: int) -> Callable[[Decimal | None], None]:
    def check(value: Decimal | None) -> None:
        if value is not None and value.as_tuple().exponent < -places:  # type: ignore[operator]
            raise ValidationError(f"Use at most {places} decimal places.")

    return check


class Boolean(fields.Boolean):
    """true or false: JSON's own booleans, and in a query string true/false/1/0.

    marshmallow takes the numbers 0 and 1 too (0 == False in Python), so a
    client's ``"published": 0`` would pass as a boolean; here it is a 422."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class DecimalString(fields.Decimal):
    """A decimal written and read as a JSON string of digits ("1234.50")."""

    def __init__(self, **kwargs: Any):
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not re.fullmatch(DECIMAL_PATTERN, value.strip()):
            raise ValidationError(DECIMAL_HELP)
        return super()._deserialize(value.strip(), attr, data, **kwargs)


def Id(**kwargs: Any) -> fields.String:  # noqa: N802 - reads as a field type
    """A reference to a record: 1 to 64 characters."""
    return fields.String(validate=validate.Length(min=1, max=MAX_ID_LENGTH), **kwargs)


def Text(max_length: int, *, required: bool = False, allow_empty: bool = False,  # noqa: N802
         **kwargs: Any) -> fields.String:
    """Text of at most ``max_length`` characters; empty only when ``allow_empty``."""
    length = validate.Length(min=0 if allow_empty else 1, max=max_length)
    return fields.String(required=required, validate=length, **kwargs)


def Amount(*, minimum: Decimal | int | str | None = 0,  # noqa: N802 - reads as a field type
           maximum: Decimal | int | str | None = MAX_AMOUNT, exclusive: bool = False, places: int = 4,
           **kwargs: Any) -> DecimalString:
    """A decimal read and written as a string, inside what NUMERIC(18, 4) holds."""
    checks = [validate.Range(min=None if minimum is None else Decimal(minimum),
                             max=None if maximum is None else Decimal(maximum),
                             min_inclusive=not exclusive), max_places(places)]
    return DecimalString(validate=[*checks, *_more(kwargs.pop("validate", None))], **kwargs)


def _more(checks: Any) -> list[Validator]:  # ``validate=`` as marshmallow takes it: one, several or none
    return [] if checks is None else list(checks) if isinstance(checks, (list, tuple)) else [checks]


def Percent(*, maximum: Decimal | int = 100, **kwargs: Any) -> DecimalString:  # noqa: N802
    return DecimalString(validate=[validate.Range(min=0, max=Decimal(maximum)), max_places(4)], **kwargs)


def Currency(**kwargs: Any) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error=CURRENCY_HELP), **kwargs)


def Moment(**kwargs: Any) -> fields.AwareDateTime:  # noqa: N802
    """A point in time; a time without an offset is read as UTC."""
    return fields.AwareDateTime(default_timezone=timezone.utc, **kwargs)


def Choice(enum: type[Enum], **kwargs: Any) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.OneOf(enum_names(enum)), **kwargs)


def Sort(*names: str, default: str) -> fields.String:  # noqa: N802
    allowed = [*names, *(f"-{name}" for name in names)]
    return fields.String(load_default=default, validate=validate.OneOf(allowed),
                         metadata={"description": f"{SORT_HELP}: {', '.join(names)}"})


class Number(DecimalString):
    """A decimal shown without trailing zeros or exponent: 2.5000 -> "2.5", 100.0000 -> "100"."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format(Decimal(value).normalize(), "f")


class PageArgs(Schema):
    """``?page=&page_size=`` for every list; subclass to change the sizes.

    class TicketQuery(PageArgs):
        status = Choice(TicketStatus)
    """

    DEFAULT_SIZE = 50
    MAX_SIZE = 200

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=DEFAULT_SIZE, validate=validate.Range(min=1, max=MAX_SIZE))


def page_args(default_size: int = PageArgs.DEFAULT_SIZE, max_size: int = PageArgs.MAX_SIZE) -> type[PageArgs]:
    """A PageArgs with other sizes (a CSV export pages in thousands, a board in tens)."""
    return type(f"PageArgs{default_size}of{max_size}", (PageArgs,), {
        "DEFAULT_SIZE": default_size, "MAX_SIZE": max_size,
        "page_size": fields.Integer(load_default=default_size, validate=validate.Range(min=1, max=max_size)),
    })


def offset_of(args: dict[str, Any]) -> int:
    offset: int = (args["page"] - 1) * args["page_size"]
    return offset


_page_schemas: dict[type[Schema], type[Schema]] = {}


def PageOf(item_schema: type[Schema]) -> type[Schema]:  # noqa: N802
    """The one list envelope: ``{items, page, page_size, total}`` (one class per item schema)."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema").removesuffix("Out") + "Page"
        _page_schemas[item_schema] = type(name, (Schema,), {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "page_size": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        })
    return _page_schemas[item_schema]


def page_of(items: list[Any], args: dict[str, Any], total: int) -> dict[str, Any]:
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}
