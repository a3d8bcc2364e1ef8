"""The Orders HTTP API: one flask-smorest Blueprint per resource, a module each
(common.py: what every view reaches for).

Views are short: read the arguments, call a command, commit, present. Who may
do what is checked here (roles) and in the commands (the order must be one
the caller sees: 404 otherwise). Domain refusals become problem documents
through DOMAIN_ERRORS.
"""
from __future__ import annotations

from salesloop.fx import UnknownRate, fx_blueprint

from orders.api import changes, lifecycle, orders, plans
from orders.domain.errors import IllegalTransition, InvalidInput, NotAllowed, RuleViolation
from orders.repository import OrderNotFound

DOMAIN_ERRORS: dict[type, int] = {
    OrderNotFound: 404,
    IllegalTransition: 409,
    InvalidInput: 422,
    RuleViolation: 422,
    UnknownRate: 422,
    NotAllowed: 403,
}


def blueprints() -> list:
    return [orders.orders_blueprint(), lifecycle.lifecycle_blueprint(), plans.plan_blueprint(),
            changes.changes_blueprint(), fx_blueprint()]
