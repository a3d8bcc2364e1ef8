"""The order ledger: what each order event does to revenue, cost and order count.

Revenue is booked when an order is *created* (from a signed contract, a
storefront purchase or a phone order), not when it is settled: the rep earned it
when the customer committed, and settlement lags by weeks into periods the rep
did not work in. A cancellation reverses the order in the period it happens —
like a credit note — so a closed month, and the commission paid on it, never
changes afterwards. A change that alters the amount reverses the old figures
and books the new ones on the day of the change.

Revenue and cost stay with the rep, team, region and source the order had when
it was created, so a cancellation claws back from whoever was credited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .facts import ORDER_CANCELLED, ORDER_CHANGED, ORDER_CREATED, Fact

_PROCESSING_RANK = {ORDER_CREATED: 0, ORDER_CHANGED: 1, ORDER_CANCELLED: 2}

# product code (None: an order published without lines) → (revenue, cost or None)
Book = dict[str | None, tuple[Decimal, Decimal | None]]


class MovementKind(StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class LineMovement:
    product: str | None  # None: the whole order, which has no lines
    revenue: Decimal  # company currency, exact
    cost: Decimal | None  # None: cost unknown


@dataclass(frozen=True)
class OrderMovement:
    order_id: str
    kind: MovementKind
    occurred_at: datetime
    origin: Fact  # carries the dimensions the order is credited to
    order_delta: int  # +1 created, -1 cancelled, 0 changed
    lines: tuple[LineMovement, ...]

    def products(self) -> tuple[str, ...]:
        """The products the order was created with: what the order counts for."""
        return self.origin.product_codes

    def lines_for(self, product: str | None) -> tuple[LineMovement, ...]:
        """The lines that count for a product filter. An order without lines
        counts whole for each product it names (the best we can do)."""
        if product is None:
            return self.lines
        return tuple(
            line
            for line in self.lines
            if line.product == product
            or (line.product is None and product in self.products())
        )

    def counts_for(self, product: str | None) -> bool:
        """Whether the order's +1/−1 counts under a product filter."""
        return product is None or product in self.products()

    def concerns(self, product: str | None) -> bool:
        return self.counts_for(product) or bool(self.lines_for(product))


def _book_of(fact: Fact, currency: str) -> Book | None:
    if fact.lines:
        book: Book = {}
        for line in fact.lines:
            revenue, cost = book.get(line.product, (Decimal(0), Decimal(0)))
            line_cost = line.cost.in_company(currency) if line.cost else None
            book[line.product] = (
                revenue + line.amount.in_company(currency),
                None if cost is None or line_cost is None else cost + line_cost,
            )
        return book
    if fact.amount is None:
        return None
    cost = fact.cost.in_company(currency) if fact.cost else None
    return {None: (fact.amount.in_company(currency), cost)}


def _lines(book: Book, sign: int) -> tuple[LineMovement, ...]:
    return tuple(
        LineMovement(product, sign * revenue, None if cost is None else sign * cost)
        for product, (revenue, cost) in book.items()
    )


def _processing_order(facts: Iterable[Fact]) -> list[Fact]:
    return sorted(
        facts,
        key=lambda fact: (
            fact.occurred_at,
            _PROCESSING_RANK[fact.event_type],
            fact.fact_id,
        ),
    )


def movements_of_order(order_facts: Iterable[Fact], currency: str) -> list[OrderMovement]:
    """The movements of one order, from all the facts known about it.

    Depends only on the set of facts, not on their arrival order. A duplicate
    creation is ignored; so is anything after a cancellation. A cancellation
    whose creation is not among the facts reverses the amount it carries.
    """
    movements: list[OrderMovement] = []
    book: Book | None = None
    origin: Fact | None = None
    for fact in _processing_order(f for f in order_facts if f.event_type in _PROCESSING_RANK):
        order_id = fact.order_id or ""
        if fact.event_type == ORDER_CREATED:
            if origin is not None:
                continue
            origin, book = fact, _book_of(fact, currency) or {}
            movements.append(
                OrderMovement(order_id, MovementKind.CREATED, fact.occurred_at,
                              origin, +1, _lines(book, +1))
            )
        elif fact.event_type == ORDER_CHANGED:
            new_book = _book_of(fact, currency)
            if origin is None or book is None or new_book is None or new_book == book:
                continue
            movements.append(
                OrderMovement(order_id, MovementKind.CHANGED, fact.occurred_at, origin,
                              0, _lines(book, -1) + _lines(new_book, +1))
            )
            book = new_book
        else:
            reversed_book = book if origin is not None else _book_of(fact, currency)
            movements.append(
                OrderMovement(order_id, MovementKind.CANCELLED, fact.occurred_at,
                              origin or fact, -1, _lines(reversed_book or {}, -1))
            )
            break
    return movements


def group_order_facts(facts: Iterable[Fact]) -> dict[str, list[Fact]]:
    by_order: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.event_type in _PROCESSING_RANK and fact.order_id:
            by_order[fact.order_id].append(fact)
    return by_order


def order_movements(facts: Iterable[Fact], currency: str) -> list[OrderMovement]:
    """Every order movement implied by `facts` (give each order's history)."""
    return [
        movement
        for order_facts in group_order_facts(facts).values()
        for movement in movements_of_order(order_facts, currency)
    ]


def first_orders(facts: Iterable[Fact]) -> dict[str, Fact]:
    """Per customer, the creation fact of their first order that was not
    cancelled: the order that made them a customer.

    A cancelled first order does not make anyone a customer, so cancelling it
    moves the customer's "new" date to their next order (or removes it).
    """
    created: dict[str, Fact] = {}
    cancelled: set[str] = set()
    for order_id, order_facts in group_order_facts(facts).items():
        for fact in order_facts:
            if fact.event_type == ORDER_CANCELLED:
                cancelled.add(order_id)
            elif fact.event_type == ORDER_CREATED:
                known = created.get(order_id)
                if known is None or (fact.occurred_at, fact.fact_id) < (
                    known.occurred_at,
                    known.fact_id,
                ):
                    created[order_id] = fact
    firsts: dict[str, Fact] = {}
    for order_id, fact in created.items():
        if order_id in cancelled or not fact.customer_id:
            continue
        known = firsts.get(fact.customer_id)
        if known is None or (fact.occurred_at, fact.fact_id) < (
            known.occurred_at,
            known.fact_id,
        ):
            firsts[fact.customer_id] = fact
    return firsts
