"""/deals/{id}/proposals: versioned quotes and the customer's answer."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.auth import require_roles

from deals.api.common import SALES_ROLES, config, current_principal, saved, uow
from deals.commands import proposals as commands
from deals.schemas import proposal_view
from deals.schemas import ProposalIn, ProposalOut, ProposalPatch, RejectIn


def blueprint() -> Blueprint:
    blp = Blueprint("proposals", __name__, url_prefix="/deals",
                    description="Proposals: versions with line items, discounts, tax and totals")

    @blp.route("/<deal_id>/proposals")
    class Proposals(MethodView):
        @blp.response(200, ProposalOut(many=True))
        def get(self, deal_id):
            """Every version, oldest first."""
            return [proposal_view(row) for row in commands.list_proposals(uow(), current_principal(), deal_id)]

        @require_roles(*SALES_ROLES)
        @blp.arguments(ProposalIn)
        @blp.response(201, ProposalOut)
        def post(self, data, deal_id):
            """Start the next version (a copy of the previous one's items unless you give new ones)."""
            row = commands.create_proposal(uow(), config(), current_principal(), deal_id, data)
            return saved(proposal_view(row))

    @blp.route("/<deal_id>/proposals/<int:version>")
    class OneProposal(MethodView):
        @blp.response(200, ProposalOut)
        def get(self, deal_id, version):
            return proposal_view(commands.get_proposal(uow(), current_principal(), deal_id, version))

        @require_roles(*SALES_ROLES)
        @blp.arguments(ProposalPatch)
        @blp.response(200, ProposalOut)
        def patch(self, data, deal_id, version):
            """Edit a draft; a sent version stays what the customer saw."""
            row = commands.edit_proposal(uow(), config(), current_principal(), deal_id, version, data)
            return saved(proposal_view(row))

    @blp.route("/<deal_id>/proposals/<int:version>/send")
    class Send(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.response(200, ProposalOut)
        def post(self, deal_id, version):
            """Send to the customer (publishes deals.proposal.sent)."""
            row = commands.send_proposal(uow(), config(), current_principal(), deal_id, version)
            return saved(proposal_view(row))

    @blp.route("/<deal_id>/proposals/<int:version>/accept")
    class Accept(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.response(200, ProposalOut)
        def post(self, deal_id, version):
            """The customer accepted this version (at most one per deal, while still valid)."""
            row = commands.accept_proposal(uow(), config(), current_principal(), deal_id, version)
            return saved(proposal_view(row))

    @blp.route("/<deal_id>/proposals/<int:version>/reject")
    class Reject(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.arguments(RejectIn)
        @blp.response(200, ProposalOut)
        def post(self, data, deal_id, version):
            """The customer turned this version down."""
            row = commands.reject_proposal(uow(), config(), current_principal(), deal_id, version, data["reason"])
            return saved(proposal_view(row))

    return blp
