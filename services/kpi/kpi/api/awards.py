"""/awards: sales champion and most improved of a period."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from kpi.api.common import current, uow
from kpi.commands.awards import awards
from kpi.commands.common import period_from
from kpi.domain.periods import previous
from kpi.repository import reps_of
from kpi.schemas import AwardsOut, SliceArgs, award_json, period_field


class AwardsQuery(SliceArgs):
    period = period_field()


blp = Blueprint("awards", __name__, url_prefix="/awards", description="Sales champion and most improved")


@blp.route("")
class Awards(MethodView):
    @blp.arguments(AwardsQuery, location="query")
    @blp.response(200, AwardsOut)
    def get(self, args):
        """Highest revenue, and highest revenue growth vs the previous period, among all reps
        (or the reps of a team or region: ?team= / ?region=). Ties share the award."""
        session, projection = uow().session, current()
        period = period_from(args["period"], projection)
        reps = _reps(session, args)
        champion, improved = awards(session, projection, period, reps)
        return {"period": period.label(), "previous_period": previous(period).label(),
                "sales_champion": award_json(champion), "most_improved": award_json(improved)}


def _reps(session, args) -> set[str] | None:
    if args.get("team"):
        return reps_of(session, team=args["team"])
    if args.get("region"):
        return reps_of(session, region=args["region"])
    return None
