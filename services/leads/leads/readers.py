"""The Leads service's tolerant readers: the fields it uses from each event it
consumes. Only what it needs is required; unknown fields are ignored."""
from __future__ import annotations

from marshmallow import fields, validate

from salesloop.messaging.readers import Moment, Tolerant


class DealClosed(Tolerant):
    deal_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    lead_id = fields.String(allow_none=True)
    amount = fields.Decimal(allow_none=True)
    currency = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    fx_rate = fields.Decimal(allow_none=True)


class DealWon(DealClosed):
    amount = fields.Decimal(required=True)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    won_at = Moment(required=True)


class DealLost(DealClosed):
    lost_at = Moment(required=True)


class CustomerClassified(Tolerant):
    customer_id = fields.String(required=True)
    abc_class = fields.String(required=True, validate=validate.OneOf(("A", "B", "C")))
    as_of = Moment(required=True)
