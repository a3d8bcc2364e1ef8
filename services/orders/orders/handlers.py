"""What the Orders service does with the events it consumes, and its sweeps.

- deals.contract.signed  → exactly one order per contract id
- storefront.order.placed → exactly one order per storefront order id

Both are untrusted input: the reader schemas (readers.py) take only the fields used,
and an event the domain refuses is parked in the dead-letter queue at once
(``PermanentFailure``) with its field-level reason, for an operator to fix and
replay. The inbox makes each event id count once; the business keys (unique
columns, checked first) make a re-published event with a new id harmless.
"""
from __future__ import annotations

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.processor import Event, PermanentFailure
from salesloop.messaging.worker import Sweep
from salesloop.uow import UnitOfWork

from orders.commands import create_order_from_contract, create_order_from_storefront, report_overdue_stages
from orders.config import OrdersConfig, orders_config
from orders.domain.errors import InvalidInput
from orders.events import STOREFRONT_ORDER_PLACED
from orders.readers import ContractSignedReader, StorefrontOrderReader


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
