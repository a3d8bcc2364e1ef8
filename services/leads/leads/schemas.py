"""Marshmallow schemas of the HTTP API, in and out.

Input is strict: unknown fields are refused (marshmallow's default RAISE),
phone numbers and e-mail addresses are normalized here (a bad one is a 422
naming the field), codes (regions, industries, product lines) get one spelling,
amounts are decimal strings (a JSON float has already lost precision).
"""
from __future__ import annotations

import os
from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from salesloop.web.fields import MAX_PAGE, Boolean, DecimalString

from leads.domain.errors import InvalidField
from leads.domain.lead import skill_code
from leads.domain.normalization import normalize_email, normalize_phone
from leads.events import CATEGORIES, GRADES, SOURCES

from datetime import datetime

from salesloop.web.auth import Principal, can_see_personal_data

from leads.domain.normalization import mask_email, mask_phone
from leads.models import Customer, CustomerContact, Lead, LeadMerge, Rep

STATUSES = ("new", "assigned", "contacted", "qualified", "converted", "disqualified")
KINDS = ("call", "email", "visit", "chat")
OUTCOMES = ("connected", "no_answer", "left_message", "callback_requested", "meeting_scheduled", "interested",
            "not_interested", "wrong_contact")


def phone_region() -> str:
    return os.environ.get("LEADS_PHONE_REGION", "CN")


# -- fields -------------------------------------------------------------------------------------
class _Normalized(fields.String):
    """Text normalized on the way in, where a blank becomes None: a None has no length to check."""

    def _validate(self, value):
        if value is not None:
            super()._validate(value)


class Phone(_Normalized):
    """A phone number in any common spelling, stored in E.164 ("+8613800138000")."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            return None
        try:
            return normalize_phone(text, phone_region())
        except InvalidField as exc:
            raise ValidationError(exc.reason) from None


class Email(_Normalized):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            return None
        try:
            return normalize_email(text)
        except InvalidField as exc:
            raise ValidationError(exc.reason) from None


class Code(_Normalized):
    """A region, industry or product-line code: trimmed and case-folded, so "East" is "east".

    A blank reads as "none" where none is allowed; in a list of codes, or where one is
    required, it is refused (it would be stored as a null in the list)."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = skill_code(super()._deserialize(value, attr, data, **kwargs))
        if code:
            return code
        if self.allow_none:
            return None
        raise ValidationError("A code cannot be blank.")


Amount = DecimalString


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def _maybe_text(max_length: int):
    return _text(max_length, allow_none=True)


def _codes():
    return fields.List(Code(validate=validate.Length(min=1, max=80)), validate=validate.Length(max=50))


CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Use a three-letter ISO 4217 code such as CNY.")
AWARE = {"default_timezone": timezone.utc}


# -- leads in -----------------------------------------------------------------------------------
class ContactIn(Schema):
    name = _maybe_text(100)
    title = _maybe_text(100)
    phone = Phone(allow_none=True, validate=validate.Length(max=40))
    email = Email(allow_none=True, validate=validate.Length(max=254))


class MoneyIn(Schema):
    amount = Amount(required=True, validate=validate.Range(min=0))
    currency = fields.String(required=True, validate=CURRENCY)


class SourceDetailIn(Schema):
    campaign_code = _maybe_text(80)
    referrer = _maybe_text(120)


class LeadBasics(Schema):
    company = _maybe_text(200)
    person_name = _maybe_text(100)
    industry = Code(allow_none=True, validate=validate.Length(max=80))
    region = Code(allow_none=True, validate=validate.Length(max=80))
    company_size = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    contact = fields.Nested(ContactIn)
    needs = _text(5000)
    product_lines = _codes()
    budget = fields.Nested(MoneyIn, allow_none=True)
    expected_purchase_by = fields.Date(allow_none=True)
    source_detail = fields.Nested(SourceDetailIn)
    record_duplicate = Boolean(load_default=False,
                                      metadata={"description": "Record a matching capture as a linked duplicate "
                                                               "instead of refusing it with 409."})


class LeadIn(LeadBasics):
    contact = fields.Nested(ContactIn, required=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    received_at = fields.AwareDateTime(allow_none=True, **AWARE)

    @validates_schema
    def _who_and_how_to_reach(self, data, **kwargs):
        if not (data.get("company") or data.get("person_name")):
            raise ValidationError("Give the company or the person's name.", "company")
        contact = data.get("contact") or {}
        if not (contact.get("phone") or contact.get("email")):
            raise ValidationError({"phone": ["Give a phone number or an e-mail address."]}, "contact")


class LeadPatch(LeadBasics):
    pass


class WebFormIn(Schema):
    """What a public web form may send (no duplicate flag, no source: it is web_form)."""

    company = _maybe_text(200)
    person_name = _maybe_text(100)
    industry = Code(allow_none=True, validate=validate.Length(max=80))
    region = Code(allow_none=True, validate=validate.Length(max=80))
    company_size = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    contact = fields.Nested(ContactIn, required=True)
    needs = _text(5000)
    product_lines = _codes()
    budget = fields.Nested(MoneyIn, allow_none=True)
    expected_purchase_by = fields.Date(allow_none=True)
    campaign_code = _maybe_text(80)

    _who_and_how_to_reach = LeadIn._who_and_how_to_reach


class GradeOverrideIn(Schema):
    grade = fields.String(required=True, validate=validate.OneOf(GRADES))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000))


class AssignIn(Schema):
    rep_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    note = _maybe_text(1000)
    over_capacity = Boolean(load_default=False)


class ActivityIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    occurred_at = fields.AwareDateTime(allow_none=True, **AWARE)
    summary = _text(5000, metadata={"description": "Notes, or the transcript's gist."})
    next_step = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    next_step_due_at = fields.AwareDateTime(allow_none=True, **AWARE)


class QualifyIn(Schema):
    note = _maybe_text(1000)


class DisqualifyIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000))


class ConvertIn(Schema):
    customer_id = fields.String(allow_none=True, metadata={"description": "Link this customer; otherwise a "
                                                           "matching one is linked, or a new one created."})
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    expected_amount = Amount(allow_none=True, validate=validate.Range(min=0))
    currency = fields.String(validate=CURRENCY)
    expected_close_date = fields.Date(allow_none=True)


class MergeIn(Schema):
    duplicate_id = fields.String(required=True)


class UnmergeIn(Schema):
    merge_id = fields.String(required=True)


# -- lists --------------------------------------------------------------------------------------
class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class LeadListArgs(PageArgs):
    status = DelimitedList(fields.String(validate=validate.OneOf(STATUSES)), validate=validate.Length(min=1))
    grade = DelimitedList(fields.String(validate=validate.OneOf(GRADES)), validate=validate.Length(min=1))
    source = DelimitedList(fields.String(validate=validate.OneOf(SOURCES)), validate=validate.Length(min=1))
    owner = fields.String(metadata={"description": "A rep id."})
    team = fields.String()
    region = Code()
    unassigned = Boolean(metadata={"description": "Only the pool (true) or only assigned leads (false)."})
    overdue = Boolean(metadata={"description": "Only leads past their follow-up deadline."})
    captured_from = fields.Date(metadata={"description": "Inclusive, in the company's time zone."})
    captured_to = fields.Date(metadata={"description": "Inclusive, in the company's time zone."})
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Company or name."})
    include_merged = Boolean(load_default=False)
    sort = fields.String(load_default="-captured_at",
                         metadata={"description": "captured_at, received_at, score, grade, followup_due_at, "
                                                  "company, status or updated_at; prefix - for descending."})


class LeadExportArgs(LeadListArgs):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=100000, validate=validate.Range(min=1, max=100000))


# -- leads out ----------------------------------------------------------------------------------
class ContactOut(Schema):
    name = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    masked = Boolean()


class MoneyOut(Schema):
    amount = DecimalString()
    currency = fields.String()


class ContributionOut(Schema):
    rule = fields.String()
    description = fields.String()
    points = fields.Integer()


class GradingOut(Schema):
    grade = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    computed_grade = fields.String(allow_none=True)
    ruleset_version = fields.String(allow_none=True)
    contributions = fields.List(fields.Nested(ContributionOut))
    override = fields.Dict(allow_none=True)


class LeadOut(Schema):
    id = fields.String()
    status = fields.String()
    company = fields.String(allow_none=True)
    person_name = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    company_size = fields.Integer(allow_none=True)
    contact = fields.Nested(ContactOut)
    needs = fields.String()
    product_lines = fields.List(fields.String())
    budget = fields.Nested(MoneyOut, allow_none=True)
    expected_purchase_by = fields.Date(allow_none=True)
    source = fields.String()
    source_detail = fields.Dict()
    received_at = fields.DateTime()
    captured_at = fields.DateTime()
    captured_by = fields.String(allow_none=True)
    grading = fields.Nested(GradingOut)
    owner_rep_id = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    assignment = fields.Dict(allow_none=True)
    followup_due_at = fields.DateTime(allow_none=True)
    overdue = Boolean()
    first_contact_at = fields.DateTime(allow_none=True)
    last_activity_at = fields.DateTime(allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    customer_id = fields.String(allow_none=True)
    qualified_at = fields.DateTime(allow_none=True)
    converted_at = fields.DateTime(allow_none=True)
    expected_amount = fields.Nested(MoneyOut, allow_none=True)
    disqualified_at = fields.DateTime(allow_none=True)
    disqualified_reason = fields.String(allow_none=True)
    updated_at = fields.DateTime()
    version = fields.Integer()


class LeadPage(Schema):
    items = fields.List(fields.Nested(LeadOut))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class ActivityOut(Schema):
    id = fields.String()
    lead_id = fields.String()
    rep_id = fields.String()
    kind = fields.String()
    outcome = fields.String()
    summary = fields.String()
    next_step = fields.String()
    next_step_due_at = fields.DateTime(allow_none=True)
    occurred_at = fields.DateTime()
    first_contact = Boolean()
    created_at = fields.DateTime()


class HistoryOut(Schema):
    lead_id = fields.String()
    at = fields.DateTime()
    action = fields.String()
    actor = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)


class MergeOut(Schema):
    id = fields.String()
    primary_id = fields.String()
    duplicate_id = fields.String()
    merged_at = fields.DateTime()
    merged_by = fields.String(allow_none=True)
    changes = fields.List(fields.Dict())
    undone_at = fields.DateTime(allow_none=True)
    undone_by = fields.String(allow_none=True)


class ConversionOut(Schema):
    lead = fields.Nested(LeadOut)
    customer_id = fields.String()
    customer_created = Boolean()


class PoolAssignOut(Schema):
    assigned = fields.Integer()


# -- imports ------------------------------------------------------------------------------------
class ImportArgs(Schema):
    record_duplicates = Boolean(load_default=False)


class ImportErrorOut(Schema):
    line = fields.Integer()
    errors = fields.Dict()


class ImportOut(Schema):
    id = fields.String()
    status = fields.String()
    filename = fields.String(allow_none=True)
    total_rows = fields.Integer()
    imported = fields.Integer()
    rejected = fields.Integer()
    pending = fields.Integer()
    done = fields.Integer(metadata={"description": "Rows done so far: imported or failed."})
    failed = fields.Integer(metadata={"description": "Rows failed so far (refused by their fields, as "
                                                     "duplicates, or by the database): the same as rejected."})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    errors = fields.List(fields.Nested(ImportErrorOut))
    errors_page = fields.Integer()
    errors_total = fields.Integer()


class ImportPageArgs(PageArgs):
    page_size = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


# -- reps ---------------------------------------------------------------------------------------
class SkillsIn(Schema):
    product_lines = _codes()
    regions = _codes()
    industries = _codes()


class RepIn(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                       metadata={"description": "The rep's user id (the sub of their token)."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    team = _maybe_text(80)
    region = Code(allow_none=True, validate=validate.Length(max=80))
    active = Boolean(load_default=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    skills = fields.Nested(SkillsIn, load_default=dict)


class RepPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    team = _maybe_text(80)
    region = Code(allow_none=True, validate=validate.Length(max=80))
    active = Boolean()
    capacity = fields.Integer(validate=validate.Range(min=0, max=100000))
    skills = fields.Nested(SkillsIn)


class RepListArgs(PageArgs):
    team = fields.String()
    region = Code()
    active = Boolean()


class RepOut(Schema):
    id = fields.String()
    name = fields.String()
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    active = Boolean()
    capacity = fields.Integer()
    load = fields.Integer()
    skills = fields.Dict()
    last_assigned_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class RepPage(Schema):
    items = fields.List(fields.Nested(RepOut))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


# -- customers ----------------------------------------------------------------------------------
class CustomerContactIn(ContactIn):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    birthday = fields.Date(allow_none=True)
    is_primary = Boolean(load_default=False)

    @validates_schema
    def _reachable(self, data, **kwargs):
        if not (data.get("phone") or data.get("email")):
            raise ValidationError("Give a phone number or an e-mail address.", "phone")


class CustomerIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    company = _maybe_text(200)
    category = fields.String(load_default="prospect", validate=validate.OneOf(CATEGORIES))
    industry = Code(allow_none=True, validate=validate.Length(max=80))
    region = Code(allow_none=True, validate=validate.Length(max=80))
    team = _maybe_text(80)
    owner_rep_id = _maybe_text(64)
    preferences = fields.Dict(keys=fields.String(validate=validate.Length(max=80)), load_default=dict)
    birthday = fields.Date(allow_none=True)
    contacts = fields.List(fields.Nested(CustomerContactIn), load_default=list, validate=validate.Length(max=50))


class CustomerPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    company = _maybe_text(200)
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    industry = Code(allow_none=True, validate=validate.Length(max=80))
    region = Code(allow_none=True, validate=validate.Length(max=80))
    team = _maybe_text(80)
    owner_rep_id = _maybe_text(64)
    preferences = fields.Dict(keys=fields.String(validate=validate.Length(max=80)))
    birthday = fields.Date(allow_none=True)


class CustomerListArgs(PageArgs):
    category = DelimitedList(fields.String(validate=validate.OneOf(CATEGORIES)), validate=validate.Length(min=1))
    abc_class = DelimitedList(fields.String(validate=validate.OneOf(("A", "B", "C"))), validate=validate.Length(min=1))
    owner = fields.String()
    region = Code()
    q = fields.String(validate=validate.Length(min=1, max=100))
    sort = fields.String(load_default="name", metadata={"description": "name, created_at, updated_at or "
                                                                       "last_deal_at; prefix - for descending."})


class CustomerContactOut(ContactOut):
    id = fields.String()
    birthday = fields.Date(allow_none=True)
    is_primary = Boolean()


class HistoryTotals(Schema):
    won_count = fields.Integer()
    lost_count = fields.Integer()
    won_totals = fields.List(fields.Nested(MoneyOut))
    won_total_company = fields.Nested(MoneyOut)
    last_deal_at = fields.DateTime(allow_none=True)


class CustomerOut(Schema):
    id = fields.String()
    name = fields.String()
    company = fields.String(allow_none=True)
    category = fields.String()
    abc_class = fields.String(allow_none=True)
    classified_as_of = fields.DateTime(allow_none=True)
    industry = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    owner_rep_id = fields.String(allow_none=True)
    preferences = fields.Dict()
    birthday = fields.Date(allow_none=True)
    source_lead_id = fields.String(allow_none=True)
    contacts = fields.List(fields.Nested(CustomerContactOut))
    purchase_history = fields.Nested(HistoryTotals)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CustomerPage(Schema):
    items = fields.List(fields.Nested(CustomerOut))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


# -- rules --------------------------------------------------------------------------------------
RULE_KINDS = ("grading", "assignment", "followup", "calendar")


class RulesIn(Schema):
    version = fields.String(required=True, validate=validate.Length(min=1, max=40))
    config = fields.Dict(required=True, metadata={"description": "The rules as JSON; see the README."})


class RulesOut(Schema):
    kind = fields.String()
    version = fields.String()
    config = fields.Dict(allow_none=True)
    default = Boolean()
    activated_at = fields.DateTime(allow_none=True)


# -- presenting records: personal data masked unless the caller may see it -----------------------------------------
# Lists, details and exports all go through these functions, so a field masked in one is masked in all.

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
