"""The Deals service's tolerant reader schemas: the fields it uses from each event
it consumes. Only what it needs is required; unknown fields are ignored, so a
producer adding a field breaks nothing here."""
from __future__ import annotations

from marshmallow import fields, validate

from salesloop.messaging.readers import Tolerant


class LeadConverted(Tolerant):
    lead_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    customer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    rep_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    team = fields.String(required=True, validate=validate.Length(min=1, max=64))
    region = fields.String(required=True, validate=validate.Length(min=1, max=64))
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    product_lines = fields.List(fields.String(), load_default=list, allow_none=True)
    needs = fields.String(load_default=None, allow_none=True)
    expected_amount = fields.Decimal(load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, max=10**12))
    currency = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Za-z]{3}$"))
    fx_rate = fields.Decimal(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, min_inclusive=False))
    captured_at = fields.AwareDateTime(load_default=None, allow_none=True)
    converted_at = fields.AwareDateTime(load_default=None, allow_none=True)


class Contact(Tolerant):
    name = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)


class CustomerUpserted(Tolerant):
    customer_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    company = fields.String(load_default=None, allow_none=True)
    category = fields.String(load_default=None, allow_none=True)
    abc_class = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["A", "B", "C"]))
    industry = fields.String(load_default=None, allow_none=True)
    region = fields.String(load_default=None, allow_none=True)
    team = fields.String(load_default=None, allow_none=True)
    owner_rep_id = fields.String(load_default=None, allow_none=True)
    contact = fields.Nested(Contact, load_default=None, allow_none=True, unknown="exclude")
    updated_at = fields.AwareDateTime(load_default=None, allow_none=True)
