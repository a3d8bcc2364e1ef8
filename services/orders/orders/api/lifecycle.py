"""/orders/{id}/…: the steps of an order's life, from confirmation to settlement."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.auth import require_roles
from salesloop.web.blueprint import Blueprint

from orders import commands
from orders import schemas as s
from orders.api.common import FINANCE, OPERATIONS, SALES, detail, run


def lifecycle_blueprint() -> Blueprint:
    blp = Blueprint("order_lifecycle", __name__, url_prefix="/orders",
                              description="Confirm, fulfil, ship, deliver, accept or dispute, settle, cancel")

    @blp.route("/<order_id>/confirm")
    class Confirm(MethodView):
        @require_roles(*SALES)
        @blp.arguments(s.NoteIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """created → confirmed (with the customer)."""
            return detail(run(commands.confirm_order, order_id, data))

    @blp.route("/<order_id>/start-fulfilment")
    class StartFulfilment(MethodView):
        @require_roles(*OPERATIONS)
        @blp.arguments(s.NoteIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """confirmed → in_fulfilment (starting a plan stage does it too)."""
            return detail(run(commands.start_fulfilment, order_id, data))

    @blp.route("/<order_id>/ship")
    class Ship(MethodView):
        @require_roles(*OPERATIONS)
        @blp.arguments(s.ShipIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """in_fulfilment → shipped, with carrier and tracking number, once the earlier stages are done."""
            return detail(run(commands.ship_order, order_id, data))

    @blp.route("/<order_id>/deliver")
    class Deliver(MethodView):
        @require_roles(*OPERATIONS)
        @blp.arguments(s.DeliverIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """shipped → delivered; publishes orders.order.delivered with this request's trace."""
            return detail(run(commands.deliver_order, order_id, data))

    @blp.route("/<order_id>/accept")
    class Accept(MethodView):
        @require_roles(*SALES)
        @blp.arguments(s.AcceptIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """delivered | disputed → accepted (a dispute needs its resolution)."""
            return detail(run(commands.accept_order, order_id, data))

    @blp.route("/<order_id>/dispute")
    class Dispute(MethodView):
        @require_roles(*SALES)
        @blp.arguments(s.ReasonIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """delivered → disputed, with the customer's reason."""
            return detail(run(commands.dispute_order, order_id, data))

    @blp.route("/<order_id>/settle")
    class Settle(MethodView):
        @require_roles(*FINANCE)
        @blp.arguments(s.SettleIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """accepted | disputed → settled: the payment received (a different amount needs a note)."""
            return detail(run(commands.settle_order, order_id, data))

    @blp.route("/<order_id>/cancel")
    class Cancel(MethodView):
        @require_roles(*SALES)
        @blp.arguments(s.ReasonIn)
        @blp.response(200, s.OrderOut)
        def post(self, data, order_id):
            """Cancel an order that has not shipped, with the reason."""
            return detail(run(commands.cancel_order, order_id, data))

    return blp
