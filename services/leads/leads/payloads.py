"""Event data built from the service's records, field names as the contract fixes them."""
from __future__ import annotations

from datetime import datetime

from leads.domain.assignment import Assignment, CandidateReport
from leads.models import Activity, Customer, CustomerContact, Lead, LeadMerge


def rep_slice(lead: Lead) -> dict:
    return {"rep_id": lead.owner_rep_id, "team": lead.team, "region": lead.region}


def captured(lead: Lead) -> dict:
    return {
        "lead_id": lead.id, "captured_at": lead.captured_at, "received_at": lead.received_at,
        "source": lead.source, "source_detail": {"campaign_code": lead.campaign_code, "referrer": lead.referrer},
        "company": lead.company, "industry": lead.industry, "region": lead.region,
        "product_lines": list(lead.product_lines or []), "rep_id": lead.owner_rep_id, "team": lead.team,
        "duplicate_of": lead.duplicate_of, "person_name": lead.person_name, "company_size": lead.company_size,
        "customer_id": lead.customer_id, "captured_by": lead.captured_by,
    }


def graded(lead: Lead, at: datetime) -> dict:
    override = lead.grade_override or {}
    return {
        "lead_id": lead.id, "grade": lead.grade, "score": lead.score, "ruleset_version": lead.ruleset_version,
        "contributions": list(lead.contributions or []), "overridden": bool(override),
        "computed_grade": lead.computed_grade, "override_reason": override.get("reason"),
        "graded_by": override.get("by"), "graded_at": at, **rep_slice(lead),
    }


def candidate(report: CandidateReport) -> dict:
    return {"rep_id": report.rep_id, "eligible": report.eligible, "load": report.open_load,
            "capacity": report.capacity, "ratio": report.ratio, "reason": "; ".join(report.reasons) or None,
            "last_assigned_at": report.last_assigned_at}


def explanation(assignment: Assignment) -> dict:
    return {"rule_version": assignment.rules_version, "tie_break": assignment.tie_break.value,
            "tied_rep_ids": list(assignment.tied_rep_ids),
            "candidates": [candidate(report) for report in assignment.candidates]}


def assigned(lead: Lead, *, manual: bool, previous_rep_id: str | None, by: str | None, note: str | None) -> dict:
    return {
        "lead_id": lead.id, "assigned_at": lead.assigned_at, "followup_due_at": lead.followup_due_at,
        "grade": lead.grade, "explanation": lead.assignment, "manual": manual, "previous_rep_id": previous_rep_id,
        "assigned_by": by, "note": note, **rep_slice(lead),
    }


def followup_overdue(lead: Lead, due_at: datetime, now: datetime, awaiting_first_contact: bool) -> dict:
    return {"lead_id": lead.id, "followup_due_at": due_at, "detected_at": now,
            "awaiting_first_contact": awaiting_first_contact,
            "overdue_seconds": int((now - due_at).total_seconds()), **rep_slice(lead)}


def activity_logged(activity: Activity, lead: Lead) -> dict:
    return {"activity_id": activity.id, "lead_id": lead.id, "customer_id": lead.customer_id,
            "kind": activity.kind, "occurred_at": activity.occurred_at, "outcome": activity.outcome,
            "first_contact": activity.first_contact, "next_step_due_at": activity.next_step_due_at,
            **rep_slice(lead), "rep_id": activity.rep_id}


def qualified(lead: Lead) -> dict:
    return {"lead_id": lead.id, "qualified_at": lead.qualified_at, **rep_slice(lead)}


def converted(lead: Lead, customer: Customer, *, fx_rate, created: bool, expected_close_date=None) -> dict:
    return {
        "lead_id": lead.id, "customer_id": customer.id, "customer_name": customer.name, "source": lead.source,
        "product_lines": list(lead.product_lines or []), "needs": lead.needs or "",
        "expected_amount": lead.expected_amount, "currency": lead.expected_currency, "fx_rate": fx_rate,
        "captured_at": lead.captured_at, "converted_at": lead.converted_at,
        "expected_close_date": expected_close_date, "grade": lead.grade, "customer_created": created,
        **rep_slice(lead),
    }


def disqualified(lead: Lead) -> dict:
    return {"lead_id": lead.id, "reason": lead.disqualified_reason, "disqualified_at": lead.disqualified_at,
            **rep_slice(lead)}


def merge(row: LeadMerge, primary: Lead, at: datetime, by: str | None) -> dict:
    changed = [change["field"] for change in row.undo.get("changes", [])]
    return {"primary_id": row.primary_id, "duplicate_id": row.duplicate_id, "at": at, "merge_id": row.id,
            "by": by, "changed_fields": changed, **rep_slice(primary)}


def updated(lead: Lead, changed: list[str]) -> dict:
    return {"lead_id": lead.id, "changed": changed, "updated_at": lead.updated_at, **rep_slice(lead)}


def customer_upserted(customer: Customer, contact: CustomerContact | None, *, created: bool) -> dict:
    return {
        "customer_id": customer.id, "name": customer.name, "company": customer.company,
        "category": customer.category, "abc_class": customer.abc_class, "industry": customer.industry,
        "region": customer.region, "team": customer.team, "owner_rep_id": customer.owner_rep_id,
        "contact": None if contact is None else {"name": contact.name, "phone": contact.phone,
                                                 "email": contact.email},
        "birthday": customer.birthday, "created": created, "updated_at": customer.updated_at,
        "rep_id": customer.owner_rep_id,
    }
