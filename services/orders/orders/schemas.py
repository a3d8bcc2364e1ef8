"""The API's request and response bodies.

Inputs reject unknown fields (marshmallow's default RAISE) and say what is
wrong per field; decimals travel as strings. The domain checks again what
only it can (the delivery date against the day the order was placed, payment
against the amount due) and answers with the same field-level shape.
"""
from __future__ import annotations

from datetime import timezone
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from salesloop.web.fields import Boolean, DecimalString, PageOf, page_args

from orders.domain.changes import ChangeStatus
from orders.domain.lifecycle import OrderState
from orders.domain.order import OrderSource, PaymentTerms
from orders.domain.plan import StageStatus

import re
from datetime import datetime

from salesloop.web.auth import Principal, can_see_personal_data, mask_email, mask_phone

from orders.config import OrdersConfig
from orders.repository import plain, utc
from orders.domain.currency import to_company_currency
from orders.domain.items import compute_amounts
from orders.domain.lifecycle import allowed_targets
from orders.events import line_data
from orders.models import ChangeRequestRecord, OrderRecord, OrderVersionRecord, StageRecord
from orders.repository import impact_from, item_from
from orders.repository import money as rounded_money

MAX_PLACES = 6
ListArgs = page_args(10, 100)  # the sizes flask-smorest's pagination had
PAYMENT_TERMS_HELP = "must be prepaid, cash_on_delivery or net_<days> (1 to 180 days)"


def _places(value: Decimal) -> None:
    if value.as_tuple().exponent < -MAX_PLACES:
        raise ValidationError(f"must have at most {MAX_PLACES} decimal places")


def _payment_terms(value: str) -> None:
    if PaymentTerms.parse(value) is None:
        raise ValidationError(PAYMENT_TERMS_HELP)


def decimal(*, minimum: str | None = "0", exclusive: bool = False, maximum: str | None = None, **kwargs):
    checks = [_places]
    if minimum is not None or maximum is not None:
        checks.append(validate.Range(min=None if minimum is None else Decimal(minimum),
                                     max=None if maximum is None else Decimal(maximum),
                                     min_inclusive=not exclusive))
    return DecimalString(validate=checks, **kwargs)


def text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


def aware(**kwargs):
    return fields.AwareDateTime(default_timezone=timezone.utc, **kwargs)


CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="must be a 3-letter ISO 4217 code in upper case (e.g. CNY)")


# -- inputs ---------------------------------------------------------------------------------------
class CustomerIn(Schema):
    id = text(64, required=True)
    name = text(200, required=True)
    phone = text(40, allow_none=True, load_default=None)
    email = fields.Email(allow_none=True, load_default=None)
    contact_name = text(200, allow_none=True, load_default=None)


class ItemIn(Schema):
    product_code = text(64, required=True)
    description = text(500, required=True)
    quantity = decimal(exclusive=True, required=True)
    unit_price = decimal(required=True)
    unit_cost = decimal(allow_none=True, load_default=None)
    discount_pct = decimal(maximum="100", load_default=Decimal(0))
    tax_rate_pct = decimal(maximum="100", load_default=Decimal(0))


class AddressIn(Schema):
    line1 = text(200, required=True)
    line2 = fields.String(validate=validate.Length(max=200), load_default="")
    city = text(100, required=True)
    region = fields.String(validate=validate.Length(max=200), load_default="")
    postal_code = fields.String(validate=validate.Length(max=20), load_default="")
    country = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Z]{2}$", error="must be a 2-letter ISO 3166 country code in upper case (e.g. CN)"))
    recipient = fields.String(validate=validate.Length(max=200), load_default="")


class PhoneOrderIn(Schema):
    customer = fields.Nested(CustomerIn, required=True)
    items = fields.List(fields.Nested(ItemIn), required=True, validate=validate.Length(min=1, max=500))
    currency = fields.String(required=True, validate=CURRENCY)
    delivery_date = fields.Date(required=True)
    shipping_address = fields.Nested(AddressIn, required=True)
    payment_terms = fields.String(required=True, validate=_payment_terms)
    placed_at = aware(load_default=None, metadata={"description": "when the customer called; default now"})
    notes = fields.String(validate=validate.Length(max=2000), load_default="")
    rep_id = text(100, load_default=None, metadata={"description": "default: the caller"})
    team = text(100, load_default=None)
    region = text(100, load_default=None)


class NoteIn(Schema):
    note = text(2000, load_default=None)


class ShipIn(Schema):
    carrier = text(100, required=True)
    tracking_number = text(100, required=True)
    note = text(2000, load_default=None)


class DeliverIn(Schema):
    delivered_at = aware(load_default=None, metadata={"description": "default now"})
    note = text(2000, load_default=None)


class AcceptIn(Schema):
    comment = text(2000, load_default=None)
    resolution = text(2000, load_default=None, metadata={"description": "required when the order was disputed"})


class ReasonIn(Schema):
    reason = text(2000, required=True)


class SettleIn(Schema):
    paid_amount = decimal(required=True)
    currency = fields.String(required=True, validate=CURRENCY)
    paid_at = aware(load_default=None, metadata={"description": "default now"})
    note = text(2000, load_default=None,
                metadata={"description": "required when the payment differs from the amount due"})


class StagePatchIn(Schema):
    owner = text(100)
    due_date = fields.Date()

    @validates_schema
    def _something(self, data, **_):
        if not data:
            raise ValidationError("give an owner, a due_date or both", "_schema")


class QuantityChangeIn(Schema):
    product_code = text(64, required=True)
    quantity = decimal(exclusive=True, required=True)


class ChangeIn(Schema):
    reason = text(2000, required=True)
    quantity_changes = fields.List(fields.Nested(QuantityChangeIn), load_default=list)
    added_items = fields.List(fields.Nested(ItemIn), load_default=list)
    removed_items = fields.List(text(64), load_default=list)
    new_delivery_date = fields.Date(load_default=None)


SORTS = ("placed_at", "-placed_at", "delivery_date", "-delivery_date", "total_amount", "-total_amount",
         "order_number", "-order_number", "updated_at", "-updated_at")


class OrderQuery(ListArgs):
    status = fields.String(validate=validate.OneOf([str(s) for s in OrderState]))
    origin = fields.String(validate=validate.OneOf([str(s) for s in OrderSource]))
    customer_id = fields.String()
    contract_id = fields.String()
    storefront_order_id = fields.String()
    rep_id = fields.String()
    team = fields.String()
    region = fields.String()
    placed_from = aware()
    placed_to = aware()
    sort = fields.String(validate=validate.OneOf(SORTS), load_default="-placed_at")


class OverdueQuery(Schema):
    owner = fields.String()
    stage = fields.String()


# -- outputs ----------------------------------------------------------------------------------------
money = DecimalString


class ContactOut(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    masked = Boolean()


class LineOut(Schema):
    product_code = fields.String()
    description = fields.String()
    quantity = money()
    unit_price = money()
    unit_cost = money(allow_none=True)
    discount_pct = money()
    tax_rate_pct = money()
    amount = money()
    tax_amount = money()


class AmountsOut(Schema):
    currency = fields.String()
    total_amount = money(metadata={"description": "net of tax"})
    tax_amount = money()
    gross_amount = money()
    total_cost = money(allow_none=True)
    gross_profit = money(allow_none=True)
    margin_percent = money(allow_none=True)
    cost_note = fields.String(allow_none=True)


class StageOut(Schema):
    name = fields.String()
    position = fields.Integer()
    owner = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf([str(s) for s in StageStatus]))
    planned_start = fields.Date(allow_none=True)
    due_date = fields.Date()
    overdue = Boolean()
    days_overdue = fields.Integer()
    started_at = fields.DateTime(allow_none=True)
    started_by = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    blocked_reason = fields.String(allow_none=True)


class PlanOut(Schema):
    order_id = fields.String()
    progress = money(metadata={"description": "percent of stages done"})
    current_stage = fields.String(allow_none=True)
    complete = Boolean()
    feasible = Boolean(metadata={"description": "whether the first stage can still start on time"})
    overdue_stages = fields.List(fields.String())
    stages = fields.List(fields.Nested(StageOut))


class TransitionOut(Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    by = fields.String()
    at = fields.DateTime()
    details = fields.Dict()


class VersionOut(Schema):
    number = fields.Integer()
    currency = fields.String()
    fx_rate = money()
    delivery_date = fields.Date()
    total_amount = money()
    tax_amount = money()
    gross_amount = money()
    total_cost = money(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()
    change_id = fields.String(allow_none=True)
    items = fields.List(fields.Nested(LineOut))


class OrderSummaryOut(Schema):
    id = fields.String()
    order_number = fields.String()
    origin = fields.String()
    status = fields.String()
    contract_id = fields.String(allow_none=True)
    storefront_order_id = fields.String(allow_none=True)
    customer_id = fields.String()
    customer_name = fields.String()
    rep_id = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    currency = fields.String()
    total_amount = money()
    gross_amount = money()
    version = fields.Integer()
    delivery_date = fields.Date()
    placed_at = fields.DateTime()
    updated_at = fields.DateTime()
    progress = money()


class ShipmentOut(Schema):
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class SettlementOut(Schema):
    paid_amount = money(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    balance = money(allow_none=True, metadata={"description": "amount due minus paid; null until settled"})


class OrderOut(OrderSummaryOut):
    deal_id = fields.String(allow_none=True)
    customer_contact = fields.Nested(ContactOut, allow_none=True)
    fx_rate = money()
    company_currency = fields.String()
    total_amount_company = money()
    amounts = fields.Nested(AmountsOut)
    items = fields.List(fields.Nested(LineOut))
    delivery_address = fields.String(allow_none=True)
    shipping_address = fields.Dict(allow_none=True)
    delivery_terms = fields.String(allow_none=True)
    payment_terms = fields.String(allow_none=True)
    notes = fields.String()
    created_at = fields.DateTime()
    created_by = fields.String()
    shipment = fields.Nested(ShipmentOut)
    settlement = fields.Nested(SettlementOut)
    closing_reason = fields.String(allow_none=True)
    allowed_transitions = fields.List(fields.String())
    overdue_stages = fields.List(fields.String())
    history = fields.List(fields.Nested(TransitionOut))


class ImpactOut(Schema):
    base_version = fields.Integer()
    currency = fields.String()
    delta_amount = money()
    delta_cost = money(allow_none=True)
    new_total = money()
    new_total_cost = money(allow_none=True)
    new_gross_profit = money(allow_none=True)
    current_delivery_date = fields.Date()
    new_delivery_date = fields.Date()
    days_late = fields.Integer()
    earliest_feasible_date = fields.Date(allow_none=True)
    requested_date_feasible = Boolean()
    cost_note = fields.String(allow_none=True)


class ChangeOut(Schema):
    id = fields.String()
    order_id = fields.String()
    base_version = fields.Integer()
    status = fields.String(validate=validate.OneOf([str(s) for s in ChangeStatus]))
    reason = fields.String()
    requested = fields.Dict()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    impact = fields.Nested(ImpactOut, allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    applied_at = fields.DateTime(allow_none=True)
    applied_version = fields.Integer(allow_none=True)


class OverdueStageOut(Schema):
    order_id = fields.String()
    order_number = fields.String()
    customer_name = fields.String()
    order_status = fields.String()
    stage = fields.String()
    owner = fields.String(allow_none=True)
    status = fields.String()
    due_date = fields.Date()
    days_overdue = fields.Integer()
    delivery_date = fields.Date()


OrderSummaryPage = PageOf(OrderSummaryOut)


# -- presenting orders, plans, versions and change requests --------------------------------------------------------
# Reads only: amounts rounded to the currency, decimals in canonical form, personal data masked for callers
# without the right to see it.

def order_summary(record: OrderRecord) -> dict:
    currency = record.currency
    return {
        "id": record.id, "order_number": record.order_number, "origin": record.origin, "status": record.status,
        "contract_id": record.contract_id, "storefront_order_id": record.storefront_order_id,
        "customer_id": record.customer_id, "customer_name": record.customer_name, "rep_id": record.rep_id,
        "team": record.team, "region": record.region, "currency": currency,
        "total_amount": rounded_money(record.total_amount, currency), "gross_amount": rounded_money(record.gross_amount, currency),
        "version": record.version, "delivery_date": record.delivery_date, "placed_at": utc(record.placed_at),
        "updated_at": utc(record.updated_at), "progress": progress(record.stages),
    }


def order_detail(record: OrderRecord, principal: Principal, config: OrdersConfig, now: datetime) -> dict:
    currency, version = record.currency, record.current
    amounts = compute_amounts([item_from(line) for line in version.lines], currency)
    total, tax = rounded_money(record.total_amount, currency), rounded_money(record.tax_amount, currency)
    gross = total + tax
    return {
        **order_summary(record),
        "deal_id": record.deal_id, "customer_contact": contact_view(record, principal),
        "fx_rate": plain(record.fx_rate), "company_currency": config.company_currency,
        "total_amount_company": to_company_currency(total, Decimal(record.fx_rate), config.company_currency),
        "amounts": {
            "currency": currency, "total_amount": total, "tax_amount": tax, "gross_amount": gross,
            "total_cost": amounts.total_cost, "gross_profit": amounts.gross_profit,
            "margin_percent": amounts.margin_percent, "cost_note": amounts.cost_note,
        },
        "items": [line_data(line, currency) for line in version.lines],
        "delivery_address": record.delivery_address, "shipping_address": record.shipping_address,
        "delivery_terms": record.delivery_terms, "payment_terms": record.payment_terms, "notes": record.notes,
        "created_at": utc(record.created_at), "created_by": record.created_by,
        "shipment": {"carrier": record.carrier, "tracking_number": record.tracking_number,
                     "shipped_at": utc(record.shipped_at), "delivered_at": utc(record.delivered_at)},
        "settlement": {"paid_amount": rounded_money(record.paid_amount, currency), "paid_at": utc(record.paid_at),
                       "balance": None if record.paid_amount is None else gross - rounded_money(record.paid_amount, currency)},
        "closing_reason": record.closing_reason,
        "allowed_transitions": [str(state) for state in allowed_targets(record.status)],
        "overdue_stages": [stage.name for stage in record.stages if _days_overdue(stage, config, now) > 0],
        "history": [history_entry(entry) for entry in record.history],
    }


def contact_view(record: OrderRecord, principal: Principal) -> dict | None:
    contact = record.customer_contact
    if not contact:
        return None
    if can_see_personal_data(principal, owner=record.rep_id):
        return {**contact, "masked": False}
    return {"name": contact.get("name"), "phone": mask_phone(_compact(contact.get("phone"))),
            "email": mask_email(contact.get("email")), "masked": True}


def _compact(phone: str | None) -> str | None:
    # Written as "+86 574 8765 4321" or "(0574) 8765-4321": mask the digits, not the spacing.
    return re.sub(r"[\s().-]", "", phone) if phone else phone


def shows_personal_data(view: dict) -> bool:
    contact = view.get("customer_contact") or {}
    return not contact.get("masked", True) and bool(contact.get("phone") or contact.get("email"))


def history_entry(entry) -> dict:
    return {"from_state": entry.from_state, "to_state": entry.to_state, "by": entry.by, "at": utc(entry.at),
            "details": entry.details or {}}


def version_view(version: OrderVersionRecord) -> dict:
    currency = version.currency
    total, tax = rounded_money(version.total_amount, currency), rounded_money(version.tax_amount, currency)
    return {
        "number": version.number, "currency": currency, "fx_rate": plain(version.fx_rate),
        "delivery_date": version.delivery_date, "total_amount": total, "tax_amount": tax,
        "gross_amount": total + tax, "total_cost": rounded_money(version.total_cost, currency),
        "created_at": utc(version.created_at), "created_by": version.created_by, "change_id": version.change_id,
        "items": [line_data(line, currency) for line in version.lines],
    }


def plan_view(record: OrderRecord, config: OrdersConfig, now: datetime) -> dict:
    stages = record.stages
    current = next((stage.name for stage in stages if stage.status != "done"), None)
    today = config.calendar.local_date(now)
    first = stages[0] if stages else None
    # The promise holds while the first stage has started or can still start in time.
    feasible = first is None or first.status != "pending" or first.planned_start is None or today <= first.planned_start
    return {
        "order_id": record.id, "progress": progress(stages), "current_stage": current,
        "complete": current is None, "feasible": feasible,
        "overdue_stages": [stage.name for stage in stages if _days_overdue(stage, config, now) > 0],
        "stages": [stage_view(stage, config, now) for stage in stages],
    }


def stage_view(stage: StageRecord, config: OrdersConfig, now: datetime) -> dict:
    days = _days_overdue(stage, config, now)
    return {
        "name": stage.name, "position": stage.position, "owner": stage.owner, "status": stage.status,
        "planned_start": stage.planned_start, "due_date": stage.due_date, "overdue": days > 0,
        "days_overdue": days, "started_at": utc(stage.started_at), "started_by": stage.started_by,
        "completed_at": utc(stage.completed_at), "completed_by": stage.completed_by,
        "blocked_reason": stage.blocked_reason,
    }


def progress(stages) -> Decimal:
    if not stages:
        return Decimal("0.00")
    done = sum(stage.status == "done" for stage in stages)
    return (Decimal(done) * 100 / len(stages)).quantize(Decimal("0.01"))


def _days_overdue(stage: StageRecord, config: OrdersConfig, now: datetime) -> int:
    today = config.calendar.local_date(now)
    if stage.status == "done" or today <= stage.due_date:
        return 0
    return (today - stage.due_date).days


def overdue_stage_view(stage: StageRecord, order: OrderRecord, config: OrdersConfig, now: datetime) -> dict:
    return {
        "order_id": order.id, "order_number": order.order_number, "customer_name": order.customer_name,
        "order_status": order.status, "stage": stage.name, "owner": stage.owner, "status": stage.status,
        "due_date": stage.due_date, "days_overdue": _days_overdue(stage, config, now),
        "delivery_date": order.delivery_date,
    }


def change_view(record: ChangeRequestRecord) -> dict:
    return {
        "id": record.id, "order_id": record.order_id, "base_version": record.base_version,
        "status": record.status, "reason": record.reason, "requested": record.requested,
        "requested_by": record.requested_by, "requested_at": utc(record.requested_at),
        "impact": None if record.impact is None else impact_from(record.impact),
        "decided_by": record.decided_by, "decided_at": utc(record.decided_at),
        "decision_note": record.decision_note, "applied_at": utc(record.applied_at),
        "applied_version": record.applied_version,
    }
