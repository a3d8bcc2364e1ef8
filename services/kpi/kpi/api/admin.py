"""/admin: rebuild the projections from the fact log, run the ABC classification now."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from salesloop.web.auth import require_roles
from sqlalchemy import func, select

from kpi.api.common import config, current, now, uow
from kpi.commands.classification import ClassifyCustomers, classify_now
from kpi.commands.rebuild import RebuildProjections, rebuild_projections
from kpi.models import FactRow, RollupRow
from kpi.schemas import ClassifyIn, ClassifyOut, ProjectionOut, RebuildIn, RebuildOut

OPERATORS = ("ops",)


blp = Blueprint("admin", __name__, url_prefix="/admin", description="Operations on the KPI projections")


@blp.route("/projection")
class Projection(MethodView):
    @require_roles(*OPERATORS, "director")
    @blp.response(200, ProjectionOut)
    def get(self):
        """The calendar the counters are in, the last rebuild, and whether the configuration differs."""
        session, projection, settings = uow().session, current(), config()
        return {"timezone": projection.timezone, "currency": projection.currency,
                "configured_timezone": settings.timezone, "configured_currency": settings.currency,
                "needs_rebuild": (projection.timezone, projection.currency) != (settings.timezone,
                                                                                settings.currency),
                "rebuilt_at": projection.rebuilt_at, "rebuilt_facts": projection.rebuilt_facts,
                "facts": session.execute(select(func.count()).select_from(FactRow)).scalar(),
                "rollup_rows": session.execute(select(func.count()).select_from(RollupRow)).scalar()}


@blp.route("/rebuild")
class Rebuild(MethodView):
    @require_roles(*OPERATORS)
    @blp.arguments(RebuildIn)
    @blp.response(200, RebuildOut)
    def post(self, _body):
        """Drop the rollups and the rep directory and rebuild them from the fact log (in the
        configured timezone). Workers wait meanwhile; the result equals the live counters."""
        return rebuild_projections(uow(), config(), RebuildProjections(at=now())).__dict__


@blp.route("/classify")
class Classify(MethodView):
    @require_roles(*OPERATORS)
    @blp.arguments(ClassifyIn)
    @blp.response(200, ClassifyOut)
    def post(self, data):
        """Run the ABC classification now (the worker runs it daily); changes are published."""
        as_of, changes = classify_now(uow(), config(), ClassifyCustomers(data.get("as_of"), at=now()))
        return {"as_of": as_of, "changes": [
            {"customer_id": c.customer_id, "previous": c.previous.value if c.previous else None,
             "current": c.current.value} for c in changes]}

