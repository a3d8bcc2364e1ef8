"""What every Orders view reaches for: the roles, the configuration, the detail view, running a command."""
from __future__ import annotations

from flask import current_app
from salesloop.web.app import audit_read, uow
from salesloop.web.auth import current_principal

from orders.config import OrdersConfig, orders_config
from orders.schemas import order_detail, shows_personal_data
from orders.repository import utcnow

SALES = ("rep", "cs_agent", "supervisor", "manager", "director", "ops")
OPERATIONS = ("ops", "supervisor", "manager", "director")
FINANCE = ("ops", "manager", "director")
APPROVERS = ("manager", "director")


def config() -> OrdersConfig:
    extensions = current_app.extensions
    if "orders_config" not in extensions:
        extensions["orders_config"] = orders_config(extensions["salesloop"].runtime.settings)
    return extensions["orders_config"]


def detail(record) -> dict:
    view = order_detail(record, current_principal(), config(), utcnow())
    if shows_personal_data(view):
        audit_read(f"/orders/{record.id}", {"order_id": record.id, "fields": ["customer_contact"]})
    return view


def run(command, *args):
    """Run a command in the request's unit of work and commit it."""
    unit = uow()
    result = command(unit, config(), current_principal(), *args)
    unit.commit()
    return result
