"""/surveys: the customer's single-use answer link (public) and the staff's list.

The link is also what a customer opens in a browser: asked for text/html first, it
answers with the survey page (``service_desk.pages.survey``) and programs keep the JSON.
"""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_limiter.errors import RateLimitExceeded
from salesloop.web.blueprint import Blueprint

from salesloop.web.fields import PageOf, page_of
from salesloop.web.app import rate_limited, uow
from salesloop.web.auth import current_principal, public
from salesloop.web.errors import Problem, problem_response
from salesloop.web.pages import wants_html

from service_desk import repository
from service_desk.commands import surveys
from service_desk.domain.errors import SurveyExpired
from service_desk.domain.surveys import CSAT_RANGE, NPS_RANGE
from service_desk.api.common import committed, now
from service_desk.pages import survey as survey_page
from service_desk.schemas import SurveyAnswerIn, SurveyOut, SurveyPublicOut, SurveyQuery, SurveyThanksOut

THANKS = "感谢您的评价！Thank you for your feedback!"
SCALES = {"csat": [CSAT_RANGE.start, CSAT_RANGE.stop - 1], "nps": [NPS_RANGE.start, NPS_RANGE.stop - 1]}


def blueprint() -> Blueprint:
    blp = Blueprint("surveys", __name__, url_prefix="/surveys",
                    description="Satisfaction surveys: one per delivered order and per resolved complaint.")

    @blp.route("")
    class Surveys(MethodView):
        @blp.arguments(SurveyQuery, location="query")
        @blp.response(200, PageOf(SurveyOut))
        def get(self, args):
            """Surveys of the caller's orders (a rep's own, a supervisor's team…), with their answers."""
            rows, total = repository.surveys(
                uow(), current_principal(), args, args["page"], args["page_size"])
            return page_of(rows, args, total)

    @blp.route("/<token>")
    class SurveyLink(MethodView):
        @public
        @rate_limited()
        @blp.response(200, SurveyPublicOut)
        def get(self, token):
            """What the answer page shows: whether the link can still be used."""
            if wants_html():
                return survey_page.link_page(token)
            row, survey = surveys.survey_for_link(uow(), token)
            return {"about": "order" if row.order_id else "ticket", "order_id": row.order_id,
                    "ticket_id": row.ticket_id, "expires_at": row.expires_at, "answered": survey.is_answered,
                    "expired": survey.is_expired(now()), "scales": SCALES}

        @public
        @rate_limited()
        @blp.arguments(SurveyAnswerIn)
        @blp.response(200, SurveyThanksOut)
        def post(self, data, token):
            """Answer once: CSAT 1-5, NPS 0-10, an optional comment."""
            try:
                row = committed(surveys.answer_survey(uow(), token, data))
            except SurveyExpired as exc:
                raise Problem(410, "Gone", exc.message, kind="survey-expired") from exc
            return {"answered_at": row.answered_at, "message": THANKS}

    @blp.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded) -> Response:
        """A browser over the link's rate limit gets a page; a program the usual problem+json."""
        if request.endpoint == "surveys.SurveyLink" and wants_html():
            return survey_page.status_page(429)
        return problem_response(429, exc.name, exc.description, kind="too-many-requests")

    return blp
