"""The events the Deals service publishes, each with its schema (owned here), and
the functions that write each one to the outbox from our rows, so it commits
with the change it announces.

Field names follow the cross-service contract; fields beyond it are additive.
Amounts are decimal strings with their ``currency`` and the ``fx_rate`` to the
company currency at the moment of the event.
"""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields

from salesloop.messaging.catalog import EventCatalog

from deals.domain import ContractSigned as SignedContract, StageChange
from deals.domain.money import round_money
from deals.models import ContractRow, CustomerRow, DealRow, ProposalRow
from deals.repository import priced_items

SOURCE = "/salesloop/deals"


def _amount(**kwargs):
    return fields.Decimal(as_string=True, required=True, **kwargs)


def _text(**kwargs):
    return fields.String(required=True, **kwargs)


def _nullable_text():
    return fields.String(required=True, allow_none=True)


class _RepOwned(Schema):
    """Who a deal belongs to, on every event, so the KPIs can slice by it."""

    deal_id = _text()
    customer_id = _text()
    rep_id = _text()
    team = _text()
    region = _text()


class _Priced(Schema):
    currency = _text()
    fx_rate = _amount()


class DealOpened(_RepOwned, _Priced):
    lead_id = _nullable_text()
    customer_name = _text()
    title = _text()
    stage = _text()
    amount = _amount()
    probability = _amount()
    grade = _text()
    expected_close_date = fields.Date(required=True)
    products = fields.List(fields.String(), required=True)
    source = _nullable_text()
    opened_at = fields.DateTime(required=True)
    lead_captured_at = fields.DateTime(required=True, allow_none=True)


class DealStageChanged(_RepOwned, _Priced):
    lead_id = _nullable_text()
    from_stage = _text()
    to_stage = _text()
    kind = _text()
    probability = _amount()
    grade = _text()
    amount = _amount()
    expected_close_date = fields.Date(required=True)
    reason = _nullable_text()
    competitor = _nullable_text()
    changed_by = _text()
    changed_at = fields.DateTime(required=True)


class DealWon(_RepOwned, _Priced):
    lead_id = _nullable_text()
    amount = _amount()
    contract_id = _text()
    opened_at = fields.DateTime(required=True)
    won_at = fields.DateTime(required=True)
    lead_captured_at = fields.DateTime(required=True, allow_none=True)


class DealLost(_RepOwned, _Priced):
    lead_id = _nullable_text()
    amount = _amount()
    stage = _text(metadata={"description": "the stage the deal was lost in"})
    reason = _text()
    competitor = _nullable_text()
    opened_at = fields.DateTime(required=True)
    lost_at = fields.DateTime(required=True)


class ProposalSent(_RepOwned, _Priced):
    proposal_id = _text()
    version = fields.Integer(required=True)
    list_amount = _amount()
    discount = _amount()
    net = _amount()
    tax = _amount()
    gross = _amount()
    valid_until = fields.Date(required=True)
    sent_at = fields.DateTime(required=True)


class SignedLine(Schema):
    product_code = _text()
    description = fields.String(required=True)
    quantity = _amount()
    unit_price = _amount()
    discount_pct = _amount()
    tax_rate_pct = _amount()
    unit_cost = fields.Decimal(as_string=True, required=True, allow_none=True)
    line_net = _amount()
    line_tax = _amount()
    line_gross = _amount()


class CustomerContact(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ContractSigned(_RepOwned, _Priced):
    contract_id = _text()
    lead_id = _nullable_text()
    customer_name = _text()
    customer_contact = fields.Nested(CustomerContact, required=True, allow_none=True)
    quote_version = fields.Integer(required=True)
    items = fields.List(fields.Nested(SignedLine), required=True)
    net = _amount()
    tax = _amount()
    total_amount = _amount(metadata={"description": "gross: net plus tax"})
    company_currency = _text()
    net_company = _amount()
    gross_company = _amount()
    delivery_date = fields.Date(required=True)
    delivery_address = _text()
    delivery_terms = _text()
    payment_terms = _text()
    signed_at = fields.DateTime(required=True)
    signatory = _text()
    approved_by = _text()
    lead_captured_at = fields.DateTime(required=True, allow_none=True)


_OWNER = {"deal_id": "5f0c8a7e-1f7b-4c1e-9d1a-3b2f1c0d9e8a", "customer_id": "cust-1042", "rep_id": "rep-7",
          "team": "east-1", "region": "east"}
_MONEY = {"currency": "CNY", "fx_rate": "1"}

EXAMPLES = {
    "deals.deal.opened": {
        **_OWNER, **_MONEY, "lead_id": "lead-311", "customer_name": "杭州云帆科技有限公司",
        "title": "云帆科技 – ERP", "stage": "qualification", "amount": "120000.00", "probability": "10",
        "grade": "C", "expected_close_date": "2025-06-30", "products": ["ERP"], "source": "trade_show",
        "opened_at": "2025-03-03T02:15:00+00:00", "lead_captured_at": "2025-02-20T06:00:00+00:00",
    },
    "deals.deal.stage_changed": {
        **_OWNER, **_MONEY, "lead_id": "lead-311", "from_stage": "needs_analysis", "to_stage": "proposal",
        "kind": "advance", "probability": "40", "grade": "B", "amount": "120000.00",
        "expected_close_date": "2025-06-30", "reason": None, "competitor": None, "changed_by": "rep-7",
        "changed_at": "2025-03-20T08:00:00+00:00",
    },
    "deals.deal.won": {
        **_OWNER, **_MONEY, "lead_id": "lead-311", "amount": "113000.00",
        "contract_id": "0d5e3c55-7d0b-4f5e-8c8a-2f0e2a6b1c11", "opened_at": "2025-03-03T02:15:00+00:00",
        "won_at": "2025-05-12T03:00:00+00:00", "lead_captured_at": "2025-02-20T06:00:00+00:00",
    },
    "deals.deal.lost": {
        **_OWNER, **_MONEY, "lead_id": None, "amount": "80000.00", "stage": "negotiation",
        "reason": "price", "competitor": "Kingdee", "opened_at": "2025-03-03T02:15:00+00:00",
        "lost_at": "2025-04-02T09:30:00+00:00",
    },
    "deals.proposal.sent": {
        **_OWNER, **_MONEY, "proposal_id": "9a1b7c3d-0000-4c1e-9d1a-3b2f1c0d9e8a", "version": 2,
        "list_amount": "120000.00", "discount": "7000.00", "net": "113000.00", "tax": "14690.00",
        "gross": "127690.00", "valid_until": "2025-04-30", "sent_at": "2025-04-01T02:00:00+00:00",
    },
    "deals.contract.signed": {
        **_OWNER, "currency": "USD", "fx_rate": "7.1",
        "contract_id": "0d5e3c55-7d0b-4f5e-8c8a-2f0e2a6b1c11", "lead_id": "lead-311",
        "customer_name": "杭州云帆科技有限公司",
        "customer_contact": {"name": "王丽", "phone": "+8613800138000", "email": "wang.li@yunfan.example"},
        "quote_version": 2,
        "items": [{"product_code": "ERP-LIC", "description": "ERP licence", "quantity": "10",
                   "unit_price": "1000", "discount_pct": "10", "tax_rate_pct": "13", "unit_cost": "400",
                   "line_net": "9000.00", "line_tax": "1170.00", "line_gross": "10170.00"}],
        "net": "9000.00", "tax": "1170.00", "total_amount": "10170.00", "company_currency": "CNY",
        "net_company": "63900.00", "gross_company": "72207.00", "delivery_date": "2025-06-01",
        "delivery_address": "杭州市西湖区文三路 90 号", "delivery_terms": "DAP Hangzhou",
        "payment_terms": "30% advance, 70% net 30", "signed_at": "2025-05-12T03:00:00+00:00",
        "signatory": "王丽", "approved_by": "mgr-2", "lead_captured_at": "2025-02-20T06:00:00+00:00",
    },
}

DEFINITIONS = (
    ("deals.deal.opened", DealOpened, "A deal opened, from a converted lead or by hand."),
    ("deals.deal.stage_changed", DealStageChanged, "A deal moved stage (advance, back, lost, reopen or won)."),
    ("deals.deal.won", DealWon, "A deal was won: its contract was signed."),
    ("deals.deal.lost", DealLost, "A deal was lost, with the reason and the competitor if any."),
    ("deals.proposal.sent", ProposalSent, "A proposal version was sent to the customer."),
    ("deals.contract.signed", ContractSigned,
     "A contract was signed; it carries everything the orders service needs to create the order."),
)


def catalog() -> EventCatalog:
    events = EventCatalog(source=SOURCE)
    for event_type, schema, summary in DEFINITIONS:
        events.define(event_type, schema, summary, example=EXAMPLES[event_type])
    return events


# -- the payloads, from our rows ------------------------------------------------------
def _owner(row: DealRow) -> dict:
    return {"deal_id": row.id, "customer_id": row.customer_id, "rep_id": row.owner_rep_id,
            "team": row.team, "region": row.region}


def _money(amount: Decimal, currency: str) -> Decimal:
    return round_money(Decimal(amount), currency)


def plain(number: Decimal | None) -> Decimal | None:
    """Drop the storage scale: 7.1000000000 -> 7.1, 10.0000 -> 10."""
    return None if number is None else Decimal(format(Decimal(number).normalize(), "f"))


def deal_opened(uow, row: DealRow) -> None:
    uow.publish("deals.deal.opened", {
        **_owner(row), "lead_id": row.lead_id, "customer_name": row.customer_name, "title": row.title,
        "stage": row.stage, "amount": _money(row.amount, row.currency), "currency": row.currency,
        "fx_rate": plain(row.fx_rate), "probability": plain(row.probability), "grade": row.grade,
        "expected_close_date": row.expected_close_date, "products": list(row.products or ()),
        "source": row.source, "opened_at": row.opened_at, "lead_captured_at": row.lead_captured_at,
    }, subject=row.id, time=row.opened_at)


def stage_changed(uow, row: DealRow, change: StageChange, probability: Decimal) -> None:
    uow.publish("deals.deal.stage_changed", {
        **_owner(row), "lead_id": row.lead_id, "from_stage": change.from_stage.value,
        "to_stage": change.to_stage.value, "kind": change.kind.value, "probability": plain(probability),
        "grade": row.grade, "amount": _money(row.amount, row.currency), "currency": row.currency,
        "fx_rate": plain(row.fx_rate), "expected_close_date": row.expected_close_date, "reason": change.reason,
        "competitor": change.competitor, "changed_by": change.by, "changed_at": change.at,
    }, subject=row.id, time=change.at)


def deal_lost(uow, row: DealRow, change: StageChange) -> None:
    uow.publish("deals.deal.lost", {
        **_owner(row), "lead_id": row.lead_id, "amount": _money(row.amount, row.currency),
        "currency": row.currency, "fx_rate": plain(row.fx_rate), "stage": change.from_stage.value,
        "reason": change.reason, "competitor": change.competitor, "opened_at": row.opened_at,
        "lost_at": change.at,
    }, subject=row.id, time=change.at)


def deal_won(uow, row: DealRow, signed: SignedContract) -> None:
    uow.publish("deals.deal.won", {
        **_owner(row), "lead_id": row.lead_id, "amount": _money(row.amount, row.currency),
        "currency": row.currency, "fx_rate": plain(row.fx_rate), "contract_id": signed.contract_id,
        "opened_at": row.opened_at, "won_at": signed.signed_at, "lead_captured_at": row.lead_captured_at,
    }, subject=row.id, time=signed.signed_at)


def proposal_sent(uow, deal: DealRow, proposal: ProposalRow, fx_rate: Decimal) -> None:
    currency = proposal.currency
    uow.publish("deals.proposal.sent", {
        **_owner(deal), "proposal_id": proposal.id, "version": proposal.version, "currency": currency,
        "fx_rate": plain(fx_rate), "list_amount": _money(proposal.list_amount, currency),
        "discount": _money(proposal.discount, currency), "net": _money(proposal.net, currency),
        "tax": _money(proposal.tax, currency), "gross": _money(proposal.gross, currency),
        "valid_until": proposal.valid_until, "sent_at": proposal.sent_at,
    }, subject=deal.id, time=proposal.sent_at)


def contract_signed(uow, deal: DealRow, contract: ContractRow, signed: SignedContract,
                    customer: CustomerRow | None) -> None:
    currency = contract.currency
    uow.publish("deals.contract.signed", {
        **_owner(deal), "contract_id": contract.id, "lead_id": deal.lead_id, "customer_name": deal.customer_name,
        "customer_contact": _contact(customer), "quote_version": contract.quote_version,
        "currency": currency, "fx_rate": plain(signed.fx_rate), "items": _signed_lines(contract),
        "net": _money(signed.totals.net, currency), "tax": _money(signed.totals.tax, currency),
        "total_amount": _money(signed.totals.gross, currency),
        "company_currency": signed.company_currency, "net_company": signed.net_in_company_currency,
        "gross_company": signed.gross_in_company_currency, "delivery_date": contract.delivery_date,
        "delivery_address": contract.delivery_address, "delivery_terms": contract.delivery_terms,
        "payment_terms": contract.payment_terms, "signed_at": signed.signed_at, "signatory": signed.signatory_name,
        "approved_by": signed.approved_by, "lead_captured_at": deal.lead_captured_at,
    }, subject=contract.id, time=signed.signed_at)


def _signed_lines(contract: ContractRow) -> list[dict]:
    return [{
        "product_code": line["product_code"], "description": line["description"],
        "quantity": plain(line["quantity"]), "unit_price": plain(line["unit_price"]),
        "discount_pct": plain(line["discount_pct"]), "tax_rate_pct": plain(line["tax_rate_pct"]),
        "unit_cost": plain(line["unit_cost"]), "line_net": line["net"], "line_tax": line["tax"], "line_gross": line["gross"],
    } for line in priced_items(contract.items, contract.currency)]


def _contact(customer: CustomerRow | None) -> dict | None:
    if customer is None or not (customer.contact_name or customer.contact_phone or customer.contact_email):
        return None
    return {"name": customer.contact_name, "phone": customer.contact_phone, "email": customer.contact_email}
