"""The payloads of the events we publish, built from our rows (see events.py).

Each function writes one event to the outbox through the unit of work, so it
commits with the change it announces.
"""
from __future__ import annotations

from decimal import Decimal

from deals.domain import ContractSigned, StageChange
from deals.domain.money import round_money
from deals.models import ContractRow, CustomerRow, DealRow, ProposalRow
from deals.repository import priced_items


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


def deal_won(uow, row: DealRow, signed: ContractSigned) -> None:
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


def contract_signed(uow, deal: DealRow, contract: ContractRow, signed: ContractSigned,
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
