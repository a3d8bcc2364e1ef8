"""/deals/{id}/contract and /contracts: drafting, four-eyes review, signature."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.auth import require_roles
from salesloop.web.paging import select_page

from deals.api.common import APPROVERS, SALES_ROLES, config, current_principal, saved, uow
from deals.commands import contracts as commands
from deals.commands import queries
from deals.schemas import contract_view
from deals.schemas import ContractIn, ContractOut, ContractPage, ContractPatch, ContractQuery, ContractRejectIn, SignIn


def blueprint() -> Blueprint:
    blp = Blueprint("contracts", __name__, description="Contracts: draft, review, approval, signature")

    @blp.route("/contracts")
    class Contracts(MethodView):
        @blp.arguments(ContractQuery, location="query")
        @blp.response(200, ContractPage)
        def get(self, filters):
            """Contracts you can see; ?status=in_review is a manager's review queue."""
            query = queries.contracts_query(current_principal(), filters)
            return select_page(uow().session, query, filters, contract_view)

    @blp.route("/deals/<deal_id>/contract")
    class DealContract(MethodView):
        @blp.response(200, ContractOut)
        def get(self, deal_id):
            return contract_view(commands.get_contract(uow(), current_principal(), deal_id))

        @require_roles(*SALES_ROLES)
        @blp.arguments(ContractIn)
        @blp.response(201, ContractOut)
        def post(self, data, deal_id):
            """Draft the deal's contract from its accepted proposal (items and prices are copied)."""
            row = commands.draft_deal_contract(uow(), config(), current_principal(), deal_id, data)
            return saved(contract_view(row))

        @require_roles(*SALES_ROLES)
        @blp.arguments(ContractPatch)
        @blp.response(200, ContractOut)
        def patch(self, data, deal_id):
            """Change a draft's terms, delivery date or address; prices stay the proposal's."""
            row = commands.amend_contract(uow(), config(), current_principal(), deal_id, data)
            return saved(contract_view(row))

    @blp.route("/deals/<deal_id>/contract/submit")
    class Submit(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.response(200, ContractOut)
        def post(self, deal_id):
            """Submit the draft for a manager's review."""
            return saved(contract_view(commands.submit_contract(uow(), config(), current_principal(), deal_id)))

    @blp.route("/deals/<deal_id>/contract/approve")
    class Approve(MethodView):
        @require_roles(*APPROVERS)
        @blp.response(200, ContractOut)
        def post(self, deal_id):
            """Approve: a manager who is neither the deal's owner nor the drafter."""
            return saved(contract_view(commands.approve_contract(uow(), config(), current_principal(), deal_id)))

    @blp.route("/deals/<deal_id>/contract/reject")
    class Reject(MethodView):
        @require_roles(*APPROVERS)
        @blp.arguments(ContractRejectIn)
        @blp.response(200, ContractOut)
        def post(self, data, deal_id):
            """Send the contract back with a reason."""
            row = commands.reject_contract(uow(), config(), current_principal(), deal_id, data["reason"])
            return saved(contract_view(row))

    @blp.route("/deals/<deal_id>/contract/revise")
    class Revise(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.response(200, ContractOut)
        def post(self, deal_id):
            """Take a rejected contract back to draft."""
            return saved(contract_view(commands.revise_contract(uow(), config(), current_principal(), deal_id)))

    @blp.route("/deals/<deal_id>/contract/sign")
    class Sign(MethodView):
        @require_roles(*SALES_ROLES)
        @blp.arguments(SignIn)
        @blp.response(200, ContractOut)
        def post(self, data, deal_id):
            """Record the customer's signature: the deal is won and deals.contract.signed goes to orders."""
            row = commands.sign_contract(uow(), config(), current_principal(), deal_id, data)
            return saved(contract_view(row))

    return blp
