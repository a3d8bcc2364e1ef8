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

from sqlalchemy import select

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.processor import Event, PermanentFailure
from salesloop.messaging.worker import Sweep
from salesloop.uow import UnitOfWork

from orders.commands import create_order_from_contract, create_order_from_storefront, report_overdue_stages
from orders.config import OrdersConfig, orders_config
from orders.domain.errors import InvalidInput
from orders.events import STOREFRONT_ORDER_PLACED
from orders.models import OrderRecord
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


class StorefrontOrdersSeen:
    """The storefront order ids of a batch that already have an order: read in one
    query before the batch's handlers, then kept up to date as they create orders."""

    def __init__(self, uow: UnitOfWork, ids: set[str]) -> None:
        self.asked = ids
        self.taken = set(uow.session.scalars(
            select(OrderRecord.storefront_order_id).where(OrderRecord.storefront_order_id.in_(ids)))) if ids else set()

    def has_order(self, storefront_order_id: str) -> bool | None:
        if storefront_order_id not in self.asked:
            return None  # not foreseen: the handler asks the database
        return storefront_order_id in self.taken

    def flush(self) -> None:  # uow.deferred's collector: nothing to write
        pass


SEEN = "orders.storefront-seen"


def prepare_storefront_orders(events: list[Event], uow: UnitOfWork) -> None:
    ids = {event.data["storefront_order_id"] for event in events if event.data.get("storefront_order_id")}
    uow.deferred(SEEN, lambda: StorefrontOrdersSeen(uow, ids))


def on_storefront_order(config: OrdersConfig):
    def handle(event: Event, uow: UnitOfWork) -> None:
        # Handled alone (no batch step ran), it knows nothing and the handler asks the database.
        seen = uow.deferred(SEEN, lambda: StorefrontOrdersSeen(uow, set()))
        try:
            record = create_order_from_storefront(uow, config, event.data, has_order=seen.has_order)
        except InvalidInput as invalid:
            raise refused(event, invalid) from invalid
        if record is not None:
            seen.taken.add(event.data["storefront_order_id"])  # a second event for it in this batch makes none

    return handle


def subscriptions(runtime) -> Subscriptions:
    config = orders_config(runtime.settings)
    return (
        Subscriptions()
        .add("deals.contract.signed", ContractSignedReader, on_contract_signed(config),
             "a signed contract creates exactly one order")
        .add(STOREFRONT_ORDER_PLACED, StorefrontOrderReader, on_storefront_order(config),
             "a storefront order creates exactly one order", prepare=prepare_storefront_orders)
    )


def sweeps(runtime) -> list[Sweep]:
    config = orders_config(runtime.settings)
    return [Sweep("overdue-stages", config.overdue_sweep_seconds,
                  lambda uow, now: report_overdue_stages(uow, config, now))]
