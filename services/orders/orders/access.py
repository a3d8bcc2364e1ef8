"""Who sees which order: the shared scopes, plus customer care.

A rep sees their own orders, a supervisor the team's, a manager the region's,
ops, directors and admins all. Customer-care agents answer calls about any
order, so they read every order too (personal data stays masked for them).
"""
from __future__ import annotations

from sqlalchemy import true

from salesloop.web.auth import Principal, can_see, visibility_clause

from orders.models import OrderRecord

READ_EVERY_ORDER = frozenset({"cs_agent"})


def can_see_order(principal: Principal, record: OrderRecord) -> bool:
    if principal.roles & READ_EVERY_ORDER:
        return True
    return can_see(principal, record.rep_id, record.team, record.region)


def visible_orders(principal: Principal):
    """A WHERE clause selecting the orders ``principal`` may see."""
    if principal.roles & READ_EVERY_ORDER:
        return true()
    return visibility_clause(principal, OrderRecord.rep_id, OrderRecord.team, OrderRecord.region)
