"""Reading the Leads database: lookups, rep loads, duplicate candidates and who sees what."""
from __future__ import annotations

from sqlalchemy import false, func, or_, select, true

from salesloop.web.auth import Principal, can_see, visibility_clause

from leads.domain.duplicates import DedupeKeys, KeyedRecord, find_duplicates
from leads.models import Customer, CustomerContact, Lead

OPEN_STATUSES = ("new", "assigned", "contacted", "qualified")
LOADED_STATUSES = ("assigned", "contacted", "qualified")  # what counts against a rep's capacity
POOL_ROLES = {"supervisor", "manager", "director", "admin", "ops"}
DUPLICATE_CANDIDATES = 20


# -- lookups ----------------------------------------------------------------------------
def customer_class(session, customer_id: str | None) -> str | None:
    if not customer_id:
        return None
    return session.execute(select(Customer.abc_class).where(Customer.id == customer_id)).scalar_one_or_none()


def primary_contact(session, customer_id: str) -> CustomerContact | None:
    return session.execute(
        select(CustomerContact).where(CustomerContact.customer_id == customer_id)
        .order_by(CustomerContact.is_primary.desc(), CustomerContact.created_at).limit(1)
    ).scalar_one_or_none()


def contacts_of(session, customer_id: str) -> list[CustomerContact]:
    return list(session.execute(
        select(CustomerContact).where(CustomerContact.customer_id == customer_id)
        .order_by(CustomerContact.is_primary.desc(), CustomerContact.created_at)
    ).scalars())


def contacts_by_customer(session, customer_ids: list[str]) -> dict[str, list[CustomerContact]]:
    found: dict[str, list[CustomerContact]] = {}
    if customer_ids:
        for contact in session.execute(
            select(CustomerContact).where(CustomerContact.customer_id.in_(customer_ids))
            .order_by(CustomerContact.is_primary.desc(), CustomerContact.created_at)
        ).scalars():
            found.setdefault(contact.customer_id, []).append(contact)
    return found


# -- loads ----------------------------------------------------------------------------------
def rep_loads(session, rep_ids=None) -> dict[str, int]:
    """Open leads per rep: assigned, contacted or qualified, and not merged away."""
    query = (select(Lead.owner_rep_id, func.count()).where(Lead.status.in_(LOADED_STATUSES),
                                                            Lead.merged_into.is_(None),
                                                            Lead.owner_rep_id.is_not(None))
             .group_by(Lead.owner_rep_id))
    if rep_ids is not None:
        query = query.where(Lead.owner_rep_id.in_(list(rep_ids)))
    return {rep_id: count for rep_id, count in session.execute(query)}


# -- duplicates ------------------------------------------------------------------------------
def duplicate_matches(session, keys: DedupeKeys, exclude_lead_ids=()) -> list[tuple[str, str, tuple[str, ...]]]:
    """(kind, id, matched key kinds) of open leads and customers sharing a key, strongest first."""
    if not keys.entries():
        return []
    records = _lead_records(session, keys, exclude_lead_ids) + _customer_records(session, keys)
    matches = find_duplicates(keys, records)
    return [(*match.record_id.split(":", 1), tuple(sorted(kind.value for kind in match.matched_kinds)))
            for match in matches]


def _key_filter(keys: DedupeKeys, phone_col, email_col, company_col):
    clauses = []
    if keys.phones:
        clauses.append(phone_col.in_(sorted(keys.phones)))
    if keys.emails:
        clauses.append(email_col.in_(sorted(keys.emails)))
    if keys.company and company_col is not None:
        clauses.append(company_col == keys.company)
    return or_(*clauses)


def _lead_records(session, keys: DedupeKeys, exclude_lead_ids) -> list[KeyedRecord]:
    query = (select(Lead.id, Lead.phone, Lead.email, Lead.company_key)
             .where(Lead.status.in_(OPEN_STATUSES), Lead.merged_into.is_(None),
                    _key_filter(keys, Lead.phone, Lead.email, Lead.company_key))
             .order_by(Lead.captured_at, Lead.id).limit(DUPLICATE_CANDIDATES))
    if exclude_lead_ids:
        query = query.where(Lead.id.not_in(list(exclude_lead_ids)))
    return [KeyedRecord(f"lead:{row.id}", _keys(row.phone, row.email, row.company_key))
            for row in session.execute(query)]


def _customer_records(session, keys: DedupeKeys) -> list[KeyedRecord]:
    by_customer: dict[str, dict] = {}
    if keys.company:
        for row in session.execute(select(Customer.id, Customer.company_key)
                                   .where(Customer.company_key == keys.company).limit(DUPLICATE_CANDIDATES)):
            by_customer.setdefault(row.id, {"phones": set(), "emails": set(), "company": row.company_key})
    if keys.phones or keys.emails:
        contacts = (select(CustomerContact.customer_id, CustomerContact.phone, CustomerContact.email)
                    .where(_key_filter(keys, CustomerContact.phone, CustomerContact.email, None))
                    .limit(DUPLICATE_CANDIDATES))
        for row in session.execute(contacts):
            entry = by_customer.setdefault(row.customer_id, {"phones": set(), "emails": set(), "company": None})
            entry["phones"].add(row.phone) if row.phone else None
            entry["emails"].add(row.email) if row.email else None
    return [KeyedRecord(f"customer:{customer_id}", DedupeKeys(frozenset(e["phones"]), frozenset(e["emails"]),
                                                               e["company"]))
            for customer_id, e in by_customer.items()]


def _keys(phone, email, company_key) -> DedupeKeys:
    return DedupeKeys(phones=frozenset([phone]) if phone else frozenset(),
                      emails=frozenset([email]) if email else frozenset(), company=company_key)


# -- visibility ------------------------------------------------------------------------------
# Regions are stored as codes (trimmed, case-folded); a token's region is compared the same way.
def _token_region(principal: Principal) -> str | None:
    return principal.region.strip().casefold() if principal.region else None


def _can_see(principal: Principal, owner, team, region) -> bool:
    if principal.scope == "region":
        return region is not None and region == _token_region(principal)
    return can_see(principal, owner, team, region)


def _owned_clause(principal: Principal, owner_col, team_col, region_col):
    if principal.scope == "region":
        return region_col == _token_region(principal) if principal.region else false()
    return visibility_clause(principal, owner_col, team_col, region_col)


def _sees_pool(principal: Principal) -> bool:
    return bool(principal.roles & POOL_ROLES)


def _visible(principal: Principal, owner, team, region) -> bool:
    """A rep sees their own records, a supervisor the team's, a manager the region's.

    Records with no owner yet (the unassigned pool) are seen by supervisors and
    managers of their region, so that they can hand them out.
    """
    if owner is None:
        return _sees_pool(principal) and (principal.scope == "all" or region is None
                                          or region == _token_region(principal))
    return _can_see(principal, owner, team, region)


def _clause(principal: Principal, owner_col, team_col, region_col):
    if principal.scope == "all":
        return true()
    owned = owner_col.is_not(None) & _owned_clause(principal, owner_col, team_col, region_col)
    if not _sees_pool(principal):
        return owned
    pool = owner_col.is_(None) & (region_col.is_(None) | (region_col == (_token_region(principal) or "")))
    return owned | pool


def lead_visible(principal: Principal, lead: Lead) -> bool:
    return _visible(principal, lead.owner_rep_id, lead.team, lead.region)


def lead_visibility(principal: Principal):
    return _clause(principal, Lead.owner_rep_id, Lead.team, Lead.region)


def customer_visible(principal: Principal, customer: Customer) -> bool:
    return _visible(principal, customer.owner_rep_id, customer.team, customer.region)


def customer_visibility(principal: Principal):
    return _clause(principal, Customer.owner_rep_id, Customer.team, Customer.region)
