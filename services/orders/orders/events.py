"""The events the Orders service publishes, each with its schema (owned here),
and the storefront's ``storefront.order.placed`` — published by a system we do
not own, documented here as an external contract.

Every ``orders.order.*`` event carries the same core (who, what, how much, in
which currency and at which rate to the company currency) plus the fields of
its step. Amounts are decimal strings; an order's ``total_amount`` is net of
tax (the sum of the line nets), ``tax_amount`` and ``gross_amount`` beside it.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from marshmallow import Schema, fields

from salesloop.messaging.catalog import EventCatalog

from orders.repository import plain, utc
from orders.domain.currency import round_money, to_company_currency

SOURCE = "/salesloop/orders"
STOREFRONT_SOURCE = "/storefront"
STOREFRONT_ORDER_PLACED = "storefront.order.placed"


def _amount(**kwargs):
    return fields.Decimal(as_string=True, required=True, **kwargs)


def _nullable_amount(**kwargs):
    return fields.Decimal(as_string=True, required=True, allow_none=True, **kwargs)


def _text(**kwargs):
    return fields.String(required=True, **kwargs)


def _nullable_text(**kwargs):
    return fields.String(required=True, allow_none=True, **kwargs)


def _described(text: str) -> dict:
    return {"description": text}


class CustomerContact(Schema):
    name = fields.String(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None)
    email = fields.String(allow_none=True, load_default=None)


class OrderLine(Schema):
    product_code = _text()
    description = _text()
    quantity = _amount()
    unit_price = _amount()
    unit_cost = _nullable_amount(metadata=_described("null when the cost is unknown (storefront orders)"))
    discount_pct = _amount()
    tax_rate_pct = _amount()
    amount = _amount(metadata=_described("the line's net: quantity × unit price less the discount"))
    tax_amount = _amount()


class OrderCore(Schema):
    """What every orders.order.* event carries."""

    order_id = _text()
    order_number = _text()
    version = fields.Integer(required=True, metadata=_described("the order version the amounts come from"))
    origin = _text(metadata=_described("contract | storefront | phone"))
    contract_id = _nullable_text()
    deal_id = _nullable_text()
    storefront_order_id = _nullable_text()
    customer_id = _text()
    customer_name = _text()
    customer_contact = fields.Nested(CustomerContact, required=True, allow_none=True)
    rep_id = _nullable_text()
    team = _nullable_text()
    region = _nullable_text()
    currency = _text()
    fx_rate = _amount(metadata=_described("company-currency units per one unit of currency, booked with the order"))
    total_amount = _amount(metadata=_described("net of tax"))
    total_cost = _nullable_amount(metadata=_described("null while any item's cost is unknown"))
    tax_amount = _amount()
    gross_amount = _amount()
    company_currency = _text()
    total_amount_company = _amount(metadata=_described("total_amount × fx_rate, rounded in the company currency"))
    items = fields.List(fields.Nested(OrderLine), required=True)
    status = _text()
    delivery_date = fields.Date(required=True)
    payment_terms = _nullable_text()
    placed_at = fields.DateTime(required=True)
    occurred_at = fields.DateTime(required=True)
    actor = _text(metadata=_described("who made the change: a user id, or system:<source> for events"))


class OrderCreated(OrderCore):
    pass


class OrderConfirmed(OrderCore):
    pass


class OrderFulfilmentStarted(OrderCore):
    pass


class OrderChanged(OrderCore):
    change_id = _text()
    previous_version = fields.Integer(required=True)
    delta_amount = _amount(metadata=_described("new total_amount minus the previous version's"))
    delta_cost = _nullable_amount()
    previous_delivery_date = fields.Date(required=True)
    reason = _text()


class OrderShipped(OrderCore):
    carrier = _text()
    tracking_number = _text()
    shipped_at = fields.DateTime(required=True)


class OrderDelivered(OrderCore):
    delivered_at = fields.DateTime(required=True)


class OrderAccepted(OrderCore):
    accepted_at = fields.DateTime(required=True)
    resolution = _nullable_text(metadata=_described("how a dispute ended, when the order was disputed"))


class OrderDisputed(OrderCore):
    reason = _text()
    disputed_at = fields.DateTime(required=True)


class OrderSettled(OrderCore):
    paid_amount = _amount()
    paid_at = fields.DateTime(required=True)
    paid_date = fields.Date(required=True, metadata=_described("the payment's day in the company's time zone"))
    note = _nullable_text()


class OrderCancelled(OrderCore):
    reason = _text()
    previous_status = _text()
    cancelled_at = fields.DateTime(required=True)


class StageOverdue(Schema):
    order_id = _text()
    order_number = _text()
    customer_id = _text()
    rep_id = _nullable_text()
    team = _nullable_text()
    region = _nullable_text()
    stage = _text()
    owner = _nullable_text()
    status = _text()
    due_date = fields.Date(required=True)
    days_overdue = fields.Integer(required=True)
    delivery_date = fields.Date(required=True)
    detected_at = fields.DateTime(required=True)


_ORDER = {
    "order_id": "6b1f3c2e-8d4a-4e59-a0c2-5d7f9e1b2a34", "order_number": "SO-20250512-6B1F3C2E8D4A",
    "version": 1, "origin": "contract", "contract_id": "0d5e3c55-7d0b-4f5e-8c8a-2f0e2a6b1c11",
    "deal_id": "5f0c8a7e-1f7b-4c1e-9d1a-3b2f1c0d9e8a", "storefront_order_id": None,
    "customer_id": "cust-1042", "customer_name": "杭州云帆科技有限公司",
    "customer_contact": {"name": "王丽", "phone": "+8613800138000", "email": "wang.li@yunfan.example"},
    "rep_id": "rep-7", "team": "east-1", "region": "east", "currency": "USD", "fx_rate": "7.1",
    "total_amount": "9000.00", "total_cost": "4000.00", "tax_amount": "1170.00", "gross_amount": "10170.00",
    "company_currency": "CNY", "total_amount_company": "63900.00",
    "items": [{"product_code": "ERP-LIC", "description": "ERP licence", "quantity": "10", "unit_price": "1000",
               "unit_cost": "400", "discount_pct": "10", "tax_rate_pct": "13", "amount": "9000.00",
               "tax_amount": "1170.00"}],
    "status": "created", "delivery_date": "2025-06-01", "payment_terms": "30% advance, 70% net 30",
    "placed_at": "2025-05-12T03:00:00+00:00", "occurred_at": "2025-05-12T03:00:02+00:00",
    "actor": "system:deals",
}


def _example(status: str, occurred_at: str, **extra) -> dict:
    return {**_ORDER, "status": status, "occurred_at": occurred_at, "actor": "ops-3", **extra}


EXAMPLES = {
    "orders.order.created": _ORDER,
    "orders.order.confirmed": _example("confirmed", "2025-05-13T01:00:00+00:00"),
    "orders.order.fulfilment_started": _example("in_fulfilment", "2025-05-14T01:00:00+00:00"),
    "orders.order.changed": _example(
        "in_fulfilment", "2025-05-15T01:00:00+00:00", version=2, total_amount="10800.00", total_cost="4800.00",
        tax_amount="1404.00", gross_amount="12204.00", total_amount_company="76680.00",
        items=[{**_ORDER["items"][0], "quantity": "12", "amount": "10800.00", "tax_amount": "1404.00"}],
        change_id="c4a1d2e3-0f9b-4a8c-b7d6-e5f4a3b2c1d0", previous_version=1, delta_amount="1800.00",
        delta_cost="800.00", previous_delivery_date="2025-06-01", reason="customer adds two seats"),
    "orders.order.shipped": _example("shipped", "2025-05-28T06:00:00+00:00", carrier="SF Express",
                                     tracking_number="SF1234567890", shipped_at="2025-05-28T06:00:00+00:00"),
    "orders.order.delivered": _example("delivered", "2025-05-30T08:00:00+00:00",
                                       delivered_at="2025-05-30T07:45:00+00:00"),
    "orders.order.accepted": _example("accepted", "2025-06-02T02:00:00+00:00",
                                      accepted_at="2025-06-02T02:00:00+00:00", resolution=None),
    "orders.order.disputed": _example("disputed", "2025-06-02T02:00:00+00:00", reason="two licences missing",
                                      disputed_at="2025-06-02T02:00:00+00:00"),
    "orders.order.settled": _example("settled", "2025-07-01T02:00:00+00:00", paid_amount="10170.00",
                                     paid_at="2025-07-01T01:30:00+00:00", paid_date="2025-07-01", note=None),
    "orders.order.cancelled": _example("cancelled", "2025-05-13T05:00:00+00:00", reason="customer withdrew",
                                       previous_status="confirmed", cancelled_at="2025-05-13T05:00:00+00:00"),
    "orders.stage.overdue": {
        "order_id": _ORDER["order_id"], "order_number": _ORDER["order_number"], "customer_id": "cust-1042",
        "rep_id": "rep-7", "team": "east-1", "region": "east", "stage": "production", "owner": "plant-2",
        "status": "in_progress", "due_date": "2025-05-25", "days_overdue": 2, "delivery_date": "2025-06-01",
        "detected_at": "2025-05-27T01:00:00+00:00",
    },
}

DEFINITIONS = (
    ("orders.order.created", OrderCreated,
     "An order was created: from a signed contract, a storefront order or a phone call."),
    ("orders.order.confirmed", OrderConfirmed, "The order was confirmed with the customer."),
    ("orders.order.fulfilment_started", OrderFulfilmentStarted,
     "Work on the order began (its execution plan's first stage started)."),
    ("orders.order.changed", OrderChanged,
     "An approved change request revised the order: a new version with its amounts and delivery date."),
    ("orders.order.shipped", OrderShipped, "The order left the warehouse, with its carrier and tracking number."),
    ("orders.order.delivered", OrderDelivered, "The order reached the customer."),
    ("orders.order.accepted", OrderAccepted, "The customer accepted the delivery (possibly after a dispute)."),
    ("orders.order.disputed", OrderDisputed, "The customer disputed the delivery, with the reason."),
    ("orders.order.settled", OrderSettled, "The order's payment was received; the order is closed."),
    ("orders.order.cancelled", OrderCancelled, "The order was cancelled before it shipped, with the reason."),
    ("orders.stage.overdue", StageOverdue, "A stage of an order's execution plan passed its due date unfinished."),
)


def catalog() -> EventCatalog:
    events = EventCatalog(source=SOURCE)
    for event_type, schema, summary in DEFINITIONS:
        events.define(event_type, schema, summary, example=EXAMPLES[event_type])
    return events


# -- the storefront's event: an external contract ------------------------------------------
class StorefrontCustomer(Schema):
    id = _text(metadata=_described("the storefront's customer id"))
    name = _text()
    phone = fields.String(allow_none=True, metadata=_described("6 to 15 digits; +, spaces, - and () allowed"))
    email = fields.Email(allow_none=True)


class StorefrontItem(Schema):
    sku = _text(metadata=_described("product code; a SKU listed twice at one price is merged into one line"))
    name = _text()
    qty = _amount(metadata=_described("decimal string (or integer) greater than 0; never a binary float"))
    unit_price = _amount(metadata=_described("decimal string, net of tax, in the order's currency"))


class StorefrontAddress(Schema):
    line1 = _text()
    line2 = fields.String()
    city = _text()
    region = fields.String()
    postal_code = fields.String()
    country = _text(metadata=_described("ISO 3166-1 alpha-2, upper case (CN)"))
    recipient = fields.String()


class StorefrontOrderPlaced(Schema):
    storefront_order_id = _text(metadata=_described("unique per order: the same id twice makes one order"))
    customer = fields.Nested(StorefrontCustomer, required=True)
    items = fields.List(fields.Nested(StorefrontItem), required=True,
                        metadata=_described("at least one item"))
    currency = _text(metadata=_described("ISO 4217, upper case"))
    placed_at = fields.AwareDateTime(required=True, metadata=_described("RFC 3339 with an offset"))
    shipping_address = fields.Nested(StorefrontAddress, required=True)
    requested_delivery_date = fields.Date(
        metadata=_described("optional; not before the day the order was placed (company time zone); "
                            "when absent the standard promise applies"))
    payment_terms = fields.String(metadata=_described("prepaid (default), cash_on_delivery or net_<1..180>"))


STOREFRONT_EXAMPLE = {
    "storefront_order_id": "SF-2025-000123",
    "customer": {"id": "shopper-88", "name": "陈晨", "phone": "+86 138 0013 8000", "email": "chen@example.com"},
    "items": [{"sku": "TEA-01", "name": "Longjing 250 g", "qty": "2", "unit_price": "88.80"},
              {"sku": "CUP-06", "name": "Cups (6)", "qty": "1", "unit_price": "45.00"}],
    "currency": "CNY",
    "placed_at": "2025-05-12T10:15:00+08:00",
    "shipping_address": {"line1": "文三路 90 号", "city": "杭州", "region": "浙江", "postal_code": "310012",
                         "country": "CN", "recipient": "陈晨"},
    "requested_delivery_date": "2025-05-20",
    "payment_terms": "prepaid",
}

# How the message travels, for the AsyncAPI document (the catalog holds the payload).
STOREFRONT_AMQP = {
    "exchange": {"name": "salesloop.events", "type": "topic", "durable": True},
    "routing_key": STOREFRONT_ORDER_PLACED,
    "content_type": "application/cloudevents+json",
    "delivery_mode": 2,
    "mandatory": True,
    "envelope": "CloudEvents 1.0, structured JSON mode: specversion, id, source, type, time, "
                "datacontenttype, dataschema, subject (the storefront order id), data",
    "properties": {
        "message_id": "the CloudEvent id; the same id is processed once",
        "headers": {
            "traceparent": "W3C trace context (00-<trace id>-<span id>-<flags>), continued by the orders worker",
            "tracestate": "optional W3C trace state",
        },
    },
    "invalid_messages": "parked in the orders dead-letter queue with the field-level reason; "
                        "an operator fixes the data and replays it with the same event id",
}


def storefront_contract() -> EventCatalog:
    """The storefront's event as we document it for the storefront's developers."""
    events = EventCatalog(source=STOREFRONT_SOURCE)
    events.define(STOREFRONT_ORDER_PLACED, StorefrontOrderPlaced,
                  "A customer placed an order in the storefront; the orders service creates exactly one order "
                  "per storefront_order_id.", example=STOREFRONT_EXAMPLE)
    return events


# -- what the orders.order.* events carry ----------------------------------------------------------
def order_event_data(record, company_currency: str, *, occurred_at: datetime, actor: str, **extra) -> dict:
    """The core of every orders.order.* event, read from the order's record."""
    version = record.current
    currency = record.currency
    total = round_money(Decimal(record.total_amount), currency)
    cost = None if record.total_cost is None else round_money(Decimal(record.total_cost), currency)
    tax = round_money(Decimal(record.tax_amount), currency)
    return {
        "order_id": record.id, "order_number": record.order_number, "version": record.version,
        "origin": record.origin, "contract_id": record.contract_id, "deal_id": record.deal_id,
        "storefront_order_id": record.storefront_order_id, "customer_id": record.customer_id,
        "customer_name": record.customer_name, "customer_contact": record.customer_contact,
        "rep_id": record.rep_id, "team": record.team, "region": record.region,
        "currency": currency, "fx_rate": plain(record.fx_rate),
        "total_amount": total, "total_cost": cost, "tax_amount": tax, "gross_amount": total + tax,
        "company_currency": company_currency,
        "total_amount_company": to_company_currency(total, Decimal(record.fx_rate), company_currency),
        "items": [line_data(line, currency) for line in version.lines],
        "status": record.status, "delivery_date": record.delivery_date, "payment_terms": record.payment_terms,
        "placed_at": utc(record.placed_at), "occurred_at": utc(occurred_at), "actor": actor,
        **extra,
    }


def line_data(line, currency: str) -> dict:
    return {
        "product_code": line.product_code, "description": line.description,
        "quantity": plain(line.quantity), "unit_price": plain(line.unit_price),
        "unit_cost": plain(line.unit_cost), "discount_pct": plain(line.discount_pct),
        "tax_rate_pct": plain(line.tax_rate_pct), "amount": round_money(Decimal(line.amount), currency),
        "tax_amount": round_money(Decimal(line.tax_amount), currency),
    }
