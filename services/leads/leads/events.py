"""The events the Leads service publishes, each with its schema (owned here).

Field names follow the cross-service contract; fields marked "additive" are
ours on top of it. Every event about a rep's work carries rep_id, team and
region so the KPIs can slice by them.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from salesloop.messaging.catalog import EventCatalog

from datetime import datetime

from leads.domain.assignment import Assignment, CandidateReport
from leads.models import Activity, Customer, CustomerContact, Lead
from leads.models import LeadMerge as LeadMergeRow

SOURCES = ("web_form", "referral", "campaign", "social", "trade_show", "phone", "storefront", "import")
GRADES = ("high", "medium", "low")
CATEGORIES = ("key_account", "smb", "prospect")


class _Slice(Schema):
    rep_id = fields.String(required=True, allow_none=True)
    team = fields.String(required=True, allow_none=True)
    region = fields.String(required=True, allow_none=True)


class SourceDetail(Schema):
    campaign_code = fields.String(allow_none=True)
    referrer = fields.String(allow_none=True)


class LeadCaptured(_Slice):
    lead_id = fields.String(required=True)
    captured_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    source_detail = fields.Nested(SourceDetail, required=True)
    company = fields.String(required=True, allow_none=True)
    industry = fields.String(required=True, allow_none=True)
    product_lines = fields.List(fields.String(), required=True)
    duplicate_of = fields.String(required=True, allow_none=True)
    person_name = fields.String(allow_none=True)          # additive
    company_size = fields.Integer(allow_none=True)        # additive
    customer_id = fields.String(allow_none=True)          # additive: an existing customer's new inquiry
    captured_by = fields.String(allow_none=True)          # additive


class Contribution(Schema):
    rule = fields.String(required=True)
    description = fields.String(required=True)
    points = fields.Integer(required=True)


class LeadGraded(_Slice):
    lead_id = fields.String(required=True)
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    score = fields.Integer(required=True)
    ruleset_version = fields.String(required=True)
    contributions = fields.List(fields.Nested(Contribution), required=True)
    overridden = fields.Boolean(required=True)
    computed_grade = fields.String(validate=validate.OneOf(GRADES))   # additive
    override_reason = fields.String(allow_none=True)                  # additive
    graded_by = fields.String(allow_none=True)                        # additive
    graded_at = fields.DateTime()                                     # additive


class Candidate(Schema):
    rep_id = fields.String(required=True)
    eligible = fields.Boolean(required=True)
    load = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    ratio = fields.Decimal(as_string=True, allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    last_assigned_at = fields.DateTime(allow_none=True)  # additive: the round-robin input


class Explanation(Schema):
    rule_version = fields.String(required=True)
    tie_break = fields.String(required=True)
    tied_rep_ids = fields.List(fields.String())  # additive
    candidates = fields.List(fields.Nested(Candidate), required=True)


class LeadAssigned(_Slice):
    rep_id = fields.String(required=True)
    lead_id = fields.String(required=True)
    assigned_at = fields.DateTime(required=True)
    followup_due_at = fields.DateTime(required=True)
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    explanation = fields.Nested(Explanation, required=True)
    manual = fields.Boolean(required=True)
    previous_rep_id = fields.String(allow_none=True)  # additive
    assigned_by = fields.String(allow_none=True)      # additive
    note = fields.String(allow_none=True)             # additive: a supervisor's reason


class FollowupOverdue(_Slice):
    lead_id = fields.String(required=True)
    followup_due_at = fields.DateTime(required=True)
    detected_at = fields.DateTime(required=True)
    awaiting_first_contact = fields.Boolean()  # additive
    overdue_seconds = fields.Integer()         # additive


class ActivityLogged(_Slice):
    activity_id = fields.String(required=True)
    lead_id = fields.String(required=True)
    customer_id = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(("call", "email", "visit", "chat")))
    occurred_at = fields.DateTime(required=True)
    outcome = fields.String(required=True)
    first_contact = fields.Boolean(required=True)
    next_step_due_at = fields.DateTime(allow_none=True)  # additive


class LeadQualified(_Slice):
    """Additive event: no silent transition between captured and converted."""

    lead_id = fields.String(required=True)
    qualified_at = fields.DateTime(required=True)


class LeadConverted(_Slice):
    lead_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    customer_name = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    product_lines = fields.List(fields.String(), required=True)
    needs = fields.String(required=True)
    expected_amount = fields.Decimal(as_string=True, required=True, allow_none=True)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    fx_rate = fields.Decimal(as_string=True, required=True)
    captured_at = fields.DateTime(required=True)
    converted_at = fields.DateTime(required=True)
    expected_close_date = fields.Date(allow_none=True)  # additive
    grade = fields.String(allow_none=True)              # additive
    customer_created = fields.Boolean()                 # additive


class LeadDisqualified(_Slice):
    lead_id = fields.String(required=True)
    reason = fields.String(required=True)
    disqualified_at = fields.DateTime(required=True)


class LeadMerge(_Slice):
    primary_id = fields.String(required=True)
    duplicate_id = fields.String(required=True)
    at = fields.DateTime(required=True)
    merge_id = fields.String()                      # additive
    by = fields.String(allow_none=True)             # additive
    changed_fields = fields.List(fields.String())   # additive


class LeadUpdated(_Slice):
    """Additive event: an edit of a lead's details (the fields that changed, not their values)."""

    lead_id = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)
    updated_at = fields.DateTime(required=True)


class Contact(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class CustomerUpserted(Schema):
    customer_id = fields.String(required=True)
    name = fields.String(required=True)
    company = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    abc_class = fields.String(required=True, allow_none=True, validate=validate.OneOf(("A", "B", "C")))
    industry = fields.String(required=True, allow_none=True)
    region = fields.String(required=True, allow_none=True)
    team = fields.String(required=True, allow_none=True)
    owner_rep_id = fields.String(required=True, allow_none=True)
    contact = fields.Nested(Contact, required=True, allow_none=True)
    birthday = fields.Date(required=True, allow_none=True)
    created = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)
    rep_id = fields.String(allow_none=True)  # additive: same as owner_rep_id, for the KPI slices


_T = "2024-05-06T02:15:00+00:00"
_SLICE = {"rep_id": "rep-7", "team": "east-1", "region": "east"}
_CANDIDATE = {"rep_id": "rep-7", "eligible": True, "load": 3, "capacity": 20, "ratio": "0.1500", "reason": None,
              "last_assigned_at": None}

EXAMPLES = {
    "leads.lead.captured": {
        "lead_id": "5b0c…", "captured_at": _T, "received_at": _T, "source": "referral",
        "source_detail": {"campaign_code": None, "referrer": "cust-42"}, "company": "深圳市腾飞科技有限公司",
        "industry": "manufacturing", "region": "east", "product_lines": ["crm"], "rep_id": None, "team": None,
        "duplicate_of": None, "person_name": None, "company_size": 250, "customer_id": None, "captured_by": "rep-7"},
    "leads.lead.graded": {
        "lead_id": "5b0c…", "grade": "high", "score": 65, "ruleset_version": "default-1", "overridden": False,
        "contributions": [{"rule": "need_fit", "description": "wants product lines we sell: crm", "points": 25}],
        "computed_grade": "high", "override_reason": None, "graded_by": None, "graded_at": _T, **_SLICE},
    "leads.lead.assigned": {
        "lead_id": "5b0c…", "assigned_at": _T, "followup_due_at": "2024-05-07T02:15:00+00:00", "grade": "high",
        "explanation": {"rule_version": "assign-1", "tie_break": "lowest_ratio", "tied_rep_ids": ["rep-7"],
                        "candidates": [_CANDIDATE]},
        "manual": False, "previous_rep_id": None, "assigned_by": None, "note": None, **_SLICE},
    "leads.lead.followup_overdue": {
        "lead_id": "5b0c…", "followup_due_at": _T, "detected_at": "2024-05-06T02:16:00+00:00",
        "awaiting_first_contact": True, "overdue_seconds": 60, **_SLICE},
    "leads.activity.logged": {
        "activity_id": "a1…", "lead_id": "5b0c…", "customer_id": None, "kind": "call", "occurred_at": _T,
        "outcome": "connected", "first_contact": True, "next_step_due_at": None, **_SLICE},
    "leads.lead.qualified": {"lead_id": "5b0c…", "qualified_at": _T, **_SLICE},
    "leads.lead.converted": {
        "lead_id": "5b0c…", "customer_id": "c9…", "customer_name": "深圳市腾飞科技有限公司", "source": "referral",
        "product_lines": ["crm"], "needs": "50 seats, quote wanted", "expected_amount": "200000.00",
        "currency": "CNY", "fx_rate": "1", "captured_at": _T, "converted_at": _T, "expected_close_date": None,
        "grade": "high", "customer_created": True, **_SLICE},
    "leads.lead.disqualified": {"lead_id": "5b0c…", "reason": "no budget", "disqualified_at": _T, **_SLICE},
    "leads.lead.merged": {"primary_id": "5b0c…", "duplicate_id": "77ad…", "at": _T, "merge_id": "m1…",
                          "by": "sup-1", "changed_fields": ["email"], **_SLICE},
    "leads.lead.unmerged": {"primary_id": "5b0c…", "duplicate_id": "77ad…", "at": _T, "merge_id": "m1…",
                            "by": "sup-1", "changed_fields": ["email"], **_SLICE},
    "leads.lead.updated": {"lead_id": "5b0c…", "changed": ["needs", "budget"], "updated_at": _T, **_SLICE},
    "leads.customer.upserted": {
        "customer_id": "c9…", "name": "深圳市腾飞科技有限公司", "company": "深圳市腾飞科技有限公司",
        "category": "prospect", "abc_class": None, "industry": "manufacturing", "region": "east", "team": "east-1",
        "owner_rep_id": "rep-7", "contact": {"name": "王伟", "phone": "+8613800138000", "email": "wang@tengfei.cn"},
        "birthday": None, "created": True, "updated_at": _T, "rep_id": "rep-7"},
}

DEFINITIONS = (
    ("leads.lead.captured", LeadCaptured, "A lead was captured (form, import, referral…), before grading."),
    ("leads.lead.graded", LeadGraded, "A lead was graded by the rules, or its grade overridden by a supervisor."),
    ("leads.lead.assigned", LeadAssigned, "A lead was assigned to a rep, with who was eligible and why."),
    ("leads.lead.followup_overdue", FollowupOverdue, "A lead's follow-up deadline passed (once per deadline)."),
    ("leads.activity.logged", ActivityLogged, "A contact with a lead (call, e-mail, visit, chat) was logged."),
    ("leads.lead.qualified", LeadQualified, "A contacted lead was qualified (additive)."),
    ("leads.lead.converted", LeadConverted, "A qualified lead became a customer's deal-to-be."),
    ("leads.lead.disqualified", LeadDisqualified, "A lead was dropped, with the reason."),
    ("leads.lead.merged", LeadMerge, "A duplicate lead was merged into a primary one (additive)."),
    ("leads.lead.unmerged", LeadMerge, "A merge was undone; both leads are as they were (additive)."),
    ("leads.lead.updated", LeadUpdated, "A lead's details were edited (additive)."),
    ("leads.customer.upserted", CustomerUpserted, "A customer account was created or changed."),
)


def catalog() -> EventCatalog:
    events = EventCatalog(source="/salesloop/leads")
    for event_type, schema, summary in DEFINITIONS:
        events.define(event_type, schema, summary, example=EXAMPLES[event_type])
    return events


# -- event data from the service's records (field names as the contract fixes them) --------------------------------
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


def merge(row: LeadMergeRow, primary: Lead, at: datetime, by: str | None) -> dict:
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
