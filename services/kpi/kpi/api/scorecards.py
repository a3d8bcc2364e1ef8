"""/scorecards: targets and weights per rep or team and period, evaluations, scores."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from kpi.api.common import config, current, current_principal, now, page, uow
from kpi.commands import scorecards as commands
from kpi.schemas import (
    EvaluationIn,
    EvaluationOut,
    PeriodListQuery,
    ScorecardIn,
    ScorecardOut,
    ScorecardPage,
    ScoredOut,
    metric_json,
)

SUBJECT = "/<any(rep, team):kind>/<subject>/<period>"


def scored_json(card: commands.ScoredCard) -> dict:
    result = card.result
    lines = [{**line.__dict__, "detail": metric_json(card.metrics[line.metric])} for line in result.lines]
    return {"scorecard": card.row, "lines": lines, "results_score": result.results_score,
            "evaluation_score": result.evaluation_score,
            "evaluation_by_source": {k.value: str(v) for k, v in result.evaluation_by_source.items()},
            "final_score": result.final_score, "note": result.note or None}


blp = Blueprint("scorecards", __name__, url_prefix="/scorecards",
                description="Targets, weights, evaluations and the weighted score per rep or team and period")


@blp.route("")
class Scorecards(MethodView):
    @blp.arguments(PeriodListQuery, location="query")
    @blp.response(200, ScorecardPage)
    def get(self, args):
        """The scorecards of a period the caller may see."""
        period = commands.scorecard_period(args["period"], current())
        return page(commands.list_scorecards(uow().session, current_principal(), period), args)


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
        command = commands.SetTargets(kind, subject, period, data["targets"], data.get("rules") or {},
                                      by=current_principal(), at=now())
        return commands.set_targets(uow(), config(), current(), command)


@blp.route(SUBJECT + "/evaluations")
class Evaluations(MethodView):
    @blp.arguments(EvaluationIn)
    @blp.response(201, EvaluationOut)
    def post(self, data, kind, subject, period):
        """Record a supervisor, self, customer or peer evaluation (0–100), once per evaluator."""
        command = commands.AddEvaluation(kind, subject, period, data["source"], data["score"], data.get("evaluator"),
                                         data.get("comment"), by=current_principal(), at=now())
        return commands.add_evaluation(uow(), current(), command)

