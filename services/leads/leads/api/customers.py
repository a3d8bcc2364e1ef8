"""/customers: the customer archive, with contacts, category, ABC class and purchase history."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy import or_, select

from salesloop.web.app import audit_read, uow
from salesloop.web.auth import current_principal, ensure_within_scope, require_roles

from leads import schemas
from leads.commands import customers
from leads.models import Customer
from leads.repository import contacts_by_customer, contacts_of, customer_visibility
from leads.api.common import CAPTURERS, WRITERS, order_by, page_of, visible_customer
from leads.schemas import (CustomerContactIn, CustomerContactOut, CustomerIn, CustomerListArgs, CustomerOut,
                           CustomerPage, CustomerPatch)

SORTS = {"name": Customer.name, "created_at": Customer.created_at, "updated_at": Customer.updated_at,
         "last_deal_at": Customer.last_deal_at}


def history(customer: Customer) -> dict:
    session = uow().session
    company = uow().settings.company_currency
    totals = customers.won_totals(session, customer.id)
    return {"won_count": customer.won_count, "lost_count": customer.lost_count,
            "won_totals": [{"amount": amount, "currency": currency} for currency, amount in sorted(totals.items())],
            "won_total_company": {"amount": customers.won_total_company(session, customer.id), "currency": company},
            "last_deal_at": customer.last_deal_at}


def present(customer: Customer) -> dict:
    principal = current_principal()
    if schemas.shows_personal_data(principal, [customer.owner_rep_id]):
        audit_read(f"/customers/{customer.id}", {"customer_ids": [customer.id]})
    return schemas.customer_view(customer, principal, contacts_of(uow().session, customer.id), history(customer))


def filed_within_scope(principal, data: dict) -> dict:
    """A new customer lands where its creator works: their own (a rep's), their team's
    or their region's by default, and never in another team or region (OWASP API1)."""
    defaults = {"own": {"owner_rep_id": principal.user, "team": principal.team},
                "team": {"team": principal.team}, "region": {"region": principal.region}}.get(principal.scope, {})
    data = {**data, **{key: value for key, value in defaults.items() if not data.get(key)}}
    ensure_within_scope(principal, data.get("owner_rep_id"), data.get("team"), data.get("region"))
    return data


def blueprint() -> Blueprint:
    blp = Blueprint("customers", __name__, url_prefix="/customers",
                    description="Customer accounts and contacts, category, ABC class and purchase history")

    @blp.route("")
    class Customers(MethodView):
        @blp.arguments(CustomerListArgs, location="query")
        @blp.response(200, CustomerPage)
        def get(self, args):
            """Customers the caller may see, filtered, sorted and paginated; contacts masked as needed."""
            principal, session = current_principal(), uow().session
            query = select(Customer).where(customer_visibility(principal))
            for name, column in (("category", Customer.category), ("abc_class", Customer.abc_class)):
                if args.get(name):
                    query = query.where(column.in_(args[name]))
            if args.get("owner"):
                query = query.where(Customer.owner_rep_id == args["owner"])
            if args.get("region"):
                query = query.where(Customer.region == args["region"])
            if args.get("q"):
                pattern = f"%{args['q']}%"
                query = query.where(or_(Customer.name.ilike(pattern), Customer.company.ilike(pattern)))
            query = query.order_by(*order_by(args["sort"], SORTS, Customer.id))
            result = page_of(session, query, args, lambda customer: customer)
            contacts = contacts_by_customer(session, [customer.id for customer in result["items"]])
            result["items"] = [schemas.customer_view(c, principal, contacts.get(c.id, [])) for c in result["items"]]
            if schemas.shows_personal_data(principal, [c["owner_rep_id"] for c in result["items"]]):
                audit_read("/customers", {"customer_ids": [c["id"] for c in result["items"]][:200]})
            return result

        @require_roles(*CAPTURERS)
        @blp.arguments(CustomerIn)
        @blp.response(201, CustomerOut)
        @blp.alt_response(409, description="A customer with the same company, phone or e-mail exists.")
        def post(self, data):
            """Open a customer account; refused with the existing id when it is already known."""
            unit, principal = uow(), current_principal()
            data = filed_within_scope(principal, data)
            customer = customers.create_customer(unit, data, by=principal.user)
            unit.commit()
            return present(customer)

    @blp.route("/<customer_id>")
    class CustomerItem(MethodView):
        @blp.response(200, CustomerOut)
        def get(self, customer_id):
            """One customer with contacts and the purchase-history summary kept from deals events."""
            return present(visible_customer(customer_id))

        @require_roles(*WRITERS)
        @blp.arguments(CustomerPatch)
        @blp.response(200, CustomerOut)
        def patch(self, data, customer_id):
            """Change category, owner, preferences…; leads.customer.upserted tells the other services."""
            unit = uow()
            customer = visible_customer(customer_id)
            customers.update_customer(unit, customer, data, by=current_principal().user)
            unit.commit()
            return present(customer)

    @blp.route("/<customer_id>/contacts")
    class Contacts(MethodView):
        @require_roles(*WRITERS)
        @blp.arguments(CustomerContactIn)
        @blp.response(201, CustomerContactOut)
        def post(self, data, customer_id):
            """Add a contact person (is_primary makes them the one other services reach)."""
            unit = uow()
            customer = visible_customer(customer_id)
            contact = customers.add_contact(unit, customer, data)
            unit.commit()
            return schemas.customer_contact_view(contact, current_principal(), customer.owner_rep_id)

    return blp
