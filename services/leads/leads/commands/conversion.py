"""Converting a qualified lead: the customer is linked or created, and the deals service is told."""
from __future__ import annotations

from datetime import datetime

from salesloop.fx import rate_for

from leads import events
from leads.commands.capture import keys_of
from leads.commands.common import new_id, remember, utcnow
from leads.commands.customers import add_contact_row, publish_upserted
from leads.domain.errors import InvalidField
from leads.domain.lifecycle import LeadStatus, transition
from leads.models import Customer, Lead
from leads.repository import contacts_of, duplicate_matches


def convert_lead(uow, lead: Lead, data: dict, *, by: str, now: datetime | None = None) -> tuple[Customer, bool]:
    """leads.customer.upserted then leads.lead.converted, with the expected amount and its rate."""
    now = now or utcnow()
    # Checked first, so that a lead that cannot convert creates no customer even for a moment.
    transition(lead.status, LeadStatus.CONVERTED, customer_id=data.get("customer_id") or "to be found")
    customer, created = customer_for(uow, lead, data, now)
    lead.status = transition(lead.status, LeadStatus.CONVERTED, customer_id=customer.id).value
    company_currency = uow.settings.company_currency
    amount = data["expected_amount"] if "expected_amount" in data else lead.budget_amount
    currency = data.get("currency") or (lead.budget_currency if amount is not None else None) or company_currency
    fx_rate = rate_for(uow.session, uow.metadata, currency, company_currency, now)
    lead.customer_id, lead.converted_at, lead.updated_at = customer.id, now, now
    lead.expected_amount, lead.expected_currency = amount, currency
    remember(uow, lead.id, "converted", by, now, {"customer_id": customer.id, "customer_created": created})
    publish_upserted(uow, customer, created=created)
    uow.publish("leads.lead.converted", events.converted(lead, customer, fx_rate=fx_rate, created=created,
                                                           expected_close_date=data.get("expected_close_date")),
                subject=lead.id)
    return customer, created


def customer_for(uow, lead: Lead, data: dict, now: datetime) -> tuple[Customer, bool]:
    """The named customer, else one matching the lead's company or contact, else a new one."""
    if data.get("customer_id"):
        customer = uow.session.get(Customer, data["customer_id"])
        if customer is None:
            raise InvalidField("customer_id", f"no customer {data['customer_id']}")
        return link(uow, customer, lead, now), False
    keys = keys_of({"phone": lead.phone, "email": lead.email}, lead.company_key)
    match = next((record_id for kind, record_id, _ in duplicate_matches(uow.session, keys) if kind == "customer"),
                 lead.customer_id)
    if match:
        return link(uow, uow.session.get(Customer, match), lead, now), False
    return create_from_lead(uow, lead, data.get("category") or "prospect", now), True


def link(uow, customer: Customer, lead: Lead, now: datetime) -> Customer:
    """An existing account gets an owner if it had none, and the lead's contact if new to it."""
    if customer.owner_rep_id is None:
        customer.owner_rep_id, customer.team = lead.owner_rep_id, lead.team
    known = {(c.phone, c.email) for c in contacts_of(uow.session, customer.id)}
    phones = {phone for phone, _ in known if phone}
    emails = {email for _, email in known if email}
    if (lead.phone and lead.phone not in phones) or (lead.email and lead.email not in emails):
        add_contact_row(uow, customer, _contact_of(lead, customer.name), now, primary=not known)
    customer.updated_at = now
    uow.flush()
    return customer


def create_from_lead(uow, lead: Lead, category: str, now: datetime) -> Customer:
    name = lead.company or lead.person_name
    customer = Customer(
        id=new_id(), name=name, company=lead.company, company_key=lead.company_key, category=category,
        industry=lead.industry, region=lead.region, team=lead.team, owner_rep_id=lead.owner_rep_id,
        preferences={}, source_lead_id=lead.id, won_count=0, lost_count=0, created_at=now, updated_at=now)
    uow.add(customer)
    add_contact_row(uow, customer, _contact_of(lead, name), now, primary=True)
    uow.flush()
    return customer


def _contact_of(lead: Lead, fallback_name: str) -> dict:
    return {"name": lead.contact_name or lead.person_name or fallback_name, "title": lead.contact_title,
            "phone": lead.phone, "email": lead.email}
