"""The order's life: created → confirmed → in_fulfilment → shipped → delivered
→ accepted | disputed → settled, or cancelled before it ships.

``transition`` decides whether a move is legal and what it must carry (a
carrier and tracking number to ship, a reason to dispute or cancel, the
payment to settle) and returns the ``HistoryEntry`` to record. It knows
nothing of amounts; ``Order.move_to`` adds the checks that need them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import cast

from orders.domain.currency import currency_problem
from orders.domain.errors import IllegalTransition, InvalidInput
from orders.domain.validation import (
    NOT_AWARE,
    ErrorCollector,
    date_problem,
    decimal_problem,
    is_aware,
    text_problem,
)

TEXT_MAX = 2000
REFERENCE_MAX = 100


class OrderState(StrEnum):
    CREATED = "created"
    CONFIRMED = "confirmed"
    IN_FULFILMENT = "in_fulfilment"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    DISPUTED = "disputed"
    SETTLED = "settled"
    CANCELLED = "cancelled"


_S = OrderState
ALLOWED_TARGETS: Mapping[OrderState, tuple[OrderState, ...]] = MappingProxyType({
    _S.CREATED: (_S.CONFIRMED, _S.CANCELLED),
    _S.CONFIRMED: (_S.IN_FULFILMENT, _S.CANCELLED),
    _S.IN_FULFILMENT: (_S.SHIPPED, _S.CANCELLED),
    _S.SHIPPED: (_S.DELIVERED,),
    _S.DELIVERED: (_S.ACCEPTED, _S.DISPUTED),
    _S.ACCEPTED: (_S.SETTLED,),
    _S.DISPUTED: (_S.ACCEPTED, _S.SETTLED),
    _S.SETTLED: (),
    _S.CANCELLED: (),
})

# Goods that have left the warehouse can no longer be changed or cancelled.
CHANGEABLE_STATES = frozenset({_S.CREATED, _S.CONFIRMED, _S.IN_FULFILMENT})
FINAL_STATES = frozenset({_S.SETTLED, _S.CANCELLED})

# in_fulfilment has no event type in DESIGN §2; the plan's stage updates tell it.
_EVENT_TYPES = MappingProxyType({
    _S.CREATED: "orders.order.created",
    _S.CONFIRMED: "orders.order.confirmed",
    _S.SHIPPED: "orders.order.shipped",
    _S.DELIVERED: "orders.order.delivered",
    _S.ACCEPTED: "orders.order.accepted",
    _S.DISPUTED: "orders.order.disputed",
    _S.SETTLED: "orders.order.settled",
    _S.CANCELLED: "orders.order.cancelled",
})


@dataclass(frozen=True)
class HistoryEntry:
    from_state: OrderState | None  # None only for the entry that creates the order
    to_state: OrderState
    by: str
    at: datetime  # UTC
    details: Mapping[str, object]


def allowed_targets(state: OrderState | str) -> tuple[OrderState, ...]:
    return ALLOWED_TARGETS[_known_state(state, "state")]


def is_changeable(state: OrderState | str) -> bool:
    return _known_state(state, "state") in CHANGEABLE_STATES


def event_type_for(state: OrderState | str) -> str | None:
    """The event announcing arrival in ``state``, or None when it has none."""
    return _EVENT_TYPES.get(_known_state(state, "state"))


def transition(order_state: OrderState | str, target: OrderState | str,
               by: str, at: datetime, **details: object) -> HistoryEntry:
    """The history entry for moving from ``order_state`` to ``target``.

    Raises IllegalTransition when the move is not allowed and InvalidInput
    when ``by``, ``at`` or a detail the move needs is missing or wrong.
    """
    current = _known_state(order_state, "order_state")
    allowed = ALLOWED_TARGETS[current]
    wanted = _target_state(current, target, allowed)
    errors = ErrorCollector()
    _check_actor(by, at, errors)
    for field, problem in _detail_problems(current, wanted, at, details):
        errors.add(field, problem)
    errors.raise_if_any(f"cannot move the order to {wanted}")
    return HistoryEntry(current, wanted, by, at.astimezone(UTC), MappingProxyType(dict(details)))


def creation_entry(by: str, at: datetime, **details: object) -> HistoryEntry:
    """The first history entry of every order."""
    errors = ErrorCollector()
    _check_actor(by, at, errors)
    errors.raise_if_any("cannot create the order")
    return HistoryEntry(None, _S.CREATED, by, at.astimezone(UTC), MappingProxyType(dict(details)))


def replay(history: Iterable[HistoryEntry]) -> OrderState:
    """The state a recorded history ends in; refuses a history with a gap."""
    state: OrderState | None = None
    for index, entry in enumerate(history):
        expected = (_S.CREATED,) if state is None else ALLOWED_TARGETS[state]
        if entry.from_state != state or entry.to_state not in expected:
            raise InvalidInput({f"history.{index}": [
                f"{entry.from_state} → {entry.to_state} does not follow {state or 'the start'}"
            ]})
        state = entry.to_state
    if state is None:
        raise InvalidInput({"history": ["must contain at least the creation entry"]})
    return state


def _known_state(value: OrderState | str, field: str) -> OrderState:
    try:
        return OrderState(value)
    except ValueError:
        raise InvalidInput({field: [f"{value!r} is not an order state"]}) from None


def _target_state(current: OrderState, target: OrderState | str,
                  allowed: tuple[OrderState, ...]) -> OrderState:
    try:
        wanted = OrderState(target)
    except ValueError:
        raise IllegalTransition(current, target, allowed) from None
    if wanted not in allowed:
        raise IllegalTransition(current, wanted, allowed)
    return wanted


def _check_actor(by: object, at: object, errors: ErrorCollector) -> None:
    problem = text_problem(by, REFERENCE_MAX)
    if problem:
        errors.add("by", problem)
    if not is_aware(at):
        errors.add("at", NOT_AWARE)


def _detail_problems(current: OrderState, target: OrderState, at: datetime,
                     details: Mapping[str, object]) -> Iterable[tuple[str, str]]:
    for field in _required_text(current, target):
        problem = text_problem(details.get(field), TEXT_MAX if field != "tracking_number" else REFERENCE_MAX)
        if problem:
            yield field, problem
    for field in ("note", "comment"):
        if field in details:
            problem = text_problem(details[field], TEXT_MAX, required=False)
            if problem:
                yield field, problem
    if target is _S.SETTLED:
        yield from _payment_problems(at, details)


def _required_text(current: OrderState, target: OrderState) -> tuple[str, ...]:
    if target is _S.SHIPPED:
        return ("carrier", "tracking_number")
    if target in (_S.DISPUTED, _S.CANCELLED):
        return ("reason",)
    if current is _S.DISPUTED and target is _S.ACCEPTED:
        return ("resolution",)
    if current is _S.DISPUTED and target is _S.SETTLED:
        # Settling a dispute without accepting it must say how it ended.
        return ("note",)
    return ()


def _payment_problems(at: datetime, details: Mapping[str, object]) -> Iterable[tuple[str, str]]:
    amount = details.get("payment_amount")
    problem = "is required" if amount is None else decimal_problem(amount)
    if problem:
        yield "payment_amount", problem
    elif cast(Decimal, amount) < 0:  # decimal_problem passed: a finite Decimal
        yield "payment_amount", "must be 0 or more"
    problem = currency_problem(details.get("currency"))
    if problem:
        yield "currency", problem
    paid = details.get("paid_date")
    problem = date_problem(paid)
    if problem:
        yield "paid_date", problem
    elif is_aware(at) and cast(date, paid) > _latest_possible_local_date(at):  # date_problem passed
        yield "paid_date", "must not be in the future"


def _latest_possible_local_date(at: datetime) -> date:
    # The payer's local day may run up to 14 hours ahead of UTC (UTC+14).
    return (at.astimezone(UTC) + timedelta(hours=14)).date()
