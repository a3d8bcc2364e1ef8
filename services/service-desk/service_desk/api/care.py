"""/care/tasks (return visits and greetings) and /customers (our copy of them)."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.fields import PageOf, page_of
from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles

from service_desk import repository
from service_desk.commands import care
from service_desk.commands.common import visible_row
from service_desk.models import CareTaskRow, CustomerRow
from service_desk.schemas import customer_view, customers_view
from service_desk.api.common import AGENTS, SUPERVISORS, committed, desk
from service_desk.schemas import (
    CareTaskOut,
    CareTaskQuery,
    CompleteTaskIn,
    CustomerOut,
    CustomerPatchIn,
    CustomerQuery,
)

CARE_STAFF = (*AGENTS, "rep")  # a customer's rep makes the return visit


def tasks_blueprint() -> Blueprint:
    blp = Blueprint("care_tasks", __name__, url_prefix="/care/tasks",
                    description="Care tasks scheduled from the customer's ABC class, birthdays and holidays.")

    @blp.route("")
    class Tasks(MethodView):
        @blp.arguments(CareTaskQuery, location="query")
        @blp.response(200, PageOf(CareTaskOut))
        def get(self, args):
            """The caller's care tasks (a supervisor's team's…), soonest first."""
            rows, total = repository.care_tasks(
                uow(), current_principal(), args, args["page"], args["page_size"])
            return page_of(rows, args, total)

    @blp.route("/<task_id>")
    class TaskById(MethodView):
        @blp.response(200, CareTaskOut)
        def get(self, task_id):
            """One care task."""
            return visible_row(uow(), current_principal(), CareTaskRow, task_id, "care task")

    @blp.route("/<task_id>/complete")
    class Complete(MethodView):
        @require_roles(*CARE_STAFF)
        @blp.arguments(CompleteTaskIn)
        @blp.response(200, CareTaskOut)
        def post(self, data, task_id):
            """Done, with notes; the next return visit counts from this day."""
            return committed(care.complete_task(uow(), desk(), current_principal(), task_id, data))

    return blp


def customers_blueprint() -> Blueprint:
    blp = Blueprint("customers", __name__, url_prefix="/customers",
                    description="The desk's copy of the customers (from leads and KPI events).")

    @blp.route("")
    class Customers(MethodView):
        @blp.arguments(CustomerQuery, location="query")
        @blp.response(200, PageOf(CustomerOut))
        def get(self, args):
            """Customers the caller may see; contact data masked without the right to see it."""
            rows, total = repository.customers(
                uow(), current_principal(), args, args["page"], args["page_size"])
            return page_of(customers_view(rows, current_principal(), "/customers"), args, total)

    @blp.route("/<customer_id>")
    class CustomerById(MethodView):
        @blp.response(200, CustomerOut)
        def get(self, customer_id):
            """One customer."""
            row = visible_row(uow(), current_principal(), CustomerRow, customer_id, "customer", owner="owner_rep_id")
            return customers_view([row], current_principal(), f"/customers/{customer_id}")[0]

        @require_roles(*SUPERVISORS, "rep")
        @blp.arguments(CustomerPatchIn)
        @blp.response(200, CustomerOut)
        def patch(self, data, customer_id):
            """Whether the customer wants birthday and holiday greetings."""
            row = committed(care.set_greetings(uow(), current_principal(), customer_id, data))
            return customer_view(row, current_principal())

    return blp
