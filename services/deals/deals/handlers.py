"""What the Deals service does with the events it consumes, and its sweeps.

Each consumer reads with its own small, tolerant schema of the fields it uses;
unknown fields are ignored. The inbox gives once-per-event-id; the business
keys (one deal per lead) make a re-published duplicate harmless too.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from salesloop.messaging.catalog import Subscriptions
from salesloop.messaging.worker import Sweep

from deals.commands.customers import upsert_customer
from deals.commands.deals import open_deal_from_lead
from deals.commands.proposals import expire_proposals
from deals.config import load_config

EXPIRE_EVERY_SECONDS = 600.0


class LeadConverted(Schema):
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


class Contact(Schema):
    name = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)


class CustomerUpserted(Schema):
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


def subscriptions(runtime) -> Subscriptions:
    config = load_config(runtime.settings)

    def lead_converted(event, uow):
        open_deal_from_lead(uow, config, event.data, event.occurred_at)

    def customer_upserted(event, uow):
        upsert_customer(uow, event.data)

    return (Subscriptions()
            .add("leads.lead.converted", LeadConverted, lead_converted, "open exactly one deal per converted lead")
            .add("leads.customer.upserted", CustomerUpserted, customer_upserted, "keep our copy of the customer"))


def sweeps(runtime) -> list[Sweep]:
    config = load_config(runtime.settings)

    def expire(uow, now):
        expire_proposals(uow, config, now)

    return [Sweep("expire-proposals", EXPIRE_EVERY_SECONDS, expire)]
