"""Change requests: a customer or rep asks to change quantities, add or remove
items, or move the delivery date of an order that has not shipped yet.

The flow is request → assess → approve | reject → apply. Approval needs a
manager-like role and someone other than the requester. Applying produces
version n+1 of the order; version n stays exactly as it was.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from orders.domain.currency import fx_rate_problem
from orders.domain.errors import IllegalTransition, InvalidInput, NotAllowed, RuleViolation
from orders.domain.items import OrderItem, compute_amounts, item_errors
from orders.domain.lifecycle import CHANGEABLE_STATES
from orders.domain.order import Order, OrderVersion
from orders.domain.plan import LeadTimes
from orders.domain.validation import (
    NOT_AWARE,
    ErrorCollector,
    Errors,
    date_problem,
    decimal_problem,
    is_aware,
    text_problem,
)

APPROVER_ROLES = frozenset({"manager", "director", "admin"})


class ChangeStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"


_STATUS_MOVES = MappingProxyType({
    ChangeStatus.REQUESTED: (ChangeStatus.APPROVED, ChangeStatus.REJECTED),
    ChangeStatus.APPROVED: (ChangeStatus.APPLIED,),
    ChangeStatus.REJECTED: (),
    ChangeStatus.APPLIED: (),
})


@dataclass(frozen=True)
class QuantityChange:
    product_code: str
    quantity: Decimal  # the new quantity, not a difference


@dataclass(frozen=True)
class RequestedChange:
    reason: str
    quantity_changes: tuple[QuantityChange, ...] = ()
    added_items: tuple[OrderItem, ...] = ()
    removed_items: tuple[str, ...] = ()  # product codes
    new_delivery_date: date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.quantity_changes or self.added_items or self.removed_items
                    or self.new_delivery_date is not None)


@dataclass(frozen=True)
class Impact:
    """What a change would do to the order, shown to whoever approves it."""

    change_id: str
    base_version: int
    currency: str
    delta_amount: Decimal
    delta_cost: Decimal | None  # None when a cost is unknown before or after
    new_total: Decimal
    new_total_cost: Decimal | None
    new_gross_profit: Decimal | None
    current_delivery_date: date
    new_delivery_date: date
    days_late: int  # calendar days the new date falls after the current promise
    earliest_feasible_date: date | None  # None when nothing must be bought or made again
    requested_date_feasible: bool
    cost_note: str | None = None


@dataclass(eq=False)
class ChangeRequest:
    id: str
    order_id: str
    base_version: int
    change: RequestedChange
    requested_by: str
    requested_at: datetime
    status: ChangeStatus = ChangeStatus.REQUESTED
    impact: Impact | None = None  # the assessment the approver accepted
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    applied_at: datetime | None = None
    applied_version: int | None = None


def validate_change(version: OrderVersion, change: RequestedChange, today: date) -> Errors:
    """Field-level problems of ``change`` against ``version``; empty when it can be requested."""
    errors = ErrorCollector()
    _add(errors, "reason", text_problem(change.reason, 2000))
    if change.is_empty:
        errors.add("change", "asks for nothing: change a quantity, add or remove an item, or move the delivery date")
    on_order = {item.product_code for item in version.items}
    removed = _check_removals(change.removed_items, on_order, errors)
    _check_quantity_changes(version, change.quantity_changes, removed, errors)
    _check_additions(change.added_items, on_order - removed, errors)
    if on_order and on_order <= removed and not change.added_items:
        errors.add("removed_items", "would leave the order without items; cancel the order instead")
    if change.new_delivery_date is not None:
        problem = date_problem(change.new_delivery_date)
        if problem:
            errors.add("new_delivery_date", problem)
        elif change.new_delivery_date < today:
            errors.add("new_delivery_date", "must not be in the past")
        elif change.new_delivery_date == version.delivery_date:
            errors.add("new_delivery_date", "is already the delivery date")
    return errors.as_dict()


def request_change(order: Order, change_id: str, change: RequestedChange,
                   by: str, at: datetime) -> ChangeRequest:
    """A new change request against the order's current version."""
    _ensure_changeable(order)
    errors = ErrorCollector()
    _add(errors, "id", text_problem(change_id, 64))
    _check_actor(by, at, errors)
    if is_aware(at):
        errors.extend(validate_change(order.current, change, order.calendar.local_date(at)))
    errors.raise_if_any("the change cannot be requested")
    return ChangeRequest(change_id, order.id, order.current.number, change, by, at.astimezone(UTC))


def changed_items(version: OrderVersion, change: RequestedChange) -> tuple[OrderItem, ...]:
    """The item list after the change: kept lines in order, then added lines."""
    removed = set(change.removed_items)
    new_quantities = {qc.product_code: qc.quantity for qc in change.quantity_changes}
    kept = tuple(
        item.with_quantity(new_quantities[item.product_code]) if item.product_code in new_quantities else item
        for item in version.items
        if item.product_code not in removed
    )
    return kept + tuple(change.added_items)


def assess(order: Order, change: ChangeRequest, lead_times: LeadTimes,
           *, as_of: date | None = None) -> Impact:
    """The change's effect on amounts and delivery.

    More goods (an added item or a raised quantity) must go through every stage
    again, so the earliest feasible delivery is ``as_of`` (by default the day
    the change was requested) plus the full lead time.
    """
    version = _base_version(order, change)
    before = version.amounts
    after = compute_amounts(changed_items(version, change.change), version.currency)
    delta_cost = None
    if before.total_cost is not None and after.total_cost is not None:
        delta_cost = after.total_cost - before.total_cost
    wanted = change.change.new_delivery_date or version.delivery_date
    earliest = None
    if _needs_more_goods(version, change.change):
        start = as_of or lead_times.calendar.local_date(change.requested_at)
        earliest = lead_times.calendar.add_working_days(start, lead_times.total())
    new_date = max(wanted, earliest) if earliest else wanted
    unknown_cost = before.cost_note or after.cost_note
    return Impact(
        change_id=change.id, base_version=version.number, currency=version.currency,
        delta_amount=after.total - before.total, delta_cost=delta_cost,
        new_total=after.total, new_total_cost=after.total_cost, new_gross_profit=after.gross_profit,
        current_delivery_date=version.delivery_date, new_delivery_date=new_date,
        days_late=max(0, (new_date - version.delivery_date).days),
        earliest_feasible_date=earliest, requested_date_feasible=earliest is None or wanted >= earliest,
        cost_note=unknown_cost,
    )


def approve_change(order: Order, change: ChangeRequest, impact: Impact, by: str,
                   roles: Iterable[str], at: datetime, note: str | None = None,
                   approver_roles: frozenset[str] = APPROVER_ROLES) -> ChangeRequest:
    """Approves ``change`` with the ``impact`` the approver saw."""
    _ensure_changeable(order)
    _base_version(order, change)
    if impact.change_id != change.id or impact.base_version != change.base_version:
        raise RuleViolation(
            f"the impact shown was assessed for change {impact.change_id} on version "
            f"{impact.base_version}, not for change {change.id} on version {change.base_version}; assess again"
        )
    _decide(change, ChangeStatus.APPROVED, by, roles, at, note, approver_roles)
    change.impact = impact
    return change


def reject_change(change: ChangeRequest, by: str, roles: Iterable[str], at: datetime,
                  reason: str, approver_roles: frozenset[str] = APPROVER_ROLES) -> ChangeRequest:
    problem = text_problem(reason, 2000)
    if problem:
        raise InvalidInput({"reason": [problem]}, "the change cannot be rejected")
    _decide(change, ChangeStatus.REJECTED, by, roles, at, reason, approver_roles)
    return change


def apply_change(order: Order, change: ChangeRequest, by: str, at: datetime,
                 fx_rate: Decimal | None = None) -> OrderVersion:
    """Adds version n+1 to the order; ``fx_rate`` is today's rate, else the previous one is kept."""
    _ensure_changeable(order)
    _ensure_status_move(change, ChangeStatus.APPLIED)
    version = _base_version(order, change)
    if change.impact is None:
        raise RuleViolation(f"change request {change.id} was approved without an assessment; assess it again")
    errors = ErrorCollector()
    _check_actor(by, at, errors)
    if fx_rate is not None:
        _add(errors, "fx_rate", fx_rate_problem(fx_rate, version.currency, order.company_currency))
    errors.raise_if_any("the change cannot be applied")
    new_version = OrderVersion(
        number=version.number + 1,
        items=changed_items(version, change.change),
        currency=version.currency,
        fx_rate=version.fx_rate if fx_rate is None else fx_rate,
        delivery_date=change.impact.new_delivery_date,
        created_at=at.astimezone(UTC),
        created_by=by,
        change_id=change.id,
    )
    order.add_version(new_version)
    change.status = ChangeStatus.APPLIED
    change.applied_at, change.applied_version = new_version.created_at, new_version.number
    return new_version


def _decide(change: ChangeRequest, status: ChangeStatus, by: str, roles: Iterable[str],
            at: datetime, note: str | None, approver_roles: frozenset[str]) -> None:
    _ensure_status_move(change, status)
    errors = ErrorCollector()
    _check_actor(by, at, errors)
    _add(errors, "note", text_problem(note, 2000, required=False))
    errors.raise_if_any(f"the change cannot be {status}")
    if not approver_roles & set(roles):
        raise NotAllowed(
            f"only {', '.join(sorted(approver_roles))} may decide on a change request"
        )
    if by == change.requested_by:
        raise NotAllowed("the requester cannot decide on their own change request")
    change.status = status
    change.decided_by, change.decided_at, change.decision_note = by, at.astimezone(UTC), note


def _ensure_changeable(order: Order) -> None:
    if order.state not in CHANGEABLE_STATES:
        raise IllegalTransition(
            order.state, "changed", (),
            message=f"order {order.id} is {order.state}: changes are accepted only "
                    "before the order ships (created, confirmed, in_fulfilment)",
        )


def _ensure_status_move(change: ChangeRequest, target: ChangeStatus) -> None:
    allowed = _STATUS_MOVES[change.status]
    if target not in allowed:
        raise IllegalTransition(change.status, target, allowed, what=f"change request {change.id}")


def _base_version(order: Order, change: ChangeRequest) -> OrderVersion:
    if change.order_id != order.id:
        raise RuleViolation(f"change request {change.id} belongs to order {change.order_id}, not {order.id}")
    if change.base_version != order.current.number:
        raise RuleViolation(
            f"change request {change.id} was made on version {change.base_version} "
            f"but the order is now at version {order.current.number}; request it again"
        )
    return order.current


def _needs_more_goods(version: OrderVersion, change: RequestedChange) -> bool:
    if change.added_items:
        return True
    current = {item.product_code: item.quantity for item in version.items}
    return any(
        quantity_change.quantity > current.get(quantity_change.product_code, quantity_change.quantity)
        for quantity_change in change.quantity_changes
    )


def _check_removals(codes: tuple[str, ...], on_order: set[str], errors: ErrorCollector) -> set[str]:
    removed: set[str] = set()
    for index, code in enumerate(codes):
        path = f"removed_items.{index}"
        if code not in on_order:
            errors.add(path, f"{code} is not on the order")
        elif code in removed:
            errors.add(path, f"{code} is removed twice")
        removed.add(code)
    return removed


def _check_quantity_changes(version: OrderVersion, changes: tuple[QuantityChange, ...],
                            removed: set[str], errors: ErrorCollector) -> None:
    seen: set[str] = set()
    for index, quantity_change in enumerate(changes):
        path = f"quantity_changes.{index}"
        code = quantity_change.product_code
        item = version.item(code) if isinstance(code, str) else None
        if item is None:
            errors.add(f"{path}.product_code", f"{code} is not on the order")
        elif code in removed:
            errors.add(f"{path}.product_code", f"{code} is also being removed")
        elif code in seen:
            errors.add(f"{path}.product_code", f"{code} is changed twice")
        seen.add(code)
        problem = decimal_problem(quantity_change.quantity)
        if problem:
            errors.add(f"{path}.quantity", problem)
        elif quantity_change.quantity <= 0:
            errors.add(f"{path}.quantity", "must be greater than 0; remove the item instead")
        elif item is not None and quantity_change.quantity == item.quantity:
            errors.add(f"{path}.quantity", "is already the ordered quantity")


def _check_additions(items: tuple[OrderItem, ...], remaining: set[str], errors: ErrorCollector) -> None:
    seen: set[str | None] = set()  # None for an entry that is not an item (item_errors reports it)
    for index, item in enumerate(items):
        path = f"added_items.{index}"
        errors.extend(item_errors(item), path)
        code = getattr(item, "product_code", None)
        if code in remaining:
            errors.add(f"{path}.product_code", f"{code} is already on the order; change its quantity instead")
        elif code in seen:
            errors.add(f"{path}.product_code", f"{code} is added twice")
        seen.add(code)


def _add(errors: ErrorCollector, path: str, problem: str | None) -> None:
    if problem:
        errors.add(path, problem)


def _check_actor(by: object, at: object, errors: ErrorCollector) -> None:
    _add(errors, "by", text_problem(by, 100))
    if not is_aware(at):
        errors.add("at", NOT_AWARE)
