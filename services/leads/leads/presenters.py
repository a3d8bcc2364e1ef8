"""What the API shows of a record to one caller: personal data masked unless they may see it.

Lists, details and exports all go through these functions, so a field masked
in one is masked in all.
"""
from __future__ import annotations

from datetime import datetime

from salesloop.web.auth import Principal, can_see_personal_data

from leads.domain.errors import InvalidField
from leads.domain.normalization import mask_email, mask_phone
from leads.models import Customer, CustomerContact, Lead, LeadMerge, Rep


def contact_view(principal: Principal, owner: str | None, *, name, title, phone, email) -> dict:
    visible = can_see_personal_data(principal, owner)
    return {"name": name, "title": title, "masked": not visible,
            "phone": phone if visible or not phone else _masked_phone(phone),
            "email": email if visible or not email else mask_email(email)}


def _masked_phone(phone: str) -> str:
    try:
        return mask_phone(phone)
    except InvalidField:  # a number stored before a stricter rule: never show it unmasked
        return "*" * max(len(phone) - 4, 0) + phone[-4:]


def money(amount, currency) -> dict | None:
    return None if amount is None or not currency else {"amount": amount, "currency": currency}


def lead_view(lead: Lead, principal: Principal, now: datetime, reps_known: set[str] | None = None) -> dict:
    """``reps_known``: the reps the caller may know of (None: all of them)."""
    return {
        "id": lead.id, "status": lead.status, "company": lead.company, "person_name": lead.person_name,
        "industry": lead.industry, "region": lead.region, "company_size": lead.company_size,
        "contact": contact_view(principal, lead.owner_rep_id, name=lead.contact_name, title=lead.contact_title,
                                phone=lead.phone, email=lead.email),
        "needs": lead.needs, "product_lines": lead.product_lines or [],
        "budget": money(lead.budget_amount, lead.budget_currency), "expected_purchase_by": lead.expected_purchase_by,
        "source": lead.source, "source_detail": {"campaign_code": lead.campaign_code, "referrer": lead.referrer},
        "received_at": lead.received_at, "captured_at": lead.captured_at, "captured_by": lead.captured_by,
        "grading": {"grade": lead.grade, "score": lead.score, "computed_grade": lead.computed_grade,
                    "ruleset_version": lead.ruleset_version, "contributions": lead.contributions or [],
                    "override": lead.grade_override},
        "owner_rep_id": lead.owner_rep_id, "team": lead.team, "assigned_at": lead.assigned_at,
        "assignment": assignment_view(lead.assignment, reps_known), "followup_due_at": lead.followup_due_at, "overdue": is_overdue(lead, now),
        "first_contact_at": lead.first_contact_at, "last_activity_at": lead.last_activity_at,
        "duplicate_of": lead.duplicate_of, "merged_into": lead.merged_into, "customer_id": lead.customer_id,
        "qualified_at": lead.qualified_at, "converted_at": lead.converted_at,
        "expected_amount": money(lead.expected_amount, lead.expected_currency),
        "disqualified_at": lead.disqualified_at, "disqualified_reason": lead.disqualified_reason,
        "updated_at": lead.updated_at, "version": lead.version,
    }


def assignment_view(explanation: dict | None, reps_known: set[str] | None) -> dict | None:
    """The explanation with only the candidates the caller may know of; the others are
    counted, so that a rep still sees that a choice was made, not whom it passed over."""
    if not explanation or reps_known is None:
        return explanation
    candidates = explanation.get("candidates") or []
    shown = [candidate for candidate in candidates if candidate.get("rep_id") in reps_known]
    return {**explanation, "candidates": shown, "hidden_candidates": len(candidates) - len(shown),
            "tied_rep_ids": [rep_id for rep_id in explanation.get("tied_rep_ids") or [] if rep_id in reps_known]}


def is_overdue(lead: Lead, now: datetime) -> bool:
    return (lead.status in ("assigned", "contacted", "qualified") and lead.followup_due_at is not None
            and now > lead.followup_due_at and not lead.merged_into)


def shows_personal_data(principal: Principal, owners) -> bool:
    """Whether a response reveals any unmasked phone or e-mail (then it is audited)."""
    return any(can_see_personal_data(principal, owner) for owner in owners)


EXPORT_COLUMNS = ("id", "status", "company", "person_name", "industry", "region", "contact_name", "phone", "email",
                  "source", "grade", "score", "owner_rep_id", "team", "captured_at", "followup_due_at",
                  "customer_id")


def export_row(view: dict) -> list:
    contact = view["contact"]
    values = {**view, "contact_name": contact["name"], "phone": contact["phone"], "email": contact["email"],
              "grade": view["grading"]["grade"], "score": view["grading"]["score"]}
    return ["" if values[column] is None else _cell(values[column]) for column in EXPORT_COLUMNS]


def _cell(value) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    # A cell starting with = + - @ would run as a formula when the file is opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def rep_view(rep: Rep, load: int) -> dict:
    return {"id": rep.id, "name": rep.name, "team": rep.team, "region": rep.region, "active": rep.active,
            "capacity": rep.capacity, "load": load,
            "skills": {"product_lines": rep.product_lines or [], "regions": rep.regions or [],
                       "industries": rep.industries or []},
            "last_assigned_at": rep.last_assigned_at, "created_at": rep.created_at, "updated_at": rep.updated_at}


def customer_contact_view(contact: CustomerContact, principal: Principal, owner: str | None) -> dict:
    return {"id": contact.id, "birthday": contact.birthday, "is_primary": contact.is_primary,
            **contact_view(principal, owner, name=contact.name, title=contact.title, phone=contact.phone,
                           email=contact.email)}


def customer_view(customer: Customer, principal: Principal, contacts, history: dict | None = None) -> dict:
    return {
        "id": customer.id, "name": customer.name, "company": customer.company, "category": customer.category,
        "abc_class": customer.abc_class, "classified_as_of": customer.classified_as_of,
        "industry": customer.industry, "region": customer.region, "team": customer.team,
        "owner_rep_id": customer.owner_rep_id, "preferences": customer.preferences or {},
        "birthday": customer.birthday, "source_lead_id": customer.source_lead_id,
        "contacts": [customer_contact_view(c, principal, customer.owner_rep_id) for c in contacts],
        "purchase_history": history or {"won_count": customer.won_count, "lost_count": customer.lost_count,
                                        "last_deal_at": customer.last_deal_at},
        "created_at": customer.created_at, "updated_at": customer.updated_at,
    }


def merge_view(row: LeadMerge) -> dict:
    return {"id": row.id, "primary_id": row.primary_id, "duplicate_id": row.duplicate_id,
            "merged_at": row.merged_at, "merged_by": row.merged_by, "changes": row.undo.get("changes", []),
            "undone_at": row.undone_at, "undone_by": row.undone_by}
