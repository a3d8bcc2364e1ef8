"""Who sees which order: the shared scopes, with customer care as for every
customer-facing record.

A rep sees their own orders, a supervisor the team's, a manager the region's,
ops, directors and admins all; a customer-care agent the orders of their own
region (personal data stays masked for them).
"""
from __future__ import annotations

from salesloop.web.auth import Principal, can_serve, serving_clause

from orders.models import OrderRecord


def can_see_order(principal: Principal, record: OrderRecord) -> bool:
    return can_serve(principal, record.rep_id, record.team, record.region)


def visible_orders(principal: Principal):
    """A WHERE clause selecting the orders ``principal`` may see."""
    return serving_clause(principal, OrderRecord.rep_id, OrderRecord.team, OrderRecord.region)
