"""/orders: an order from a contract or the phone, lists and one order."""
from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles
from salesloop.web.blueprint import Blueprint
from salesloop.web.fields import offset_of, page_of
from sqlalchemy.exc import IntegrityError

from orders import commands, repository
from orders import schemas as s
from orders.api.common import SALES, config, detail
from orders.commands.common import load_order
from orders.schemas import history_entry, order_summary, version_view
from orders.repository import OrderNotFound, OrderRepository


def orders_blueprint() -> Blueprint:
    blp = Blueprint("orders", __name__, url_prefix="/orders",
                           description="Orders from contracts, the storefront and the phone")

    @blp.route("")
    class Orders(MethodView):
        @blp.arguments(s.OrderQuery, location="query")
        @blp.response(200, s.OrderSummaryPage)
        def get(self, filters):
            """Orders the caller sees, filtered (e.g. ?contract_id=…, ?storefront_order_id=…) and sorted."""
            rows, total = repository.list_orders(uow().session, current_principal(), filters,
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
