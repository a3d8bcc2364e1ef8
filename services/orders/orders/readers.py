"""The Orders service's tolerant readers: the fields it uses from a signed contract
and a storefront order. Only what it needs is required; unknown fields are ignored."""
from __future__ import annotations

from marshmallow import fields

from salesloop.messaging.readers import Tolerant


class ContractContact(Tolerant):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ContractLine(Tolerant):
    product_code = fields.String(required=True)
    description = fields.String(allow_none=True)
    quantity = fields.Decimal(required=True)
    unit_price = fields.Decimal(required=True)
    unit_cost = fields.Decimal(allow_none=True, load_default=None)
    discount_pct = fields.Decimal(allow_none=True, load_default=None)
    tax_rate_pct = fields.Decimal(allow_none=True, load_default=None)
    line_net = fields.Decimal(allow_none=True, load_default=None)


class ContractSignedReader(Tolerant):
    """The fields of deals.contract.signed an order needs."""

    contract_id = fields.String(required=True)
    deal_id = fields.String(allow_none=True, load_default=None)
    customer_id = fields.String(required=True)
    customer_name = fields.String(required=True)
    customer_contact = fields.Nested(ContractContact, allow_none=True, load_default=None)
    rep_id = fields.String(required=True)
    team = fields.String(allow_none=True, load_default=None)
    region = fields.String(allow_none=True, load_default=None)
    currency = fields.String(required=True)
    fx_rate = fields.Decimal(required=True)
    items = fields.List(fields.Nested(ContractLine), required=True)
    delivery_date = fields.Date(required=True)
    delivery_address = fields.String(allow_none=True, load_default=None)
    delivery_terms = fields.String(allow_none=True, load_default=None)
    payment_terms = fields.String(allow_none=True, load_default=None)
    signed_at = fields.AwareDateTime(required=True)


class StorefrontOrderReader(Tolerant):
    """The storefront's order, taken as sent: the domain's mapping checks every
    field and names problems the way the storefront spells them."""

    storefront_order_id = fields.String(required=True)
    customer = fields.Raw(load_default=None)
    items = fields.Raw(load_default=None)
    currency = fields.Raw(load_default=None)
    placed_at = fields.Raw(load_default=None)
    shipping_address = fields.Raw(load_default=None)
    requested_delivery_date = fields.Raw(load_default=None)
    payment_terms = fields.Raw(load_default=None)
