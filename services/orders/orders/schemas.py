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
