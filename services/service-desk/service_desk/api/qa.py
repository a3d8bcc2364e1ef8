"""/qa/rules (compliance rules) and /qa/reviews (supervisors' sampled reviews)."""
from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.fields import PageOf, page_of
from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles

from service_desk import repository
from service_desk.commands import qa
from service_desk.commands.common import visible_row
from service_desk.domain.qa import DEFAULT_REVIEW_FORM
from service_desk.models import QaReviewRow, QaRuleRow
from service_desk.repository import get_row
from service_desk.api.common import AGENTS, SUPERVISORS, committed, desk
from service_desk.schemas import (
    CheckIn,
    CheckOut,
    ReviewFormOut,
    ReviewOut,
    ReviewQuery,
    RuleIn,
    RuleOut,
    RulePatchIn,
    RuleQuery,
    SampleIn,
    ScoreIn,
)


def rules_blueprint() -> Blueprint:
    blp = Blueprint("qa_rules", __name__, url_prefix="/qa",
                    description="Compliance rules: phrases or patterns (Chinese and English) with a category "
                                "and a severity, applied to every logged interaction.")

    @blp.route("/rules")
    class Rules(MethodView):
        @require_roles(*AGENTS)
        @blp.arguments(RuleQuery, location="query")
        @blp.response(200, RuleOut(many=True))
        def get(self, args):
            """The rules (the configured starting set until someone edits them)."""
            return committed(qa.list_rules(uow(), desk(), args))

        @require_roles(*SUPERVISORS)
        @blp.arguments(RuleIn)
        @blp.response(201, RuleOut)
        def post(self, data):
            """Add a rule; a regular expression is checked before it is saved."""
            return committed(qa.create_rule(uow(), desk(), current_principal(), data))

    @blp.route("/rules/<rule_id>")
    class RuleById(MethodView):
        @require_roles(*AGENTS)
        @blp.response(200, RuleOut)
        def get(self, rule_id):
            """One rule."""
            return get_row(uow(), QaRuleRow, rule_id, "compliance rule")

        @require_roles(*SUPERVISORS)
        @blp.arguments(RulePatchIn)
        @blp.response(200, RuleOut)
        def patch(self, data, rule_id):
            """Change a rule, or switch it on or off."""
            return committed(qa.update_rule(uow(), desk(), current_principal(), rule_id, data))

        @require_roles(*SUPERVISORS)
        @blp.response(204)
        def delete(self, rule_id):
            """Switch a rule off (kept, so past violations still name it)."""
            committed(qa.deactivate_rule(uow(), desk(), current_principal(), rule_id))

    @blp.route("/check")
    class Check(MethodView):
        @require_roles(*AGENTS)
        @blp.arguments(CheckIn)
        @blp.response(200, CheckOut)
        def post(self, data):
            """Try a text against the active rules (nothing is recorded)."""
            return {"hits": committed(qa.check_text(uow(), desk(), data["text"]))}

    return blp


def reviews_blueprint() -> Blueprint:
    blp = Blueprint("qa_reviews", __name__, url_prefix="/qa",
                    description="Supervisors sample interactions per agent and period, and score them.")

    @blp.route("/reviews")
    class Reviews(MethodView):
        @require_roles(*AGENTS)
        @blp.arguments(ReviewQuery, location="query")
        @blp.response(200, PageOf(ReviewOut))
        def get(self, args):
            """Reviews the caller may see (an agent sees their own)."""
            rows, total = repository.reviews(
                uow(), current_principal(), args, args["page"], args["page_size"])
            return page_of(rows, args, total)

    @blp.route("/reviews/sample")
    class Sample(MethodView):
        @require_roles(*SUPERVISORS)
        @blp.arguments(SampleIn)
        @blp.response(201, ReviewOut(many=True))
        def post(self, data):
            """Draw a random, reproducible sample per agent within the period (same seed: same sample)."""
            return committed(qa.sample_reviews(uow(), current_principal(), data))

    @blp.route("/reviews/<review_id>")
    class ReviewById(MethodView):
        @require_roles(*AGENTS)
        @blp.response(200, ReviewOut)
        def get(self, review_id):
            """One review."""
            return visible_row(uow(), current_principal(), QaReviewRow, review_id, "review")

    @blp.route("/reviews/<review_id>/score")
    class Score(MethodView):
        @require_roles(*SUPERVISORS)
        @blp.arguments(ScoreIn)
        @blp.response(200, ReviewOut)
        def post(self, data, review_id):
            """Score a sampled interaction on the review form (a critical item at 0 fails it)."""
            return committed(qa.score_review(uow(), current_principal(), review_id, data))

    @blp.route("/review-form")
    class Form(MethodView):
        @blp.response(200, ReviewFormOut)
        def get(self):
            """The review form: items, weights, maximum points, critical items."""
            return {"items": [asdict(item) for item in DEFAULT_REVIEW_FORM.items]}

    return blp
