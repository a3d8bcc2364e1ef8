"""Change requests: asked for by anyone who sees the order, assessed at once
(amounts, cost, delivery date), approved or rejected by a manager. Approval
applies the change as the order's next version; earlier versions stay.
"""
from __future__ import annotations

from salesloop.uow import UnitOfWork
from salesloop.web.auth import Principal

from orders.commands.common import load_order, publish_order_event
from orders.commands.lifecycle import begin
from orders.config import OrdersConfig
from orders.domain.changes import (
    QuantityChange,
    RequestedChange,
    apply_change,
    approve_change,
    assess,
    reject_change,
    request_change,
)
from orders.domain.items import OrderItem
from orders.domain.plan import ExecutionPlan, StageStatus, default_plan
from orders.models import ChangeRequestRecord
from orders.repository import OrderRepository, new_id, utcnow


def request_order_change(uow: UnitOfWork, config: OrdersConfig, principal: Principal, order_id: str,
                         data: dict) -> ChangeRequestRecord:
    record = load_order(uow, config, principal, order_id, lock=True)
    repo = OrderRepository(uow.session, config)
    order = repo.order(record)
    change = request_change(order, new_id(), requested(data), principal.user, utcnow())
    return repo.add_change(change, assess(order, change, config.lead_times))


def approve_order_change(uow: UnitOfWork, config: OrdersConfig, principal: Principal, order_id: str,
                         change_id: str, data: dict) -> ChangeRequestRecord:
    move = begin(uow, config, principal, order_id)
    change_record = move.repo.change_record(order_id, change_id)
    change = move.repo.change(change_record)
    # Work for added goods starts when the change is approved, not when it was asked for.
    impact = assess(move.order, change, config.lead_times, as_of=config.calendar.local_date(move.at))
    approve_change(move.order, change, impact, move.by, principal.roles, move.at, data.get("note"))
    previous = move.order.current
    version = apply_change(move.order, change, move.by, move.at)
    if version.delivery_date != previous.delivery_date:
        _reschedule(move.plan, version.delivery_date, config)
    record = move.save()
    move.repo.save_change(change_record, change)
    publish_order_event(uow, config, record, "orders.order.changed", at=move.at, actor=move.by,
                        change_id=change.id, previous_version=previous.number, delta_amount=impact.delta_amount,
                        delta_cost=impact.delta_cost, previous_delivery_date=previous.delivery_date,
                        reason=change.change.reason)
    return change_record


def reject_order_change(uow: UnitOfWork, config: OrdersConfig, principal: Principal, order_id: str,
                        change_id: str, data: dict) -> ChangeRequestRecord:
    load_order(uow, config, principal, order_id, lock=True)
    repo = OrderRepository(uow.session, config)
    change_record = repo.change_record(order_id, change_id)
    change = repo.change(change_record)
    reject_change(change, principal.user, principal.roles, utcnow(), data["reason"])
    repo.save_change(change_record, change)
    return change_record


def requested(data: dict) -> RequestedChange:
    return RequestedChange(
        reason=data["reason"],
        quantity_changes=tuple(QuantityChange(q["product_code"], q["quantity"])
                               for q in data.get("quantity_changes", ())),
        added_items=tuple(OrderItem(**item) for item in data.get("added_items", ())),
        removed_items=tuple(data.get("removed_items", ())),
        new_delivery_date=data.get("new_delivery_date"),
    )


def _reschedule(plan: ExecutionPlan, delivery_date, config: OrdersConfig) -> None:
    """Unfinished stages move with the new delivery date, planned backwards as at creation."""
    names = [stage.name for stage in plan.stages]
    if any(name not in config.lead_times.days for name in names):
        return  # the plan predates a change of stages; its dates are edited by hand
    fresh = {stage.name: stage for stage in default_plan(delivery_date, None, config.lead_times, names).stages}
    for stage in plan.stages:
        if stage.status is not StageStatus.DONE:
            plan.reschedule(stage.name, fresh[stage.name].due_date)
            stage.planned_start = fresh[stage.name].planned_start
