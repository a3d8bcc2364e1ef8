"""Execution plans: stages, owners, due dates, progress, and overdue stages."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles
from salesloop.web.blueprint import Blueprint

from orders import commands, repository
from orders import schemas as s
from orders.api.common import OPERATIONS, config, run
from orders.commands.common import load_order
from orders.schemas import overdue_stage_view, plan_view
from orders.repository import utcnow


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
            rows = repository.overdue_stages(uow().session, current_principal(), config(), now, filters)
            return [overdue_stage_view(stage, order, config(), now) for stage, order in rows]

    return blp
