"""What the Deals API reads and writes (marshmallow), and the rows shaped for the
output schemas, with personal data masked as the caller's role requires.

Input schemas reject unknown fields (marshmallow's default RAISE) and say what
is wrong field by field; decimals travel as strings, never floats.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from salesloop.web.auth import Principal, can_see_personal_data, mask_email, mask_phone
from salesloop.web.fields import Amount, Boolean, DecimalString, Number, PageOf, Percent, page_args
from webargs.fields import DelimitedList

from deals.domain import FORECAST_DIMENSIONS, OPEN_STAGES, Forecast, Side, Stage
from deals.domain.contracts import ContractStatus
from deals.domain.money import round_money
from deals.domain.quotes import QuoteStatus
from deals.domain.stages import ALL_STAGES
from deals.models import ContractRow, CustomerRow, DealRow, MinutesRow, ProposalRow
from deals.repository import followup_priority, priced_items, totals_of

OPEN_STAGE_NAMES = [stage.value for stage in OPEN_STAGES]
STAGE_NAMES = [stage.value for stage in ALL_STAGES]
MOVE_TARGETS = [*OPEN_STAGE_NAMES, "lost"]  # won only by signing a contract
MAX_AMOUNT = Decimal(10**12)
ListArgs = page_args(10, 100)  # the sizes flask-smorest's pagination had


# -- fields ---------------------------------------------------------------------------------
def max_places(places: int):
    def check(value: Decimal) -> None:
        if value is not None and value.as_tuple().exponent < -places:
            raise ValidationError(f"Use at most {places} decimal places.")

    return check


amount_field, percent_field = Amount, Percent


def currency_field(**kwargs) -> fields.String:
    return fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error="Use a three-letter ISO 4217 code, e.g. CNY."),
                         **kwargs)


def text_field(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def required_text(max_length: int, **kwargs) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)


class Money(DecimalString):
    """An amount rounded to its currency's minor unit, read from a sibling attribute."""

    def __init__(self, currency: str = "currency", **kwargs):
        super().__init__(**kwargs)
        self.currency_key = currency

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        currency = obj[self.currency_key] if isinstance(obj, dict) else getattr(obj, self.currency_key)
        return super()._serialize(round_money(Decimal(value), currency), attr, obj, **kwargs)


# -- deals ------------------------------------------------------------------------------------
class SpinSchema(Schema):
    situation = text_field(5000, load_default="")
    problem = text_field(5000, load_default="")
    implication = text_field(5000, load_default="")
    need_payoff = text_field(5000, load_default="")


class DealPatch(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    customer_name = fields.String(validate=validate.Length(min=1, max=200))
    amount = amount_field()
    currency = currency_field()
    expected_close_date = fields.Date()
    needs = text_field(5000)
    goals = text_field(5000)
    competitors = fields.List(fields.String(validate=validate.Length(min=1, max=200)), validate=validate.Length(max=20))
    products = fields.List(fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=50))
    spin = fields.Nested(SpinSchema)
    owner_rep_id = fields.String(validate=validate.Length(min=1, max=64))
    team = fields.String(validate=validate.Length(min=1, max=64))
    region = fields.String(validate=validate.Length(min=1, max=64))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class DealIn(DealPatch):
    customer_id = required_text(64)
    amount = amount_field(required=True)
    currency = currency_field(required=True)
    expected_close_date = fields.Date(required=True)
    stage = fields.String(load_default="qualification", validate=validate.OneOf(OPEN_STAGE_NAMES))


class CustomerOut(Schema):
    id = fields.String()
    name = fields.String()
    company = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    abc_class = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    masked = Boolean()


class StageChangeOut(Schema):
    from_stage = fields.String()
    to_stage = fields.String()
    kind = fields.String()
    changed_by = fields.String()
    changed_at = fields.DateTime()
    reason = fields.String(allow_none=True)
    competitor = fields.String(allow_none=True)
    probability = Number()


class DealOut(Schema):
    id = fields.String()
    lead_id = fields.String(allow_none=True)
    title = fields.String()
    customer_id = fields.String()
    customer_name = fields.String()
    owner_rep_id = fields.String()
    team = fields.String()
    region = fields.String()
    stage = fields.String()
    is_open = Boolean()
    amount = Money()
    currency = fields.String()
    probability = Number()
    probability_overridden = Boolean()
    grade = fields.String()
    followup_priority = fields.Integer(metadata={"description": "1 (grade A) is followed up first"})
    followup_due_at = fields.DateTime(allow_none=True)
    followup_overdue = Boolean()
    expected_close_date = fields.Date()
    needs = fields.String()
    goals = fields.String()
    competitors = fields.List(fields.String())
    products = fields.List(fields.String())
    spin = fields.Nested(SpinSchema)
    source = fields.String(allow_none=True)
    lost_reason = fields.String(allow_none=True)
    lost_to = fields.String(allow_none=True)
    contract_id = fields.String(allow_none=True)
    opened_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class DealDetailOut(DealOut):
    customer = fields.Nested(CustomerOut, allow_none=True)
    history = fields.List(fields.Nested(StageChangeOut))


DEAL_SORTS = ["opened_at", "updated_at", "expected_close_date", "amount", "probability", "followup",
              "customer_name", "stage"]


class DealQuery(ListArgs):
    stage = DelimitedList(fields.String(validate=validate.OneOf(STAGE_NAMES)), validate=validate.Length(min=1))
    grade = DelimitedList(fields.String(validate=validate.OneOf(["A", "B", "C"])), validate=validate.Length(min=1))
    status = fields.String(validate=validate.OneOf(["open", "closed"]))
    rep_id = fields.String()
    team = fields.String()
    region = fields.String()
    customer_id = fields.String()
    lead_id = fields.String()
    q = fields.String(validate=validate.Length(min=1, max=100),
                      metadata={"description": "words in the title or the customer's name"})
    close_from = fields.Date()
    close_to = fields.Date()
    followup_overdue = Boolean()
    sort = fields.String(load_default="-opened_at",
                         validate=validate.OneOf(DEAL_SORTS + [f"-{name}" for name in DEAL_SORTS]))


class StageMoveIn(Schema):
    to_stage = fields.String(required=True, validate=validate.OneOf(
        MOVE_TARGETS, error="Move to an open stage or to lost; a deal is won by signing its contract."))
    reason = text_field(2000, load_default=None, allow_none=True)
    competitor = text_field(200, load_default=None, allow_none=True)


class ReopenIn(Schema):
    to_stage = fields.String(required=True, validate=validate.OneOf(OPEN_STAGE_NAMES))
    reason = required_text(2000)


class ProbabilityIn(Schema):
    probability = percent_field(required=True, allow_none=True,
                                metadata={"description": "percent; null returns to the stage's default"})


# -- proposals ----------------------------------------------------------------------------------
class LineItemIn(Schema):
    product_code = required_text(64)
    description = text_field(500, load_default="")
    quantity = amount_field(required=True, exclusive=True)
    unit_price = amount_field(required=True)
    discount_pct = percent_field(load_default=Decimal(0))
    tax_rate_pct = percent_field(load_default=Decimal(0))
    unit_cost = amount_field(load_default=None, allow_none=True)


class ProposalPatch(Schema):
    items = fields.List(fields.Nested(LineItemIn), validate=validate.Length(max=200))
    valid_until = fields.Date()
    notes = text_field(5000)

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class ProposalIn(Schema):
    currency = currency_field(metadata={"description": "required for the first version; later ones copy it"})
    valid_until = fields.Date(required=True)
    items = fields.List(fields.Nested(LineItemIn), validate=validate.Length(max=200),
                        metadata={"description": "defaults to a copy of the previous version's items"})
    notes = text_field(5000, load_default="")


class RejectIn(Schema):
    reason = text_field(2000, load_default=None, allow_none=True)


class PricedLineOut(Schema):
    position = fields.Integer()
    product_code = fields.String()
    description = fields.String()
    quantity = Number()
    unit_price = Number()
    discount_pct = Number()
    tax_rate_pct = Number()
    unit_cost = Number(allow_none=True)
    list_amount = Money()
    discount = Money()
    net = Money()
    tax = Money()
    gross = Money()


class TotalsOut(Schema):
    currency = fields.String()
    list_amount = Money()
    discount = Money()
    net = Money()
    tax = Money()
    gross = Money()


class ProposalOut(Schema):
    id = fields.String()
    deal_id = fields.String()
    version = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in QuoteStatus]))
    currency = fields.String()
    valid_until = fields.Date()
    notes = fields.String()
    items = fields.List(fields.Nested(PricedLineOut))
    totals = fields.Nested(TotalsOut)
    created_by = fields.String()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True)


# -- negotiation minutes --------------------------------------------------------------------------
class AttendeeSchema(Schema):
    name = required_text(120)
    side = fields.String(load_default="customer", validate=validate.OneOf([s.value for s in Side]))
    title = text_field(120, load_default="")


class NextStepSchema(Schema):
    action = required_text(500)
    owner = required_text(120)
    due = fields.Date(load_default=None, allow_none=True)


class MinutesIn(Schema):
    held_at = fields.AwareDateTime(required=True)
    subject = text_field(300, load_default="")
    attendees = fields.List(fields.Nested(AttendeeSchema), required=True, validate=validate.Length(min=1, max=50))
    agreed_points = fields.List(fields.String(validate=validate.Length(max=2000)), load_default=list)
    open_points = fields.List(fields.String(validate=validate.Length(max=2000)), load_default=list)
    next_steps = fields.List(fields.Nested(NextStepSchema), load_default=list)


class MinutesOut(Schema):
    id = fields.String()
    deal_id = fields.String()
    subject = fields.String()
    held_at = fields.DateTime()
    recorded_by = fields.String()
    recorded_at = fields.DateTime()
    attendees = fields.List(fields.Nested(AttendeeSchema))
    agreed_points = fields.List(fields.String())
    open_points = fields.List(fields.String())
    next_steps = fields.List(fields.Nested(NextStepSchema))
    settled = Boolean(metadata={"description": "true when no point is left open"})


# -- contracts ---------------------------------------------------------------------------------------
class ContractPatch(Schema):
    delivery_terms = fields.String(validate=validate.Length(min=1, max=2000))
    payment_terms = fields.String(validate=validate.Length(min=1, max=2000))
    delivery_date = fields.Date()
    delivery_address = fields.String(validate=validate.Length(min=1, max=500))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.", "_schema")


class ContractIn(ContractPatch):
    delivery_terms = required_text(2000)
    payment_terms = required_text(2000)
    delivery_date = fields.Date(required=True)
    delivery_address = required_text(500)


class ContractRejectIn(Schema):
    reason = required_text(2000)


class SignIn(Schema):
    signatory = required_text(200, metadata={"description": "the customer's person who signed"})
    signatory_title = text_field(200, load_default=None, allow_none=True)
    signed_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                     metadata={"description": "when it was signed; defaults to now"})


class ContractChangeOut(Schema):
    from_status = fields.String()
    to_status = fields.String()
    changed_by = fields.String()
    changed_at = fields.DateTime()
    reason = fields.String(allow_none=True)


class ContractOut(Schema):
    id = fields.String()
    deal_id = fields.String()
    proposal_id = fields.String()
    quote_version = fields.Integer()
    customer_id = fields.String()
    owner_rep_id = fields.String()
    team = fields.String()
    region = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in ContractStatus]))
    revision = fields.Integer()
    currency = fields.String()
    items = fields.List(fields.Nested(PricedLineOut))
    totals = fields.Nested(TotalsOut)
    delivery_terms = fields.String()
    payment_terms = fields.String()
    delivery_date = fields.Date()
    delivery_address = fields.String()
    drafted_by = fields.String()
    drafted_at = fields.DateTime()
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    signatory = fields.String(allow_none=True)
    signatory_title = fields.String(allow_none=True)
    company_currency = fields.String(allow_none=True)
    fx_rate = Number(allow_none=True)
    net_company = Money(currency="company_currency", allow_none=True)
    gross_company = Money(currency="company_currency", allow_none=True)
    history = fields.List(fields.Nested(ContractChangeOut))


class ContractQuery(ListArgs):
    status = DelimitedList(fields.String(validate=validate.OneOf([s.value for s in ContractStatus])),
                           validate=validate.Length(min=1))
    rep_id = fields.String()
    team = fields.String()
    region = fields.String()
    customer_id = fields.String()
    sort = fields.String(load_default="-updated_at", validate=validate.OneOf(
        ["updated_at", "-updated_at", "delivery_date", "-delivery_date", "drafted_at", "-drafted_at"]))


# -- forecast ----------------------------------------------------------------------------------------
class ForecastQuery(Schema):
    as_of = fields.Date(metadata={"description": "defaults to today in the company's time zone"})
    close_from = fields.Date(metadata={"description": "only deals expected to close on or after this date"})
    close_to = fields.Date(metadata={"description": "only deals expected to close on or before this date"})
    rep_id = fields.String()
    team = fields.String()
    region = fields.String()
    group_by = DelimitedList(fields.String(validate=validate.OneOf(FORECAST_DIMENSIONS)),
                             load_default=lambda: list(FORECAST_DIMENSIONS), validate=validate.Length(min=1))

    @validates_schema
    def ordered_dates(self, data, **kwargs):
        if data.get("close_from") and data.get("close_to") and data["close_from"] > data["close_to"]:
            raise ValidationError("close_to cannot be before close_from.", "close_to")


class FigureOut(Schema):
    key = fields.String()
    count = fields.Integer()
    amount = Money()
    weighted = Money()
    currency = fields.String()


class StageFigureOut(Schema):
    stage = fields.String()
    count = fields.Integer()
    amount = Money()
    currency = fields.String()


class RateUsedOut(Schema):
    currency = fields.String()
    fx_rate = Number()
    source = fields.String(metadata={"description": "rate table, or the deal's last known rate"})


class ForecastOut(Schema):
    as_of = fields.Date()
    currency = fields.String(metadata={"description": "the company currency every figure is in"})
    open_count = fields.Integer()
    unweighted_total = Money()
    weighted_total = Money()
    overdue = fields.Nested(FigureOut)
    by_stage = fields.List(fields.Nested(StageFigureOut))
    by_month = fields.List(fields.Nested(FigureOut))
    by_rep = fields.List(fields.Nested(FigureOut))
    by_team = fields.List(fields.Nested(FigureOut))
    by_region = fields.List(fields.Nested(FigureOut))
    rates = fields.List(fields.Nested(RateUsedOut))


DealPage = PageOf(DealOut)
ContractPage = PageOf(ContractOut)


# -- rows shaped for the output schemas ----------------------------------------------
def deal_view(row: DealRow, now: datetime) -> dict:
    values = {column: getattr(row, column) for column in (
        "id", "lead_id", "title", "customer_id", "customer_name", "owner_rep_id", "team", "region", "stage",
        "amount", "currency", "probability", "grade", "followup_due_at", "expected_close_date", "needs", "goals",
        "competitors", "products", "spin", "source", "lost_reason", "lost_to", "contract_id", "opened_at",
        "updated_at", "closed_at")}
    return {
        **values,
        "is_open": Stage(row.stage).is_open,
        "probability_overridden": row.probability_override is not None,
        "followup_priority": followup_priority(row.grade),
        "followup_overdue": row.followup_due_at is not None and row.followup_due_at < now,
    }


def deal_detail(row: DealRow, customer: CustomerRow | None, principal: Principal, now: datetime) -> tuple[dict, bool]:
    """The deal with its history and customer; says whether unmasked personal data is in it."""
    shown, unmasked = _customer(customer, principal, row.owner_rep_id)
    history = [{"from_stage": c.from_stage, "to_stage": c.to_stage, "kind": c.kind, "changed_by": c.changed_by,
                "changed_at": c.changed_at, "reason": c.reason, "competitor": c.competitor,
                "probability": c.probability} for c in row.changes]
    return {**deal_view(row, now), "customer": shown, "history": history}, unmasked


def _customer(customer: CustomerRow | None, principal: Principal, owner: str) -> tuple[dict | None, bool]:
    if customer is None:
        return None, False
    allowed = can_see_personal_data(principal, owner)
    phone, email = customer.contact_phone, customer.contact_email
    shown = {
        "id": customer.id, "name": customer.name, "company": customer.company, "category": customer.category,
        "abc_class": customer.abc_class, "contact_name": customer.contact_name,
        "contact_phone": phone if allowed else mask_phone(phone),
        "contact_email": email if allowed else mask_email(email), "masked": not allowed,
    }
    return shown, allowed and bool(phone or email)


def proposal_view(row: ProposalRow) -> dict:
    values = {column: getattr(row, column) for column in (
        "id", "deal_id", "version", "status", "currency", "valid_until", "notes", "created_by", "created_at",
        "sent_at", "decided_at", "rejection_reason")}
    return {**values, "items": priced_items(row.items, row.currency), "totals": totals_of(row)}


def contract_view(row: ContractRow) -> dict:
    values = {column: getattr(row, column) for column in (
        "id", "deal_id", "proposal_id", "quote_version", "customer_id", "owner_rep_id", "team", "region", "status",
        "revision", "currency", "delivery_terms", "payment_terms", "delivery_date", "delivery_address",
        "drafted_by", "drafted_at", "reviewed_by", "reviewed_at", "rejection_reason", "signed_at", "signatory",
        "signatory_title", "company_currency", "fx_rate", "net_company", "gross_company")}
    history = [{"from_status": c.from_status, "to_status": c.to_status, "changed_by": c.changed_by,
                "changed_at": c.changed_at, "reason": c.reason} for c in row.changes]
    return {**values, "items": priced_items(row.items, row.currency), "totals": totals_of(row), "history": history}


def minutes_view(row: MinutesRow) -> dict:
    steps = [{**step, "due": date.fromisoformat(step["due"]) if step.get("due") else None} for step in row.next_steps]
    return {"id": row.id, "deal_id": row.deal_id, "subject": row.subject, "held_at": row.held_at,
            "recorded_by": row.recorded_by, "recorded_at": row.recorded_at, "attendees": row.attendees,
            "agreed_points": row.agreed_points, "open_points": row.open_points, "next_steps": steps,
            "settled": not row.open_points}


def forecast_view(result: Forecast, rates: list[dict]) -> dict:
    currency = result.company_currency

    def figures(dimension: str) -> list[dict]:
        groups = result.groups.get(dimension, {})
        return [{"key": key, "count": f.count, "amount": f.amount, "weighted": f.weighted, "currency": currency}
                for key, f in groups.items()]

    return {
        "as_of": result.as_of, "currency": currency, "open_count": result.pipeline.count,
        "unweighted_total": result.unweighted_total, "weighted_total": result.weighted_total,
        "overdue": {"key": "overdue", "count": result.overdue.count, "amount": result.overdue.amount,
                    "weighted": result.overdue.weighted, "currency": currency},
        "by_stage": [{"stage": stage.value, "count": f.count, "amount": f.amount, "currency": currency}
                     for stage, f in result.by_stage.items()],
        "by_month": figures("month"), "by_rep": figures("rep"), "by_team": figures("team"),
        "by_region": figures("region"), "rates": rates,
    }
