"""Moving an order through its life: confirm, start fulfilment, ship, deliver,
accept or dispute, settle — or cancel before it ships.

Each move is the domain's ``Order.move_to`` (409 when illegal, 422 when a
detail is missing), kept in the history with who and when, and announced by
its event in the same transaction. Shipping and delivery also drive the last
stage of the execution plan (shipping).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from salesloop.uow import UnitOfWork
from salesloop.web.auth import Principal

from orders.commands.common import load_order, publish_order_event
from orders.config import OrdersConfig
from orders.repository import utc
from orders.domain.errors import IllegalTransition, InvalidInput
from orders.domain.lifecycle import OrderState
from orders.domain.order import Order
from orders.domain.plan import ExecutionPlan, StageStatus
from orders.models import OrderRecord
from orders.repository import OrderRepository, utcnow

# Clocks drift: a delivery or payment time a minute ahead of ours is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class Move:
    """An order loaded for a command, and what the command did to it."""

    repo: OrderRepository
    record: OrderRecord
    order: Order
    plan: ExecutionPlan
    by: str
    at: datetime
    previous: OrderState | None = None

    def to(self, target: OrderState, **details) -> None:
        self.previous = self.order.state
        self.order.move_to(target, self.by, self.at, **{k: v for k, v in details.items() if v is not None})

    def save(self) -> OrderRecord:
        self.repo.save(self.record, self.order, self.plan)
        return self.record


def begin(uow: UnitOfWork, config: OrdersConfig, principal: Principal, order_id: str) -> Move:
    record = load_order(uow, config, principal, order_id, lock=True)
    repo = OrderRepository(uow.session, config)
    return Move(repo, record, repo.order(record), repo.plan(record), principal.user, utcnow())


def _finish(uow: UnitOfWork, config: OrdersConfig, move: Move, event_type: str, **extra) -> OrderRecord:
    record = move.save()
    publish_order_event(uow, config, record, event_type, at=move.at, actor=move.by, **extra)
    return record


def confirm_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
                  order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    move.to(OrderState.CONFIRMED, note=data.get("note"))
    return _finish(uow, config, move, "orders.order.confirmed")


def start_fulfilment(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
                     order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    enter_fulfilment(uow, config, move, note=data.get("note"))
    return move.save()


def enter_fulfilment(uow: UnitOfWork, config: OrdersConfig, move: Move, note: str | None = None) -> None:
    """Confirmed → in_fulfilment, announced (also when a stage's start does it)."""
    move.to(OrderState.IN_FULFILMENT, note=note)
    publish_order_event(uow, config, move.save(), "orders.order.fulfilment_started", at=move.at, actor=move.by)


def ship_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
               order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    move.to(OrderState.SHIPPED, carrier=data["carrier"], tracking_number=data["tracking_number"],
            note=data.get("note"))
    _start_shipping_stage(move, config)
    record = move.record
    record.carrier, record.tracking_number, record.shipped_at = data["carrier"], data["tracking_number"], move.at
    return _finish(uow, config, move, "orders.order.shipped", carrier=data["carrier"],
                   tracking_number=data["tracking_number"], shipped_at=move.at)


def deliver_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
                  order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    delivered_at = data.get("delivered_at") or move.at
    _check_moment("delivered_at", delivered_at, not_before=move.record.shipped_at, now=move.at,
                  earlier_than="the shipment")
    move.to(OrderState.DELIVERED, note=data.get("note"), delivered_at=delivered_at)
    _complete_shipping_stage(move)
    move.record.delivered_at = delivered_at
    return _finish(uow, config, move, "orders.order.delivered", delivered_at=delivered_at)


def accept_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
                 order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    move.to(OrderState.ACCEPTED, comment=data.get("comment"), resolution=data.get("resolution"))
    return _finish(uow, config, move, "orders.order.accepted", accepted_at=move.at,
                   resolution=data.get("resolution"))


def dispute_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
                  order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    move.to(OrderState.DISPUTED, reason=data["reason"])
    move.record.closing_reason = data["reason"]
    return _finish(uow, config, move, "orders.order.disputed", reason=data["reason"], disputed_at=move.at)


def settle_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
                 order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    paid_at = data.get("paid_at") or move.at
    _check_moment("paid_at", paid_at, now=move.at)
    paid_date = config.calendar.local_date(paid_at)
    move.to(OrderState.SETTLED, payment_amount=data["paid_amount"], currency=data["currency"],
            paid_date=paid_date, note=data.get("note"))
    move.record.paid_amount, move.record.paid_at = data["paid_amount"], paid_at
    return _finish(uow, config, move, "orders.order.settled", paid_amount=data["paid_amount"], paid_at=paid_at,
                   paid_date=paid_date, note=data.get("note"))


def cancel_order(uow: UnitOfWork, config: OrdersConfig, principal: Principal,
                 order_id: str, data: dict) -> OrderRecord:
    move = begin(uow, config, principal, order_id)
    move.to(OrderState.CANCELLED, reason=data["reason"])
    move.record.closing_reason = data["reason"]
    return _finish(uow, config, move, "orders.order.cancelled", reason=data["reason"],
                   previous_status=str(move.previous), cancelled_at=move.at)


# -- the plan's shipping stage ------------------------------------------------------------------
def _start_shipping_stage(move: Move, config: OrdersConfig) -> None:
    """Goods ship once every earlier stage is done (unless configured otherwise)."""
    *earlier, last = move.plan.stages
    unfinished = [stage.name for stage in earlier if stage.status is not StageStatus.DONE]
    if unfinished and config.ship_requires_plan:
        raise IllegalTransition(
            move.previous, OrderState.SHIPPED, (),
            message=f"the order cannot ship before {', '.join(unfinished)} "
                    f"{'is' if len(unfinished) == 1 else 'are'} done (see its execution plan)")
    if not unfinished and last.status is StageStatus.PENDING:
        move.plan.start(last.name, move.by, move.at)


def _complete_shipping_stage(move: Move) -> None:
    *earlier, last = move.plan.stages
    if last.status is StageStatus.DONE or any(stage.status is not StageStatus.DONE for stage in earlier):
        return
    if last.status is StageStatus.BLOCKED:
        move.plan.unblock(last.name, move.by, move.at)  # it arrived: whatever blocked it is over
    move.plan.complete(last.name, move.by, move.at)


def _check_moment(field: str, moment: datetime, *, now: datetime, not_before: datetime | None = None,
                  earlier_than: str = "") -> None:
    if moment > now + CLOCK_SKEW:
        raise InvalidInput({field: ["must not be in the future"]})
    if not_before is not None and moment < utc(not_before):
        raise InvalidInput({field: [f"must not be earlier than {earlier_than} ({utc(not_before).isoformat()})"]})
