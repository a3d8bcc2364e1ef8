"""The Orders HTTP API: one flask-smorest Blueprint per resource.

Views are short: read the arguments, call a command, commit, present. Who may
do what is checked here (roles) and in the commands (the order must be one
the caller sees: 404 otherwise). Domain refusals become problem documents
through DOMAIN_ERRORS.
"""
from __future__ import annotations

from flask import current_app, request, url_for
from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy.exc import IntegrityError

from salesloop.fx import UnknownRate, fx_blueprint
from salesloop.web.app import audit_read, uow
from salesloop.web.auth import current_principal, require_roles
from salesloop.web.fields import offset_of, page_of

from orders import commands, queries
from orders import schemas as s
from orders.commands.common import load_order
from orders.config import OrdersConfig, orders_config
from orders.domain.errors import IllegalTransition, InvalidInput, NotAllowed, RuleViolation
from orders.presenters import (
    change_view,
    history_entry,
    order_detail,
    order_summary,
    overdue_stage_view,
    plan_view,
    shows_personal_data,
    version_view,
)
from orders.repository import OrderNotFound, OrderRepository, utcnow

DOMAIN_ERRORS: dict[type, int] = {
    OrderNotFound: 404,
    IllegalTransition: 409,
    InvalidInput: 422,
    RuleViolation: 422,
    UnknownRate: 422,
    NotAllowed: 403,
}

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


# -- orders -------------------------------------------------------------------------------------
def orders_blueprint() -> Blueprint:
    blp = Blueprint("orders", __name__, url_prefix="/orders",
                           description="Orders from contracts, the storefront and the phone")

    @blp.route("")
    class Orders(MethodView):
        @blp.arguments(s.OrderQuery, location="query")
        @blp.response(200, s.OrderSummaryPage)
        def get(self, filters):
            """Orders the caller sees, filtered (e.g. ?contract_id=…, ?storefront_order_id=…) and sorted."""
            rows, total = queries.list_orders(uow().session, current_principal(), filters,
                                              offset_of(filters), filters["page_size"])
            return page_of([order_summary(row) for row in rows], filters, total)

        @require_roles(*SALES)
        @blp.arguments(s.PhoneOrderIn)
        @blp.response(201, s.OrderOut)
        @blp.alt_response(200, schema=s.OrderOut,
                          description="the order an earlier request with the same Idempotency-Key created")
        def post(self, data):
            """Enter a phone order. Send an Idempotency-Key header to make retries safe."""
            key = request.headers.get("Idempotency-Key")
            unit = uow()
            try:
                record, created = commands.place_phone_order(unit, config(), current_principal(), data, key)
                unit.commit()
            except IntegrityError:
                unit.rollback()
                if not key:
                    raise
                # A concurrent request with the same Idempotency-Key won the race: answer with its order.
                record, created = OrderRepository(unit.session, config()).find_by(request_key=key), False
                if record is None:
                    raise
            location = {"Location": url_for("orders.Order", order_id=record.id)}
            return detail(record), 201 if created else 200, location

    @blp.route("/<order_id>")
    class Order(MethodView):
        @blp.response(200, s.OrderOut)
        def get(self, order_id):
            return detail(load_order(uow(), config(), current_principal(), order_id))

    @blp.route("/<order_id>/history")
    class OrderHistory(MethodView):
        @blp.response(200, s.TransitionOut(many=True))
        def get(self, order_id):
            """Every transition of the order: from, to, who, when and what it carried."""
            return [history_entry(e) for e in load_order(uow(), config(), current_principal(), order_id).history]

    @blp.route("/<order_id>/versions")
    class OrderVersions(MethodView):
        @blp.response(200, s.VersionOut(many=True))
        def get(self, order_id):
            """Every version of the order, the first as created, one more per applied change."""
            return [version_view(v) for v in load_order(uow(), config(), current_principal(), order_id).versions]

    @blp.route("/<order_id>/versions/<int:number>")
    class OrderVersion(MethodView):
        @blp.response(200, s.VersionOut)
        def get(self, order_id, number):
            record = load_order(uow(), config(), current_principal(), order_id)
            version = next((v for v in record.versions if v.number == number), None)
            if version is None:
                raise OrderNotFound(f"order {order_id} has no version {number}")
            return version_view(version)

    return blp


# -- lifecycle ------------------------------------------------------------------------------------
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


# -- execution plan ------------------------------------------------------------------------------------
def plan_blueprint() -> Blueprint:
    blp = Blueprint("order_plans", __name__, description="Execution plans: stages, owners, due dates, progress")

    @blp.route("/orders/<order_id>/plan")
    class Plan(MethodView):
        @blp.response(200, s.PlanOut)
        def get(self, order_id):
            return plan_view(load_order(uow(), config(), current_principal(), order_id), config(), utcnow())

    @blp.route("/orders/<order_id>/plan/stages/<stage>")
    class PlanStage(MethodView):
        @require_roles(*OPERATIONS)
        @blp.arguments(s.StagePatchIn)
        @blp.response(200, s.PlanOut)
        def patch(self, data, order_id, stage):
            """Assign the stage's owner and/or move its due date."""
            return plan_view(run(commands.edit_stage, order_id, stage, data), config(), utcnow())

    @blp.route("/orders/<order_id>/plan/stages/<stage>/<any(start, complete, unblock):action>")
    class StageAction(MethodView):
        @require_roles(*OPERATIONS)
        @blp.response(200, s.PlanOut)
        def post(self, order_id, stage, action):
            """Start, complete or unblock a stage (a stage completes only after the earlier ones)."""
            return plan_view(run(commands.work_on_stage, order_id, stage, action, {}), config(), utcnow())

    @blp.route("/orders/<order_id>/plan/stages/<stage>/block")
    class BlockStage(MethodView):
        @require_roles(*OPERATIONS)
        @blp.arguments(s.ReasonIn)
        @blp.response(200, s.PlanOut)
        def post(self, data, order_id, stage):
            return plan_view(run(commands.work_on_stage, order_id, stage, "block", data), config(), utcnow())

    @blp.route("/overdue-stages")
    class OverdueStages(MethodView):
        @blp.arguments(s.OverdueQuery, location="query")
        @blp.response(200, s.OverdueStageOut(many=True))
        def get(self, filters):
            """Unfinished stages past their due date, on the open orders the caller sees."""
            now = utcnow()
            rows = queries.overdue_stages(uow().session, current_principal(), config(), now, filters)
            return [overdue_stage_view(stage, order, config(), now) for stage, order in rows]

    return blp


# -- change requests -------------------------------------------------------------------------------------
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


def blueprints() -> list:
    return [orders_blueprint(), lifecycle_blueprint(), plan_blueprint(), changes_blueprint(), fx_blueprint()]
