"""The customer archive: accounts and contacts, purchase history from deals, ABC class from KPIs."""
from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from leads import events
from leads.commands.common import new_id, utcnow
from leads.domain import customers as rules
from leads.domain.duplicates import DedupeKeys
from leads.domain.errors import DuplicateFound
from leads.domain.money import Money
from leads.domain.normalization import normalize_company_name
from leads.models import Customer, CustomerContact, CustomerDeal
from leads.repository import contacts_of, duplicate_matches, primary_contact

log = logging.getLogger(__name__)


def publish_upserted(uow, customer: Customer, *, created: bool) -> None:
    contact = primary_contact(uow.session, customer.id)
    uow.publish("leads.customer.upserted", events.customer_upserted(customer, contact, created=created),
                subject=customer.id)


def create_customer(uow, data: dict, *, by: str, now: datetime | None = None) -> Customer:
    """A new account; refused (409 with the existing id) when its company or a contact is known."""
    now = now or utcnow()
    company_key = normalize_company_name(data["company"]) if data.get("company") else None
    contacts = data.get("contacts") or []
    keys = DedupeKeys(phones=frozenset(c["phone"] for c in contacts if c.get("phone")),
                      emails=frozenset(c["email"] for c in contacts if c.get("email")), company=company_key)
    matches = [match for match in duplicate_matches(uow.session, keys) if match[0] == "customer"]
    if matches:
        raise DuplicateFound(matches)
    customer = Customer(
        id=new_id(), name=data["name"], company=data.get("company"), company_key=company_key,
        category=rules.parse_category(data.get("category") or "prospect").value, industry=data.get("industry"),
        region=data.get("region"), team=data.get("team"), owner_rep_id=data.get("owner_rep_id"),
        preferences=data.get("preferences") or {}, birthday=data.get("birthday"), won_count=0, lost_count=0,
        created_at=now, updated_at=now)
    uow.add(customer)
    for index, contact in enumerate(contacts):
        add_contact_row(uow, customer, contact, now, primary=index == 0)
    uow.flush()
    publish_upserted(uow, customer, created=True)
    return customer


def add_contact_row(uow, customer: Customer, contact: dict, now: datetime, *, primary: bool) -> CustomerContact:
    row = CustomerContact(id=new_id(), customer_id=customer.id, name=contact["name"], title=contact.get("title"),
                          phone=contact.get("phone"), email=contact.get("email"), birthday=contact.get("birthday"),
                          is_primary=primary, created_at=now)
    uow.add(row)
    return row


CUSTOMER_FIELDS = ("name", "company", "industry", "region", "team", "owner_rep_id", "preferences", "birthday")


def update_customer(uow, customer: Customer, changes: dict, *, by: str, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    changed = [name for name in CUSTOMER_FIELDS if name in changes and getattr(customer, name) != changes[name]]
    for name in changed:
        setattr(customer, name, changes[name])
    if "category" in changes and customer.category != changes["category"]:
        customer.category = rules.parse_category(changes["category"]).value
        changed.append("category")
    if "company" in changed:
        customer.company_key = normalize_company_name(customer.company) if customer.company else None
    if changed:
        customer.updated_at = now
        uow.flush()
        publish_upserted(uow, customer, created=False)
    return sorted(changed)


def add_contact(uow, customer: Customer, contact: dict, *, now: datetime | None = None) -> CustomerContact:
    now = now or utcnow()
    existing = contacts_of(uow.session, customer.id)
    primary = contact.get("is_primary", False) or not existing
    if primary:
        for other in existing:
            other.is_primary = False
    row = add_contact_row(uow, customer, contact, now, primary=primary)
    customer.updated_at = now
    uow.flush()
    publish_upserted(uow, customer, created=False)
    return row


# -- fed by other services' events ---------------------------------------------------------------------
def record_deal(uow, data: dict, result: str, now: datetime | None = None) -> bool:
    """Count a won or lost deal in the customer's history, once per deal id."""
    now = now or utcnow()
    customer = uow.session.get(Customer, data["customer_id"])
    if customer is None:
        log.warning("deal for a customer this archive does not know", extra={"customer_id": data["customer_id"],
                                                                              "deal_id": data["deal_id"]})
        return False
    known = uow.session.get(CustomerDeal, data["deal_id"]) is not None
    amount = data.get("amount")
    outcome = rules.DealOutcome(deal_id=data["deal_id"], result=result, closed_at=data["closed_at"],
                                amount=Money(amount, data["currency"]) if amount is not None else None)
    history = rules.record_deal_outcome(_history_of(uow, customer, known, data["deal_id"]), outcome)
    if known:
        return False  # the business key says we counted it already (a redelivery under another event id)
    customer.won_count, customer.lost_count, customer.last_deal_at = (history.won_count, history.lost_count,
                                                                      history.last_deal_at)
    customer.updated_at = now
    rate = data.get("fx_rate")
    uow.add(CustomerDeal(deal_id=data["deal_id"], customer_id=customer.id, lead_id=data.get("lead_id"),
                         result=result, amount=amount, currency=data.get("currency"), fx_rate=rate,
                         amount_company=None if amount is None or rate is None else amount * rate,
                         closed_at=data["closed_at"], recorded_at=now))
    return True


def _history_of(uow, customer: Customer, known: bool, deal_id: str) -> rules.PurchaseHistory:
    return rules.PurchaseHistory(won_count=customer.won_count, lost_count=customer.lost_count,
                                 won_totals=won_totals(uow.session, customer.id), last_deal_at=customer.last_deal_at,
                                 processed_deal_ids=frozenset([deal_id]) if known else frozenset())


def won_totals(session, customer_id: str) -> dict[str, Decimal]:
    rows = session.execute(
        select(CustomerDeal.currency, func.sum(CustomerDeal.amount))
        .where(CustomerDeal.customer_id == customer_id, CustomerDeal.result == "won").group_by(CustomerDeal.currency)
    )
    return {currency: Decimal(total) for currency, total in rows if currency and total is not None}


def won_total_company(session, customer_id: str) -> Decimal:
    total = session.execute(select(func.sum(CustomerDeal.amount_company)).where(
        CustomerDeal.customer_id == customer_id, CustomerDeal.result == "won")).scalar()
    return Decimal(total or 0)


def apply_class(uow, data: dict, now: datetime | None = None) -> bool:
    """Take the KPI service's ABC class unless a newer classification is already held."""
    now = now or utcnow()
    customer = uow.session.get(Customer, data["customer_id"])
    if customer is None:
        log.warning("classification of an unknown customer", extra={"customer_id": data["customer_id"]})
        return False
    domain = rules.Customer(customer_id=customer.id, name=customer.name, category=customer.category,
                            abc_class=customer.abc_class, classified_as_of=customer.classified_as_of)
    result = rules.apply_classification(domain, data["abc_class"], data["as_of"])
    if not result.applied:
        return False
    changed = customer.abc_class != result.customer.abc_class.value
    customer.abc_class = result.customer.abc_class.value
    customer.classified_as_of = result.customer.classified_as_of
    if changed:
        customer.updated_at = now
        uow.flush()
        publish_upserted(uow, customer, created=False)
    return changed
