"""/commission-plans and /commissions: plans, who they pay, statements per rep and period."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from salesloop.web.auth import require_roles
from sqlalchemy import select

from kpi.api.common import current, current_principal, now, page, uow
from kpi.commands import commissions as commands
from kpi.commands.common import period_from
from kpi.domain import access
from kpi.domain.errors import NotFound
from kpi.models import CommissionPlanRow
from kpi.repository import People
from kpi.schemas import (
    AssignmentIn,
    AssignmentOut,
    ListArgs,
    PeriodListQuery,
    PlanIn,
    PlanOut,
    PlanPage,
    StatementItemPage,
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


blp = Blueprint("commissions", __name__, description="Commission plans (rates, tiers, bonuses) and statements")


@blp.route("/commission-plans")
class Plans(MethodView):
    @require_roles(*PLAN_READERS)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, PlanPage)
    def get(self, args):
        """Every plan with its assignments."""
        return page(list(uow().session.execute(select(CommissionPlanRow).order_by(CommissionPlanRow.name)).scalars()),
                    args)

    @require_roles(*PLAN_OWNERS)
    @blp.arguments(PlanIn)
    @blp.response(201, PlanOut)
    def post(self, data):
        """A plan: rates on revenue and/or gross profit, marginal tiers above target, bonuses."""
        command = commands.CreatePlan(name=data["name"], components=data["components"], bonuses=data["bonuses"],
                                      clawback=data["clawback"], currency=data.get("currency"),
                                      by=current_principal().user, at=now())
        return commands.create_plan(uow(), current(), command)


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
        return commands.assign_plan(uow(), commands.AssignPlan(plan_id, data["rep_id"], data["valid_from"],
                                                               data.get("valid_to")))


@blp.route("/commissions")
class Statements(MethodView):
    @blp.arguments(PeriodListQuery, location="query")
    @blp.response(200, StatementItemPage)
    def get(self, args):
        """The statement of every rep the caller may see who is on a plan in the period."""
        projection = current()
        period = period_from(args["period"], projection)
        return page([{"rep_id": rep, "statement": statement_json(statement) if statement else None, "problem": why}
                for rep, statement, why in commands.statements(uow().session, projection, current_principal(),
                                                                    period)], args)


@blp.route("/commissions/<rep_id>/<period>")
class OneStatement(MethodView):
    @blp.response(200, StatementOut)
    def get(self, rep_id, period):
        """How each figure of the rep's commission was reached, line by line."""
        session, projection = uow().session, current()
        if not access.can_see_subject(People(session), current_principal(), "rep", rep_id):
            raise NotFound(f"no commission statement for {rep_id}")
        return statement_json(commands.statement_for(session, projection, rep_id,
                                                     period_from(period, projection)))

