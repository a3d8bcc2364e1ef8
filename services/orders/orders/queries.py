"""Read-side queries: lists with filters, sorting and paging, always within
what the caller may see."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from salesloop.web.auth import Principal

from orders.access import visible_orders
from orders.commands.stages import OPEN_STATES
from orders.config import OrdersConfig
from orders.decimals import utc
from orders.models import OrderRecord, StageRecord

EXACT_FILTERS = ("status", "origin", "customer_id", "contract_id", "storefront_order_id", "rep_id", "team", "region")


def list_orders(session: Session, principal: Principal, filters: dict, first: int, count: int
                ) -> tuple[list[OrderRecord], int]:
    """One page of the orders ``principal`` sees, and how many there are in all."""
    conditions = [visible_orders(principal)]
    for name in EXACT_FILTERS:
        if filters.get(name) is not None:
            conditions.append(getattr(OrderRecord, name) == filters[name])
    if filters.get("placed_from") is not None:
        conditions.append(OrderRecord.placed_at >= utc(filters["placed_from"]))
    if filters.get("placed_to") is not None:
        conditions.append(OrderRecord.placed_at < utc(filters["placed_to"]))
    total = session.scalar(select(func.count()).select_from(OrderRecord).where(*conditions))
    sort = filters.get("sort") or "-placed_at"
    column = getattr(OrderRecord, sort.lstrip("-"))
    ordering = column.desc() if sort.startswith("-") else column.asc()
    rows = session.scalars(select(OrderRecord).where(*conditions).order_by(ordering, OrderRecord.id)
                           .offset(first).limit(count)).all()
    return list(rows), total


def overdue_stages(session: Session, principal: Principal, config: OrdersConfig, now: datetime,
                   filters: dict) -> list[tuple[StageRecord, OrderRecord]]:
    today = config.calendar.local_date(now)
    conditions = [visible_orders(principal), StageRecord.status != "done", StageRecord.due_date < today,
                  OrderRecord.status.in_(OPEN_STATES)]
    if filters.get("owner"):
        conditions.append(StageRecord.owner == filters["owner"])
    if filters.get("stage"):
        conditions.append(StageRecord.name == filters["stage"])
    query = (select(StageRecord, OrderRecord).join(OrderRecord, StageRecord.order_id == OrderRecord.id)
             .where(*conditions).order_by(StageRecord.due_date, OrderRecord.order_number).limit(1000))
    return [(stage, order) for stage, order in session.execute(query).all()]
