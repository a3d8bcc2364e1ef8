"""/deals: the pipeline, one deal at a time."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.app import audit_read
from salesloop.web.auth import require_roles
from salesloop.web.paging import select_page

from deals.api.common import SALES_ROLES, config, current_principal, saved, uow, utcnow
from deals.commands import deals as commands
from deals.commands import queries
from deals.commands.common import visible_deal
from deals.models import CustomerRow
from deals.schemas import deal_detail, deal_view
from deals.schemas import (
    DealDetailOut,
    DealIn,
    DealOut,
    DealPage,
    DealPatch,
    DealQuery,
    ProbabilityIn,
    ReopenIn,
    StageChangeOut,
    StageMoveIn,
)


def blueprint() -> Blueprint:
    blp = Blueprint("deals", __name__, url_prefix="/deals",
                    description="Deals: stages, probability and grade, follow-up priority")

    @blp.route("")
    class Deals(MethodView):
        @blp.arguments(DealQuery, location="query")
        @blp.response(200, DealPage)
        def get(self, filters):
            """Deals you can see, filtered and sorted, a page at a time."""
            query = queries.deals_query(current_principal(), filters)
            now = utcnow()
            return select_page(uow().session, query, filters, lambda row: deal_view(row, now))

        @require_roles(*SALES_ROLES)
        @blp.arguments(DealIn)
        @blp.response(201, DealOut)
        def post(self, data):
            """Open a deal by hand (deals from converted leads open by themselves)."""
            row = commands.open_deal(uow(), config(), current_principal(), data)
            return saved(deal_view(row, utcnow()))

    @blp.route("/<deal_id>")
    class OneDeal(MethodView):
        @blp.response(200, DealDetailOut)
        def get(self, deal_id):
            """The deal with its customer (contact masked unless you may see it) and stage history."""
            principal = current_principal()
            row = visible_deal(uow(), principal, deal_id)
            shown, unmasked = deal_detail(row, uow().session.get(CustomerRow, row.customer_id), principal, utcnow())
            if unmasked:
                audit_read(f"/deals/{deal_id}", {"customer_id": row.customer_id})
            return shown

        @require_roles(*SALES_ROLES)
        @blp.arguments(DealPatch)
        @blp.response(200, DealOut)
        def patch(self, data, deal_id):
            """Change an open deal's facts; owner, team and region only by a supervisor or manager."""
            row = commands.update_deal(uow(), config(), current_principal(), deal_id, data)
            return saved(deal_view(row, utcnow()))

    @blp.route("/<deal_id>/stage")
    class Stage(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.arguments(StageMoveIn)
        @blp.response(200, DealOut)
        def post(self, data, deal_id):
            """Move forward, back, or to lost (with a reason); won comes only from a signed contract."""
            row = commands.move_deal(uow(), config(), current_principal(), deal_id, data)
            return saved(deal_view(row, utcnow()))

    @blp.route("/<deal_id>/reopen")
    class Reopen(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.arguments(ReopenIn)
        @blp.response(200, DealOut)
        def post(self, data, deal_id):
            """Bring a lost deal back into an open stage, saying why."""
            row = commands.reopen_deal(uow(), config(), current_principal(), deal_id, data)
            return saved(deal_view(row, utcnow()))

    @blp.route("/<deal_id>/probability")
    class Probability(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.arguments(ProbabilityIn)
        @blp.response(200, DealOut)
        def put(self, data, deal_id):
            """The owner's own win probability; null returns to the stage default."""
            row = commands.set_probability(uow(), config(), current_principal(), deal_id, data["probability"])
            return saved(deal_view(row, utcnow()))

    @blp.route("/<deal_id>/history")
    class History(MethodView):
        @blp.response(200, StageChangeOut(many=True))
        def get(self, deal_id):
            """Every stage move: who, when, why."""
            return visible_deal(uow(), current_principal(), deal_id).changes

    return blp
