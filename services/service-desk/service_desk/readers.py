"""The Service Desk's tolerant readers: the fields it uses from each event it
consumes. Only what it needs is required; unknown fields are ignored."""
from __future__ import annotations

from marshmallow import fields, validate

from salesloop.messaging.readers import Moment, Tolerant


def _maybe(field_type=fields.String, **kwargs):
    """Optional and nullable; a field the producer left out stays out (it must not blank ours)."""
    return field_type(allow_none=True, **kwargs)


class Contact(Tolerant):
    name = _maybe()
    phone = _maybe()
    email = _maybe()


class OrderDelivered(Tolerant):
    order_id = fields.String(required=True)
    customer_id = fields.String(required=True)
    customer_name = _maybe()
    customer_contact = _maybe(fields.Nested, nested=Contact)
    rep_id = _maybe()
    team = _maybe()
    region = _maybe()
    delivered_at = _maybe(Moment)


class CustomerUpserted(Tolerant):
    customer_id = fields.String(required=True)
    name = _maybe()
    company = _maybe()
    category = _maybe()
    abc_class = _maybe(validate=validate.OneOf(["A", "B", "C"]))
    industry = _maybe()
    region = _maybe()
    team = _maybe()
    owner_rep_id = _maybe()
    contact = _maybe(fields.Nested, nested=Contact)
    birthday = _maybe(fields.Date)
    updated_at = _maybe(Moment)


class CustomerClassified(Tolerant):
    customer_id = fields.String(required=True)
    abc_class = fields.String(required=True, validate=validate.OneOf(["A", "B", "C"]))
    previous_class = _maybe()
    as_of = _maybe(Moment)
