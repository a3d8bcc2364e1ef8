"""Contracts: drafted from the accepted proposal, reviewed by a manager, signed once."""
from __future__ import annotations

from datetime import timedelta

from salesloop.web.auth import Principal

from deals import events
from deals.commands.common import current_rate, new_id, require_open, utcnow, visible_deal
from deals.commands.deals import advance_to, touch
from deals.config import DealsConfig
from deals.domain import Actor, IllegalTransition, NotFound, RuleViolation, Stage, draft_contract
from deals.models import ContractRow, CustomerRow, DealRow
from deals.repository import (
    contract_for_deal,
    proposal_rows,
    to_contract,
    to_deal,
    to_proposals,
    write_contract,
    write_deal,
)

CLOCK_SKEW = timedelta(minutes=5)


def draft_deal_contract(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> ContractRow:
    deal = visible_deal(uow, principal, deal_id)
    require_open(deal)
    existing = contract_for_deal(uow.session, deal_id)
    if existing is not None:
        raise IllegalTransition(f"deal {deal_id} already has contract {existing.id}")
    rows = proposal_rows(uow.session, deal_id)
    accepted = to_proposals(deal_id, rows).accepted
    if accepted is None:
        raise IllegalTransition("a contract is drafted from an accepted proposal; accept one first")
    now = utcnow()
    contract = draft_contract(
        accepted, contract_id=new_id(), customer_id=deal.customer_id, owner_rep_id=deal.owner_rep_id,
        drafted_by=principal.user, at=now, delivery_terms=data["delivery_terms"],
        payment_terms=data["payment_terms"], delivery_date=data["delivery_date"],
    )
    row = ContractRow(proposal_id=next(r.id for r in rows if r.version == accepted.version), team=deal.team,
                      region=deal.region, delivery_address=data["delivery_address"].strip())
    write_contract(uow.session, row, contract, now)
    uow.add(row)
    touch(deal, config, now)
    uow.flush()
    return row


def amend_contract(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> ContractRow:
    deal, row = _deal_and_contract(uow, principal, deal_id)
    contract = to_contract(row)
    now = utcnow()
    contract.amend_terms(at=now, delivery_terms=data.get("delivery_terms"), payment_terms=data.get("payment_terms"),
                         delivery_date=data.get("delivery_date"))
    if "delivery_address" in data:
        row.delivery_address = data["delivery_address"].strip()
    return _save(uow, config, deal, row, contract, now)


def submit_contract(uow, config: DealsConfig, principal: Principal, deal_id: str) -> ContractRow:
    """Ask for review; the deal comes forward to contract review if it was behind."""
    deal, row = _deal_and_contract(uow, principal, deal_id)
    require_open(deal)
    contract = to_contract(row)
    now = utcnow()
    contract.submit_for_review(by=principal.user, at=now)
    _save(uow, config, deal, row, contract, now)
    advance_to(uow, config, deal, Stage.CONTRACT_REVIEW, by=principal.user, at=now,
               reason="contract submitted for review")
    return row


def approve_contract(uow, config: DealsConfig, principal: Principal, deal_id: str) -> ContractRow:
    """Four eyes: a manager who is neither the deal's owner nor the drafter."""
    deal, row = _deal_and_contract(uow, principal, deal_id)
    contract = to_contract(row)
    now = utcnow()
    contract.approve(Actor(principal.user, principal.roles), at=now)
    return _save(uow, config, deal, row, contract, now)


def reject_contract(uow, config: DealsConfig, principal: Principal, deal_id: str, reason: str) -> ContractRow:
    deal, row = _deal_and_contract(uow, principal, deal_id)
    contract = to_contract(row)
    now = utcnow()
    contract.reject(Actor(principal.user, principal.roles), at=now, reason=reason)
    return _save(uow, config, deal, row, contract, now)


def revise_contract(uow, config: DealsConfig, principal: Principal, deal_id: str) -> ContractRow:
    deal, row = _deal_and_contract(uow, principal, deal_id)
    contract = to_contract(row)
    now = utcnow()
    contract.revise(by=principal.user, at=now)
    return _save(uow, config, deal, row, contract, now)


def sign_contract(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> ContractRow:
    """The customer signed: the contract is final, the deal is won, the order can be made."""
    deal, row = _deal_and_contract(uow, principal, deal_id)
    contract = to_contract(row)
    now = utcnow()
    signed_at = data.get("signed_at") or now
    if signed_at > now + CLOCK_SKEW:
        raise RuleViolation("a contract cannot be signed in the future", "signed_at")
    fx_rate = current_rate(uow, config, contract.currency, signed_at)
    signed = contract.sign(at=signed_at, signatory_name=data["signatory"], recorded_by=principal.user,
                           fx_rate=fx_rate, company_currency=config.company_currency)
    _record_signature(row, signed, data.get("signatory_title"))
    # Not _save: winning rewrites the deal (touched now, no follow-up due), so the deal is
    # updated once, not touched first and won a moment later. The contract is written first:
    # of two racing signatures, the later one fails on the contract's row version here.
    write_contract(uow.session, row, contract, now)
    uow.flush()
    _win(uow, config, deal, signed, principal.user, now)
    events.contract_signed(uow, deal, row, signed, uow.session.get(CustomerRow, deal.customer_id))
    return row


def _record_signature(row: ContractRow, signed, signatory_title: str | None) -> None:
    row.signatory_title = signatory_title
    row.company_currency, row.fx_rate = signed.company_currency, signed.fx_rate
    row.net_company, row.gross_company = signed.net_in_company_currency, signed.gross_in_company_currency


def _win(uow, config: DealsConfig, row: DealRow, signed, by: str, now) -> None:
    deal = to_deal(row)
    change = deal.win(signed, by=by)
    # What was signed replaces the estimate: revenue is the contract's net.
    deal.amount, deal.currency = signed.totals.net, signed.currency
    write_deal(row, deal, config, now)
    row.contract_id, row.fx_rate = signed.contract_id, signed.fx_rate
    uow.flush()
    events.stage_changed(uow, row, change, deal.probability(config.stage_probabilities))
    events.deal_won(uow, row, signed)


def get_contract(uow, principal: Principal, deal_id: str) -> ContractRow:
    return _deal_and_contract(uow, principal, deal_id)[1]


def _deal_and_contract(uow, principal: Principal, deal_id: str) -> tuple[DealRow, ContractRow]:
    deal = visible_deal(uow, principal, deal_id)
    row = contract_for_deal(uow.session, deal_id)
    if row is None:
        raise NotFound(f"deal {deal_id} has no contract yet")
    return deal, row


def _save(uow, config: DealsConfig, deal: DealRow, row: ContractRow, contract, now) -> ContractRow:
    write_contract(uow.session, row, contract, now)
    if deal.stage not in (Stage.WON.value, Stage.LOST.value):
        touch(deal, config, now)
    uow.flush()
    return row
