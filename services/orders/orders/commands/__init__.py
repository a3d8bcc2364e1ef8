"""The service's commands: each a short story told with the domain, called by
a view or an event handler, which then commits the unit of work."""
from orders.commands.changes import approve_order_change, reject_order_change, request_order_change
from orders.commands.creation import create_order_from_contract, create_order_from_storefront, place_phone_order
from orders.commands.lifecycle import (
    accept_order,
    cancel_order,
    confirm_order,
    deliver_order,
    dispute_order,
    settle_order,
    ship_order,
    start_fulfilment,
)
from orders.commands.stages import edit_stage, report_overdue_stages, work_on_stage

__all__ = [
    "accept_order", "approve_order_change", "cancel_order", "confirm_order", "create_order_from_contract",
    "create_order_from_storefront", "deliver_order", "dispute_order", "edit_stage", "place_phone_order",
    "reject_order_change", "report_overdue_stages", "request_order_change", "settle_order", "ship_order",
    "start_fulfilment", "work_on_stage",
]
