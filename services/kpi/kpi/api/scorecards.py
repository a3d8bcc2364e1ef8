"""/scorecards: targets and weights per rep or team and period, evaluations, scores."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page

from kpi.api.common import config, current, current_principal, now, saved, uow
from kpi.commands import scorecards as commands
from kpi.errors import NotFound
from kpi.presenters import metric_json
from kpi.schemas import EvaluationIn, EvaluationOut, PeriodQuery, ScorecardIn, ScorecardOut, ScoredOut

SUBJECT = "/<any(rep, team):kind>/<subject>/<period>"


def scored_json(card: commands.ScoredCard) -> dict:
    result = card.result
    lines = [{**line.__dict__, "detail": metric_json(card.metrics[line.metric])} for line in result.lines]
    return {"scorecard": card.row, "lines": lines, "results_score": result.results_score,
            "evaluation_score": result.evaluation_score,
            "evaluation_by_source": {k.value: str(v) for k, v in result.evaluation_by_source.items()},
            "final_score": result.final_score, "note": result.note or None}


def blueprint() -> Blueprint:
    blp = Blueprint("scorecards", __name__, url_prefix="/scorecards",
                    description="Targets, weights, evaluations and the weighted score per rep or team and period")

    @blp.route("")
    class Scorecards(MethodView):
        @blp.arguments(PeriodQuery, location="query")
        @blp.response(200, ScorecardOut(many=True))
        @blp.paginate(Page)
        def get(self, args):
            """The scorecards of a period the caller may see."""
            period = commands.scorecard_period(args["period"], current())
            return commands.list_scorecards(uow().session, current_principal(), period)

    @blp.route(SUBJECT)
    class OneScorecard(MethodView):
        @blp.response(200, ScoredOut)
        def get(self, kind, subject, period):
            """Target, actual, attainment and points per metric; evaluations; the final weighted score."""
            session, projection = uow().session, current()
            row = commands.visible_scorecard(session, current_principal(), kind, subject,
                                             commands.scorecard_period(period, projection))
            return scored_json(commands.scored(session, projection, row))

        @blp.arguments(ScorecardIn)
        @blp.response(200, ScorecardOut)
        def put(self, data, kind, subject, period):
            """Set (or replace) the targets and weights — by the period's first day, by a supervisor
            for the team, a manager for the region, a director for anyone."""
            row = commands.set_targets(uow().session, config(), current(), current_principal(), kind, subject,
                                       period, data, now())
            return saved(row)

    @blp.route(SUBJECT + "/evaluations")
    class Evaluations(MethodView):
        @blp.arguments(EvaluationIn)
        @blp.response(201, EvaluationOut)
        def post(self, data, kind, subject, period):
            """Record a supervisor, self, customer or peer evaluation (0–100), once per evaluator."""
            session, projection = uow().session, current()
            principal = current_principal()
            row = commands.find_scorecard(session, kind, subject, commands.scorecard_period(period, projection))
            if row is None:
                raise NotFound(f"no scorecard for {kind} {subject} in {period}")
            return saved(commands.add_evaluation(session, principal, row, data, now()))

    return blp
