"""/orders/{id}/changes: changes to an order asked for, approved and applied."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles
from salesloop.web.blueprint import Blueprint

from orders import commands
from orders import schemas as s
from orders.api.common import APPROVERS, SALES, config, run
from orders.commands.common import load_order
from orders.schemas import change_view
from orders.repository import OrderRepository


def changes_blueprint() -> Blueprint:
    blp = Blueprint("order_changes", __name__, url_prefix="/orders",
                            description="Change requests: assessed, approved or rejected, applied as a new version")

    @blp.route("/<order_id>/changes")
    class Changes(MethodView):
        @blp.response(200, s.ChangeOut(many=True))
        def get(self, order_id):
            load_order(uow(), config(), current_principal(), order_id)
            return [change_view(c) for c in OrderRepository(uow().session, config()).changes(order_id)]

        @require_roles(*SALES)
        @blp.arguments(s.ChangeIn)
        @blp.response(201, s.ChangeOut)
        def post(self, data, order_id):
            """Ask for a change; the answer carries its assessed impact on amounts and delivery."""
            return change_view(run(commands.request_order_change, order_id, data))

    @blp.route("/<order_id>/changes/<change_id>")
    class Change(MethodView):
        @blp.response(200, s.ChangeOut)
        def get(self, order_id, change_id):
            load_order(uow(), config(), current_principal(), order_id)
            return change_view(OrderRepository(uow().session, config()).change_record(order_id, change_id))

    @blp.route("/<order_id>/changes/<change_id>/approve")
    class ApproveChange(MethodView):
        @require_roles(*APPROVERS)
        @blp.arguments(s.NoteIn)
        @blp.response(200, s.ChangeOut)
        def post(self, data, order_id, change_id):
            """Approve (a manager, not the requester): the order gets its next version."""
            return change_view(run(commands.approve_order_change, order_id, change_id, data))

    @blp.route("/<order_id>/changes/<change_id>/reject")
    class RejectChange(MethodView):
        @require_roles(*APPROVERS)
        @blp.arguments(s.ReasonIn)
        @blp.response(200, s.ChangeOut)
        def post(self, data, order_id, change_id):
            return change_view(run(commands.reject_order_change, order_id, change_id, data))

    return blp
