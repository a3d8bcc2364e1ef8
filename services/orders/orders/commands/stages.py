"""The execution plan's stages: start, complete, block, unblock, assign, reschedule;
and the sweep that flags overdue stages.

Work can start only on a confirmed order; starting (or completing) a stage of
a confirmed order puts it in fulfilment. The plan is closed once the order
ships (its shipping stage follows the shipment) or is cancelled.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from salesloop.uow import UnitOfWork
from salesloop.web.auth import Principal

from orders.commands.lifecycle import begin, enter_fulfilment
from orders.config import OrdersConfig
from orders.domain.errors import IllegalTransition
from orders.domain.lifecycle import CHANGEABLE_STATES, OrderState
from orders.domain.plan import StageStatus
from orders.models import OrderRecord, StageRecord
from orders.repository import OPEN_STATES

WORK_STATES = (OrderState.CONFIRMED, OrderState.IN_FULFILMENT)


def work_on_stage(uow: UnitOfWork, config: OrdersConfig, principal: Principal, order_id: str,
                  stage: str, action: str, data: dict) -> OrderRecord:
    """``action`` is start, complete, block or unblock."""
    move = begin(uow, config, principal, order_id)
    needs_work_state = action in ("start", "complete")
    _ensure_plan_open(move.order.state, needs_work_state)
    if action == "block":
        move.plan.block(stage, data["reason"], move.by, move.at)
    else:
        getattr(move.plan, action)(stage, move.by, move.at)
    if needs_work_state and move.order.state is OrderState.CONFIRMED:
        enter_fulfilment(uow, config, move, note=f"stage {stage}: {action}")
    return move.save()


def edit_stage(uow: UnitOfWork, config: OrdersConfig, principal: Principal, order_id: str,
               stage: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    _ensure_plan_open(move.order.state, needs_work_state=False)
    if "owner" in data:
        move.plan.assign(stage, data["owner"])
    if "due_date" in data:
        move.plan.reschedule(stage, data["due_date"])
    return move.save()


def _ensure_plan_open(state: OrderState, needs_work_state: bool) -> None:
    if needs_work_state and state is OrderState.CREATED:
        raise IllegalTransition(state, OrderState.IN_FULFILMENT, (OrderState.CONFIRMED,),
                                message="work on the order cannot start before it is confirmed with the customer")
    if state not in CHANGEABLE_STATES:
        raise IllegalTransition(state, state, (),
                                message=f"the order is {state}: its execution plan is closed")


def report_overdue_stages(uow: UnitOfWork, config: OrdersConfig, now: datetime, limit: int = 500) -> int:
    """Publishes orders.stage.overdue once per stage and due date; returns how many."""
    today = config.calendar.local_date(now)
    query = (
        select(StageRecord, OrderRecord).join(OrderRecord, StageRecord.order_id == OrderRecord.id)
        .where(StageRecord.status != str(StageStatus.DONE), StageRecord.due_date < today,
               OrderRecord.status.in_(OPEN_STATES),
               or_(StageRecord.overdue_reported_for.is_(None),
                   StageRecord.overdue_reported_for != StageRecord.due_date))
        .order_by(StageRecord.due_date, StageRecord.order_id, StageRecord.position).limit(limit)
    )
    reported = 0
    for stage, order in uow.session.execute(query).all():
        uow.publish("orders.stage.overdue", {
            "order_id": order.id, "order_number": order.order_number, "customer_id": order.customer_id,
            "rep_id": order.rep_id, "team": order.team, "region": order.region, "stage": stage.name,
            "owner": stage.owner, "status": stage.status, "due_date": stage.due_date,
            "days_overdue": (today - stage.due_date).days, "delivery_date": order.delivery_date, "detected_at": now,
        }, subject=order.id, time=now)
        stage.overdue_reported_for = stage.due_date
        reported += 1
    return reported
