"""What every command shares: loading a visible order, publishing its events."""
from __future__ import annotations

from datetime import datetime

from salesloop.uow import UnitOfWork
from salesloop.web.auth import Principal

from orders.repository import can_see_order
from orders.config import OrdersConfig
from orders.events import order_event_data
from orders.models import OrderRecord
from orders.repository import OrderNotFound, OrderRepository


def load_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal, order_id: str,
               *, lock: bool = False) -> OrderRecord:
    """The order, if ``principal`` may see it; 404 otherwise (never 403: existence is not disclosed)."""
    record = OrderRepository(uow.session, config).find(order_id, lock=lock)
    if record is None or not can_see_order(principal, record):
        raise OrderNotFound(f"no order {order_id}")
    return record


def publish_order_event(uow: UnitOfWork, config: OrdersConfig, record: OrderRecord, event_type: str,
                        *, at: datetime, actor: str, **extra) -> None:
    data = order_event_data(record, config.company_currency, occurred_at=at, actor=actor, **extra)
    uow.publish(event_type, data, subject=record.id, time=at)
