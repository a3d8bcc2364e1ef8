"""The order: who bought, from which source, its versions and its history.

An order's commercial content (items, currency, rate, delivery date) lives in
immutable ``OrderVersion`` values. Version 1 comes from the draft; every
applied change request adds version n+1 and leaves the earlier ones as they
were, so what was confirmed to the customer can always be shown again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from orders.domain.errors import IllegalTransition, InvalidInput, RuleViolation
from orders.domain.items import Amounts, OrderItem, compute_amounts, compute_tax, validate_items, validate_pricing
from orders.domain.lifecycle import (
    CHANGEABLE_STATES,
    HistoryEntry,
    OrderState,
    allowed_targets,
    creation_entry,
    transition,
)
from orders.domain.validation import (
    NOT_AWARE,
    ErrorCollector,
    Errors,
    date_problem,
    is_aware,
    text_problem,
)
from orders.domain.workdays import WorkCalendar

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_NET_TERMS = re.compile(r"^net_(\d{1,3})$")
MAX_NET_DAYS = 180


class OrderSource(StrEnum):
    CONTRACT = "contract"  # a signed contract from the deals service
    STOREFRONT = "storefront"
    PHONE = "phone"  # entered directly by a rep or an agent


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ShippingAddress:
    line1: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    line2: str = ""
    region: str = ""
    postal_code: str = ""
    recipient: str = ""


@dataclass(frozen=True)
class PaymentTerms:
    """``prepaid``, ``cash_on_delivery`` or ``net_<days>`` after invoice."""

    kind: str
    net_days: int = 0

    @property
    def code(self) -> str:
        return f"net_{self.net_days}" if self.kind == "net" else self.kind

    @classmethod
    def parse(cls, code: str) -> PaymentTerms | None:
        """The terms a code names, or None when the code is not one we know."""
        if code in ("prepaid", "cash_on_delivery"):
            return cls(code)
        match = _NET_TERMS.match(code)
        if match and 0 < int(match.group(1)) <= MAX_NET_DAYS:
            return cls("net", int(match.group(1)))
        return None


@dataclass(frozen=True)
class OrderDraft:
    """Everything needed to create an order, whatever its source."""

    source: OrderSource
    source_ref: str | None  # contract id or storefront order id; unique per source
    customer: Customer
    items: tuple[OrderItem, ...]
    currency: str
    fx_rate: Decimal
    delivery_date: date
    placed_at: datetime
    payment_terms: PaymentTerms | None = None
    shipping_address: ShippingAddress | None = None
    sales_rep: str | None = None
    notes: str = ""


def validate_draft(draft: OrderDraft, company_currency: str, calendar: WorkCalendar = WorkCalendar()) -> Errors:
    """Field-level problems of ``draft``; empty when an order can be created from it."""
    errors = ErrorCollector()
    if not isinstance(draft.source, OrderSource):
        errors.add("source", "must be one of " + ", ".join(OrderSource))
    elif draft.source is not OrderSource.PHONE:
        _add(errors, "source_ref", text_problem(draft.source_ref, 100))
    errors.extend(customer_errors(draft.customer), "customer")
    errors.extend(validate_items(draft.items))
    errors.extend(validate_pricing(draft.currency, draft.fx_rate, company_currency))
    delivery_problem = date_problem(draft.delivery_date)
    _add(errors, "delivery_date", delivery_problem)
    if not is_aware(draft.placed_at):
        errors.add("placed_at", NOT_AWARE)
    elif not delivery_problem and draft.delivery_date < calendar.local_date(draft.placed_at):
        errors.add("delivery_date", "must not be before the day the order was placed")
    if draft.shipping_address is not None:
        errors.extend(address_errors(draft.shipping_address), "shipping_address")
    if draft.payment_terms is not None and not isinstance(draft.payment_terms, PaymentTerms):
        errors.add("payment_terms", "must be payment terms")
    _add(errors, "sales_rep", text_problem(draft.sales_rep, 100, required=False))
    _add(errors, "notes", text_problem(draft.notes, 2000, required=False))
    return errors.as_dict()


def customer_errors(customer: object) -> Errors:
    errors = ErrorCollector()
    if not isinstance(customer, Customer):
        errors.add("", "is required")
        return errors.as_dict()
    _add(errors, "id", text_problem(customer.id, 64))
    _add(errors, "name", text_problem(customer.name, 200))
    _add(errors, "phone", _phone_problem(customer.phone))
    _add(errors, "email", _email_problem(customer.email))
    return errors.as_dict()


def address_errors(address: object) -> Errors:
    errors = ErrorCollector()
    if not isinstance(address, ShippingAddress):
        errors.add("", "must be an address")
        return errors.as_dict()
    _add(errors, "line1", text_problem(address.line1, 200))
    _add(errors, "city", text_problem(address.city, 100))
    if not isinstance(address.country, str) or not _COUNTRY.match(address.country):
        errors.add("country", "must be a 2-letter ISO 3166 country code in upper case (e.g. CN)")
    for name in ("line2", "region", "postal_code", "recipient"):
        _add(errors, name, text_problem(getattr(address, name), 200, required=False))
    return errors.as_dict()


@dataclass(frozen=True)
class OrderVersion:
    number: int
    items: tuple[OrderItem, ...]
    currency: str
    fx_rate: Decimal  # company-currency units per unit of ``currency`` when this version was made
    delivery_date: date
    created_at: datetime
    created_by: str
    change_id: str | None = None  # the change request that produced it; None for version 1

    @property
    def amounts(self) -> Amounts:
        return compute_amounts(self.items, self.currency)

    @property
    def tax(self) -> Decimal:
        return compute_tax(self.items, self.currency)

    @property
    def amount_due(self) -> Decimal:
        """What the customer pays: the net total plus tax."""
        return self.amounts.total + self.tax

    def item(self, product_code: str) -> OrderItem | None:
        return next((item for item in self.items if item.product_code == product_code), None)

    def snapshot(self) -> dict[str, object]:
        """Plain JSON-ready data (decimals as strings), for events and audit."""
        return {
            "number": self.number,
            "items": [
                {
                    "product_code": item.product_code,
                    "description": item.description,
                    "quantity": str(item.quantity),
                    "unit_price": str(item.unit_price),
                    "unit_cost": None if item.unit_cost is None else str(item.unit_cost),
                    "discount_pct": str(item.discount_pct),
                    "tax_rate_pct": str(item.tax_rate_pct),
                    "line_amount": str(item.line_amount(self.currency)),
                }
                for item in self.items
            ],
            "currency": self.currency,
            "fx_rate": str(self.fx_rate),
            "total": str(self.amounts.total),
            "delivery_date": self.delivery_date.isoformat(),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "change_id": self.change_id,
        }


@dataclass(eq=False)
class Order:
    id: str
    source: OrderSource
    source_ref: str | None
    customer: Customer
    placed_at: datetime
    versions: list[OrderVersion]
    history: list[HistoryEntry]
    company_currency: str
    state: OrderState = OrderState.CREATED
    payment_terms: PaymentTerms | None = None
    shipping_address: ShippingAddress | None = None
    sales_rep: str | None = None
    notes: str = ""
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @classmethod
    def create(cls, order_id: str, draft: OrderDraft, *, company_currency: str,
               by: str, at: datetime, calendar: WorkCalendar = WorkCalendar()) -> Order:
        """A new order in state ``created``; InvalidInput lists every problem of the draft."""
        errors = ErrorCollector()
        _add(errors, "id", text_problem(order_id, 64))
        errors.extend(validate_draft(draft, company_currency, calendar))
        errors.raise_if_any("the order cannot be created")
        entry = creation_entry(by, at, source=str(draft.source), source_ref=draft.source_ref)
        first = OrderVersion(1, tuple(draft.items), draft.currency, draft.fx_rate,
                             draft.delivery_date, entry.at, by)
        return cls(
            id=order_id, source=draft.source, source_ref=draft.source_ref, customer=draft.customer,
            placed_at=draft.placed_at, versions=[first], history=[entry], company_currency=company_currency,
            payment_terms=draft.payment_terms, shipping_address=draft.shipping_address,
            sales_rep=draft.sales_rep, notes=draft.notes, calendar=calendar,
        )

    @property
    def current(self) -> OrderVersion:
        return self.versions[-1]

    @property
    def amounts(self) -> Amounts:
        return self.current.amounts

    def amounts_in_company_currency(self) -> Amounts:
        """The current amounts converted at the current version's rate."""
        return self.amounts.in_company_currency(self.current.fx_rate, self.company_currency)

    def version(self, number: int) -> OrderVersion:
        if not 1 <= number <= len(self.versions):
            raise RuleViolation(f"order {self.id} has no version {number}")
        return self.versions[number - 1]

    def move_to(self, target: OrderState | str, by: str, at: datetime, **details: object) -> HistoryEntry:
        """Moves the order and records the entry; see ``lifecycle.transition``."""
        entry = transition(self.state, target, by, at, **details)
        if entry.to_state is OrderState.SETTLED:
            self._check_settlement(entry)
        self.state = entry.to_state
        self.history.append(entry)
        return entry

    def add_version(self, version: OrderVersion) -> None:
        """Appends the version an applied change produced."""
        if self.state not in CHANGEABLE_STATES:
            raise IllegalTransition(self.state, "changed", allowed_targets(self.state))
        if version.number != self.current.number + 1:
            raise RuleViolation(
                f"order {self.id} is at version {self.current.number}; "
                f"the next version must be {self.current.number + 1}, not {version.number}"
            )
        self.versions.append(version)

    def _check_settlement(self, entry: HistoryEntry) -> None:
        details = entry.details
        total = self.current.amount_due
        if details["currency"] != self.current.currency:
            raise InvalidInput({"currency": [
                f"must be the order currency {self.current.currency}; convert the payment first"
            ]}, "cannot settle the order")
        if details["payment_amount"] != total and not details.get("note"):
            # A short or over payment is settled only with a written explanation.
            raise InvalidInput({"note": [
                f"is required when the payment {details['payment_amount']} "
                f"differs from the amount due {total} {self.current.currency}"
            ]}, "cannot settle the order")


def _add(errors: ErrorCollector, path: str, problem: str | None) -> None:
    if problem:
        errors.add(path, problem)


def _phone_problem(phone: object) -> str | None:
    if phone is None:
        return None
    if not isinstance(phone, str) or not _PHONE_CHARACTERS.match(phone):
        return "must be a phone number (digits, spaces, +, -, parentheses)"
    digits = sum(character.isdigit() for character in phone)
    if not 6 <= digits <= 15:
        return "must have between 6 and 15 digits"
    return None


def _email_problem(email: object) -> str | None:
    if email is None:
        return None
    if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email):
        return "must be an e-mail address"
    return None
