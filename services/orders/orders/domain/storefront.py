"""Storefront orders mapped into order drafts.

The storefront is not our code and its events are untrusted input. Mapping
accepts the payload as decoded JSON: decimals as strings (or integers), dates
and times as ISO 8601 text. Binary floats are refused because they cannot
hold 19.90 exactly. Unknown fields are ignored (the contract is additive).
Every problem is reported at once, under the storefront's own field names
(``items.0.qty``), so the dead-letter reason tells its developers what to fix.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from orders.domain.currency import currency_problem
from orders.domain.errors import InvalidInput
from orders.domain.items import OrderItem
from orders.domain.order import (
    Customer,
    OrderDraft,
    OrderSource,
    PaymentTerms,
    ShippingAddress,
    validate_draft,
)
from orders.domain.validation import (
    NOT_A_DATE,
    NOT_A_DECIMAL,
    NOT_AWARE,
    REQUIRED,
    ErrorCollector,
    Errors,
)
from orders.domain.workdays import WorkCalendar

# Domain field names as the storefront spells them.
_STOREFRONT_NAMES = {
    "source_ref": "storefront_order_id",
    "delivery_date": "requested_delivery_date",
    "product_code": "sku",
    "description": "name",
    "quantity": "qty",
}
_ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country", "recipient")
PAYMENT_TERMS_HELP = "must be prepaid, cash_on_delivery or net_<days> (1 to 180 days)"


@dataclass(frozen=True)
class StorefrontSettings:
    # Storefront orders without a requested date get the standard promise.
    default_delivery_days: int = 7
    default_payment_terms: str = "prepaid"
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


def map_storefront_order(payload: object, *, company_currency: str, fx_rate: Decimal | None = None,
                         settings: StorefrontSettings = StorefrontSettings()) -> OrderDraft:
    """The order draft for a ``storefront.order.placed`` payload.

    ``fx_rate`` converts the order's currency to the company currency (from the
    caller's dated rate table); it may be omitted when they are the same.
    Raises InvalidInput with every problem found.
    """
    if not isinstance(payload, Mapping):
        raise InvalidInput({"": ["must be a JSON object"]}, "the storefront order is unusable")
    reader = _Reader()
    placed_at = reader.aware_datetime(payload, "placed_at")
    currency = payload.get("currency")
    # Until validate_draft passes it below, the draft holds raw payload values (None where one
    # was missing or unreadable); the casts name what it holds once passed, the only way it leaves.
    draft = OrderDraft(
        source=OrderSource.STOREFRONT,
        source_ref=payload.get("storefront_order_id"),
        customer=cast(Customer, reader.customer(payload)),
        items=reader.items(payload),
        currency=cast(str, currency),
        fx_rate=cast(Decimal, reader.rate(fx_rate, currency, company_currency)),
        delivery_date=cast(date, reader.delivery_date(payload, placed_at, settings)),
        placed_at=cast(datetime, placed_at),
        payment_terms=reader.payment_terms(payload, settings),
        shipping_address=reader.shipping_address(payload),
    )
    errors = reader.errors
    for path, messages in validate_draft(draft, company_currency, settings.calendar).items():
        storefront_path = reader.storefront_path(path)
        if not reader.already_reported(storefront_path):
            errors.extend({storefront_path: messages})
    errors.raise_if_any("the storefront order is invalid")
    return draft


def storefront_order_errors(payload: object, *, company_currency: str, fx_rate: Decimal | None = None,
                            settings: StorefrontSettings = StorefrontSettings()) -> Errors:
    """The field-level problems ``map_storefront_order`` would raise; empty when none."""
    try:
        map_storefront_order(payload, company_currency=company_currency, fx_rate=fx_rate, settings=settings)
    except InvalidInput as invalid:
        return invalid.errors
    return {}


class _Reader:
    """Converts JSON values to domain types, remembering which paths failed."""

    def __init__(self) -> None:
        self.errors = ErrorCollector()
        self._failed: set[str] = set()
        # Merged lines shift positions: draft line n came from payload item payload_index[n].
        self.payload_index: list[int] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.add(path, message)
        self._failed.add(path)

    def already_reported(self, path: str) -> bool:
        # A failed parent (``customer``) covers its fields (``customer.id``).
        return any(path == failed or path.startswith(failed + ".") for failed in self._failed)

    def decimal(self, value: object, path: str) -> Decimal | None:
        if value is None:
            self.fail(path, REQUIRED)
            return None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, str):
            try:
                return Decimal(value.strip())
            except InvalidOperation:
                pass
        self.fail(path, NOT_A_DECIMAL)
        return None

    def aware_datetime(self, payload: Mapping[str, Any], key: str) -> datetime | None:
        value = payload.get(key)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                self.fail(key, "must be an ISO 8601 date-time with a timezone offset")
                return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            self.fail(key, REQUIRED if value is None else NOT_AWARE)
            return None
        return value

    def calendar_date(self, value: object, path: str) -> date | None:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        elif isinstance(value, date) and not isinstance(value, datetime):
            return value
        self.fail(path, NOT_A_DATE)
        return None

    def rate(self, fx_rate: Decimal | None, currency: object, company_currency: str) -> Decimal | None:
        if fx_rate is not None:
            return fx_rate
        if currency == company_currency:
            return Decimal(1)
        if currency_problem(currency) is None:
            self.fail("fx_rate", f"no exchange rate from {currency} to {company_currency} was supplied")
        else:
            self._failed.add("fx_rate")  # the currency's own error says it all
        return None

    def storefront_path(self, path: str) -> str:
        """``path`` of a draft field, spelled as in the storefront payload."""
        parts = [_STOREFRONT_NAMES.get(part, part) for part in path.split(".")]
        if len(parts) > 1 and parts[0] == "items" and parts[1].isdigit():
            parts[1] = str(self.payload_index[int(parts[1])])
        return ".".join(parts)

    def customer(self, payload: Mapping[str, Any]) -> Customer | None:
        value = payload.get("customer")
        if not isinstance(value, Mapping):
            self.fail("customer", REQUIRED if value is None else "must be an object")
            return None
        # Raw values, checked by validate_draft like the rest of the draft.
        return Customer(
            id=cast(str, value.get("id")), name=cast(str, value.get("name")),
            phone=value.get("phone") or None, email=value.get("email") or None,
        )

    def items(self, payload: Mapping[str, Any]) -> tuple[OrderItem, ...]:
        value = payload.get("items")
        if not isinstance(value, list):
            self.fail("items", REQUIRED if value is None else "must be a list")
            return ()
        lines: list[OrderItem] = []
        line_of_code: dict[str, int] = {}
        for index, raw in enumerate(value):
            item = self._item(raw, f"items.{index}")
            if item is None:
                continue
            code = item.product_code
            if isinstance(code, str) and code in line_of_code:
                line = line_of_code[code]
                merged = self._merge(lines[line], item, f"items.{index}")
                lines[line] = merged or lines[line]
                continue
            if isinstance(code, str):
                line_of_code[code] = len(lines)
            lines.append(item)
            self.payload_index.append(index)
        return tuple(lines)

    def _item(self, raw: object, path: str) -> OrderItem | None:
        if not isinstance(raw, Mapping):
            self.fail(path, "must be an object")
            return None
        # Raw values, checked by validate_draft like the rest of the draft.
        return OrderItem(
            product_code=cast(str, raw.get("sku")),
            description=cast(str, raw.get("name")),
            quantity=cast(Decimal, self.decimal(raw.get("qty"), f"{path}.qty")),
            unit_price=cast(Decimal, self.decimal(raw.get("unit_price"), f"{path}.unit_price")),
            unit_cost=None,  # the storefront does not know our cost
        )

    def _merge(self, first: OrderItem, again: OrderItem, path: str) -> OrderItem | None:
        # Storefronts list a SKU twice when it was added to the cart twice;
        # at one price that is one line, at two prices it is a mistake.
        if first.unit_price != again.unit_price:
            self.fail(f"{path}.sku", f"{again.product_code} appears twice with different unit prices")
            return None
        if first.quantity is None or again.quantity is None:
            return None
        return first.with_quantity(first.quantity + again.quantity)

    def delivery_date(self, payload: Mapping[str, Any], placed_at: datetime | None,
                      settings: StorefrontSettings) -> date | None:
        value = payload.get("requested_delivery_date")
        if value is not None:
            return self.calendar_date(value, "requested_delivery_date")
        if placed_at is None:
            self._failed.add("requested_delivery_date")  # cannot default without placed_at
            return None
        placed_on = settings.calendar.local_date(placed_at)
        return settings.calendar.add_working_days(placed_on, settings.default_delivery_days)

    def payment_terms(self, payload: Mapping[str, Any], settings: StorefrontSettings) -> PaymentTerms | None:
        value = payload.get("payment_terms") or settings.default_payment_terms
        terms = PaymentTerms.parse(value) if isinstance(value, str) else None
        if terms is None:
            self.fail("payment_terms", PAYMENT_TERMS_HELP)
        return terms

    def shipping_address(self, payload: Mapping[str, Any]) -> ShippingAddress | None:
        value = payload.get("shipping_address")
        if not isinstance(value, Mapping):
            self.fail("shipping_address", REQUIRED if value is None else "must be an object")
            return None
        fields = {name: value.get(name) for name in _ADDRESS_FIELDS}
        optional = {name: fields[name] or "" for name in ("line2", "region", "postal_code", "recipient")}
        # Raw values, checked by validate_draft like the rest of the draft.
        return ShippingAddress(line1=cast(str, fields["line1"]), city=cast(str, fields["city"]),
                               country=cast(str, fields["country"]), **optional)
