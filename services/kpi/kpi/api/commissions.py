"""/commission-plans and /commissions: plans, who they pay, statements per rep and period."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page
from sqlalchemy import select

from salesloop.web.auth import require_roles

from kpi import access
from kpi.api.common import current, current_principal, now, saved, uow
from kpi.commands import commissions as commands
from kpi.commands.common import period_from
from kpi.errors import NotFound
from kpi.models import CommissionPlanRow
from kpi.schemas import (
    AssignmentIn,
    AssignmentOut,
    PeriodQuery,
    PlanIn,
    PlanOut,
    StatementItemOut,
    StatementOut,
)

PLAN_OWNERS = ("director",)
PLAN_READERS = ("supervisor", "manager", "director", "ops")


def statement_json(statement) -> dict:
    return {
        "rep_id": statement.rep, "period": statement.period.label(), "plan": statement.plan,
        "currency": statement.currency,
        "attainment_percent": {basis.value: None if value is None else str(value)
                               for basis, value in statement.attainment_percent.items()},
        "lines": [{"kind": line.kind.value, "basis": line.basis.value, "description": line.description,
                   "slice_amount": line.slice_amount, "rate_percent": line.rate_percent, "amount": line.amount}
                  for line in statement.lines],
        "total": statement.total,
    }


def blueprint() -> Blueprint:
    blp = Blueprint("commissions", __name__, description="Commission plans (rates, tiers, bonuses) and statements")

    @blp.route("/commission-plans")
    class Plans(MethodView):
        @require_roles(*PLAN_READERS)
        @blp.response(200, PlanOut(many=True))
        @blp.paginate(Page)
        def get(self):
            """Every plan with its assignments."""
            return list(uow().session.execute(select(CommissionPlanRow).order_by(CommissionPlanRow.name)).scalars())

        @require_roles(*PLAN_OWNERS)
        @blp.arguments(PlanIn)
        @blp.response(201, PlanOut)
        def post(self, data):
            """A plan: rates on revenue and/or gross profit, marginal tiers above target, bonuses."""
            return saved(commands.create_plan(uow().session, current(), current_principal(), data, now()))

    @blp.route("/commission-plans/<int:plan_id>")
    class OnePlan(MethodView):
        @require_roles(*PLAN_READERS)
        @blp.response(200, PlanOut)
        def get(self, plan_id):
            return commands.get_plan(uow().session, plan_id)

    @blp.route("/commission-plans/<int:plan_id>/assignments")
    class Assignments(MethodView):
        @require_roles(*PLAN_OWNERS)
        @blp.arguments(AssignmentIn)
        @blp.response(201, AssignmentOut)
        def post(self, data, plan_id):
            """Pay a rep by this plan from a date (to a date); one plan per rep on any day."""
            session = uow().session
            return saved(commands.assign_plan(session, commands.get_plan(session, plan_id), data))

    @blp.route("/commissions")
    class Statements(MethodView):
        @blp.arguments(PeriodQuery, location="query")
        @blp.response(200, StatementItemOut(many=True))
        @blp.paginate(Page)
        def get(self, args):
            """The statement of every rep the caller may see who is on a plan in the period."""
            projection = current()
            period = period_from(args["period"], projection)
            return [{"rep_id": rep, "statement": statement_json(statement) if statement else None, "problem": why}
                    for rep, statement, why in commands.statements(uow().session, projection, current_principal(),
                                                                   period)]

    @blp.route("/commissions/<rep_id>/<period>")
    class OneStatement(MethodView):
        @blp.response(200, StatementOut)
        def get(self, rep_id, period):
            """How each figure of the rep's commission was reached, line by line."""
            session, projection = uow().session, current()
            if not access.can_see_subject(session, current_principal(), "rep", rep_id):
                raise NotFound(f"no commission statement for {rep_id}")
            return statement_json(commands.statement_for(session, projection, rep_id,
                                                         period_from(period, projection)))

    return blp
