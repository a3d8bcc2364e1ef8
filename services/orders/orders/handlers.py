"""What the Orders service does with the events it consumes, and its sweeps.

- deals.contract.signed  → exactly one order per contract id
- storefront.order.placed → exactly one order per storefront order id

Both are untrusted input: the reader schemas below take only the fields used,
and an event the domain refuses is parked in the dead-letter queue at once
(``PermanentFailure``) with its field-level reason, for an operator to fix and
replay. The inbox makes each event id count once; the business keys (unique
columns, checked first) make a re-published event with a new id harmless.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.processor import Event, PermanentFailure
from salesloop.messaging.worker import Sweep
from salesloop.uow import UnitOfWork

from orders.commands import create_order_from_contract, create_order_from_storefront, report_overdue_stages
from orders.config import OrdersConfig, orders_config
from orders.domain.errors import InvalidInput
from orders.events import STOREFRONT_ORDER_PLACED


class Tolerant(Schema):
    class Meta:
        # The processor reads the top level with EXCLUDE; nested readers need it too.
        unknown = EXCLUDE


class ContractContact(Tolerant):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ContractLine(Tolerant):
    product_code = fields.String(required=True)
    description = fields.String(allow_none=True)
    quantity = fields.Decimal(required=True)
    unit_price = fields.Decimal(required=True)
    unit_cost = fields.Decimal(allow_none=True, load_default=None)
    discount_pct = fields.Decimal(allow_none=True, load_default=None)
    tax_rate_pct = fields.Decimal(allow_none=True, load_default=None)
    line_net = fields.Decimal(allow_none=True, load_default=None)


class ContractSignedReader(Tolerant):
    """The fields of deals.contract.signed an order needs."""

    contract_id = fields.String(required=True)
    deal_id = fields.String(allow_none=True, load_default=None)
    customer_id = fields.String(required=True)
    customer_name = fields.String(required=True)
    customer_contact = fields.Nested(ContractContact, allow_none=True, load_default=None)
    rep_id = fields.String(required=True)
    team = fields.String(allow_none=True, load_default=None)
    region = fields.String(allow_none=True, load_default=None)
    currency = fields.String(required=True)
    fx_rate = fields.Decimal(required=True)
    items = fields.List(fields.Nested(ContractLine), required=True)
    delivery_date = fields.Date(required=True)
    delivery_address = fields.String(allow_none=True, load_default=None)
    delivery_terms = fields.String(allow_none=True, load_default=None)
    payment_terms = fields.String(allow_none=True, load_default=None)
    signed_at = fields.AwareDateTime(required=True)


class StorefrontOrderReader(Tolerant):
    """The storefront's order, taken as sent: the domain's mapping checks every
    field and names problems the way the storefront spells them."""

    storefront_order_id = fields.String(required=True)
    customer = fields.Raw(load_default=None)
    items = fields.Raw(load_default=None)
    currency = fields.Raw(load_default=None)
    placed_at = fields.Raw(load_default=None)
    shipping_address = fields.Raw(load_default=None)
    requested_delivery_date = fields.Raw(load_default=None)
    payment_terms = fields.Raw(load_default=None)


def refused(event: Event, invalid: InvalidInput) -> PermanentFailure:
    return PermanentFailure(f"invalid {event.type} data: {invalid.errors}")


def on_contract_signed(config: OrdersConfig):
    def handle(event: Event, uow: UnitOfWork) -> None:
        try:
            create_order_from_contract(uow, config, event.data)
        except InvalidInput as invalid:
            raise refused(event, invalid) from invalid

    return handle


def on_storefront_order(config: OrdersConfig):
    def handle(event: Event, uow: UnitOfWork) -> None:
        try:
            create_order_from_storefront(uow, config, event.data)
        except InvalidInput as invalid:
            raise refused(event, invalid) from invalid

    return handle


def subscriptions(runtime) -> Subscriptions:
    config = orders_config(runtime.settings)
    return (
        Subscriptions()
        .add("deals.contract.signed", ContractSignedReader, on_contract_signed(config),
             "a signed contract creates exactly one order")
        .add(STOREFRONT_ORDER_PLACED, StorefrontOrderReader, on_storefront_order(config),
             "a storefront order creates exactly one order")
    )


def sweeps(runtime) -> list[Sweep]:
    config = orders_config(runtime.settings)
    return [Sweep("overdue-stages", config.overdue_sweep_seconds,
                  lambda uow, now: report_overdue_stages(uow, config, now))]
