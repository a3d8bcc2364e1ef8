"""What the service publishes matches the cross-service contract, and the
storefront's documented event is one the service accepts."""
from decimal import Decimal

import pytest

from salesloop.messaging.catalog import EventSchemaError

from orders.domain.storefront import map_storefront_order
from orders.events import (
    STOREFRONT_AMQP,
    STOREFRONT_EXAMPLE,
    OrderCore,
    catalog,
    storefront_contract,
)
from orders.handlers import ContractSignedReader, StorefrontOrderReader
from orders_client import contract_signed

CORE = {"order_id", "order_number", "version", "origin", "contract_id", "deal_id", "storefront_order_id",
        "customer_id", "customer_name", "customer_contact", "rep_id", "team", "region", "currency", "fx_rate",
        "total_amount", "total_cost", "items", "status", "occurred_at", "tax_amount", "gross_amount"}
PER_EVENT = {
    "orders.order.created": set(), "orders.order.confirmed": set(), "orders.order.fulfilment_started": set(),
    "orders.order.changed": {"change_id", "previous_version", "delta_amount"},
    "orders.order.shipped": {"carrier", "tracking_number"}, "orders.order.delivered": {"delivered_at"},
    "orders.order.accepted": set(), "orders.order.disputed": {"reason"},
    "orders.order.settled": {"paid_amount", "paid_at"}, "orders.order.cancelled": {"reason"},
}
ITEM = {"product_code", "description", "quantity", "unit_price", "unit_cost", "amount"}


def test_the_catalog_publishes_every_order_event_and_the_overdue_stage():
    assert [d.type for d in catalog()] == sorted([*PER_EVENT, "orders.stage.overdue"])
    assert catalog().source == "/salesloop/orders"


@pytest.mark.parametrize("event_type", sorted(PER_EVENT))
def test_each_order_event_carries_the_contracts_fields(event_type):
    schema = catalog().get(event_type).schema()

    assert CORE | PER_EVENT[event_type] <= set(schema.fields)
    assert ITEM <= set(schema.fields["items"].inner.schema.fields)


@pytest.mark.parametrize("definition", list(catalog()) + list(storefront_contract()), ids=lambda d: d.type)
def test_every_example_is_valid_under_its_own_schema(definition):
    assert definition.summary and definition.example
    definition.schema().load(definition.example)  # raises on any mismatch


def test_a_money_event_example_adds_up():
    created = catalog().get("orders.order.created").example
    assert Decimal(created["total_amount"]) + Decimal(created["tax_amount"]) == Decimal(created["gross_amount"])
    assert Decimal(created["total_amount"]) * Decimal(created["fx_rate"]) == Decimal(created["total_amount_company"])


def test_the_storefront_contract_is_documented_with_its_transport():
    [definition] = list(storefront_contract())

    assert storefront_contract().source == "/storefront"
    assert definition.type == "storefront.order.placed" == STOREFRONT_AMQP["routing_key"]
    assert STOREFRONT_AMQP["exchange"]["name"] == "salesloop.events"
    assert set(STOREFRONT_AMQP["properties"]["headers"]) == {"traceparent", "tracestate"}
    assert "message_id" in STOREFRONT_AMQP["properties"]
    assert set(definition.schema().fields) >= {"storefront_order_id", "customer", "items", "currency", "placed_at",
                                               "shipping_address", "requested_delivery_date", "payment_terms"}


def test_the_documented_storefront_example_is_an_order_the_service_accepts():
    read = StorefrontOrderReader().load(STOREFRONT_EXAMPLE)

    draft = map_storefront_order(read, company_currency="CNY")

    assert draft.source_ref == "SF-2025-000123" and draft.currency == "CNY"
    assert sum(item.line_amount("CNY") for item in draft.items) == Decimal("222.60")


def test_the_contract_reader_takes_what_deals_publishes_and_ignores_the_rest():
    data = ContractSignedReader().load({**contract_signed(), "a_field_added_later": 1})

    assert data["items"][0]["line_net"] == Decimal("9000.00") and data["fx_rate"] == Decimal("7.1")
    assert "a_field_added_later" not in data and "line_gross" not in data["items"][0]


def test_order_core_fields_are_all_required_so_producers_never_drop_one():
    assert all(field.required for field in OrderCore().fields.values())


@pytest.mark.parametrize("field", ["customer_name", "total_amount", "items"])
def test_an_order_event_missing_a_field_is_refused_at_publish(field):
    events = catalog()
    data = events.get("orders.order.created").schema().load(events.get("orders.order.created").example)
    assert events.serialize("orders.order.created", data)["order_id"] == data["order_id"]

    broken = {**data, field: None}
    with pytest.raises(EventSchemaError) as refused:
        events.serialize("orders.order.created", broken)
    assert field in refused.value.messages


def test_an_order_line_without_its_amount_is_refused_at_publish():
    events = catalog()
    data = events.get("orders.order.created").schema().load(events.get("orders.order.created").example)
    line = {key: value for key, value in data["items"][0].items() if key != "amount"}

    with pytest.raises(EventSchemaError) as refused:
        events.serialize("orders.order.created", {**data, "items": [line]})
    assert refused.value.messages == {"items": {0: {"amount": ["Missing data for required field."]}}}
