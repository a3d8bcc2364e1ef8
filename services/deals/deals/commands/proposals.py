"""Proposals (quotes): versions, sending, the customer's answer, expiry."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from salesloop.web.auth import Principal

from deals import events
from deals.commands.common import current_rate, new_id, require_open, utcnow, visible_deal
from deals.commands.deals import advance_to, touch
from deals.config import DealsConfig
from deals.domain import LineItem, NotFound, QuoteStatus, Stage
from deals.models import DealRow, ProposalRow
from deals.repository import proposal_rows, to_proposals, to_quote, write_quote


def create_proposal(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> ProposalRow:
    """The next version: its own items, or a copy of the previous version's."""
    deal, rows = _open_deal_proposals(uow, principal, deal_id)
    now = utcnow()
    items = [LineItem(**item) for item in data["items"]] if "items" in data else None
    currency = data.get("currency") or (None if rows else deal.currency)
    quote = to_proposals(deal_id, rows).new_version(by=principal.user, at=now, valid_until=data["valid_until"],
                                                    items=items, currency=currency, notes=data.get("notes", ""))
    current_rate(uow, config, quote.currency, now)  # refuse a currency we could not book later
    row = ProposalRow(id=new_id())
    write_quote(uow.session, row, quote)
    uow.add(row)
    touch(deal, config, now)
    uow.flush()
    return row


def edit_proposal(uow, config: DealsConfig, principal: Principal, deal_id: str, version: int,
                  data: dict) -> ProposalRow:
    deal, rows = _open_deal_proposals(uow, principal, deal_id)
    row = _version(rows, deal_id, version)
    quote = to_quote(row)
    items = [LineItem(**item) for item in data["items"]] if "items" in data else None
    quote.edit(items=items, valid_until=data.get("valid_until"), notes=data.get("notes"))
    write_quote(uow.session, row, quote)
    touch(deal, config, utcnow())
    uow.flush()
    return row


def send_proposal(uow, config: DealsConfig, principal: Principal, deal_id: str, version: int) -> ProposalRow:
    """Send a draft; the deal comes forward to the proposal stage if it was behind."""
    deal, rows = _open_deal_proposals(uow, principal, deal_id)
    row = _version(rows, deal_id, version)
    quote = to_quote(row)
    now = utcnow()
    quote.send(now, config.business_zone)
    write_quote(uow.session, row, quote)
    touch(deal, config, now)
    uow.flush()
    events.proposal_sent(uow, deal, row, current_rate(uow, config, quote.currency, now))
    advance_to(uow, config, deal, Stage.PROPOSAL, by=principal.user, at=now, reason=f"proposal v{version} sent")
    return row


def accept_proposal(uow, config: DealsConfig, principal: Principal, deal_id: str, version: int) -> ProposalRow:
    """The customer accepted this version; a contract can now be drafted from it."""
    deal, rows = _open_deal_proposals(uow, principal, deal_id)
    now = utcnow()
    quote = to_proposals(deal_id, rows).accept(version, at=now, business_zone=config.business_zone)
    row = _version(rows, deal_id, version)
    write_quote(uow.session, row, quote)
    touch(deal, config, now)
    uow.flush()
    return row


def reject_proposal(uow, config: DealsConfig, principal: Principal, deal_id: str, version: int,
                    reason: str | None) -> ProposalRow:
    deal, rows = _open_deal_proposals(uow, principal, deal_id)
    row = _version(rows, deal_id, version)
    quote = to_quote(row)
    now = utcnow()
    quote.reject(now, reason)
    write_quote(uow.session, row, quote)
    touch(deal, config, now)
    uow.flush()
    return row


def expire_proposals(uow, config: DealsConfig, now: datetime, batch: int = 500) -> int:
    """The sweep: sent proposals past their validity date become expired."""
    # Coarse filter in SQL (a day of slack for time zones); the domain decides each one.
    cutoff = now.date() + timedelta(days=1)
    query = (select(ProposalRow).where(ProposalRow.status == QuoteStatus.SENT.value,
                                       ProposalRow.valid_until < cutoff).limit(batch))
    expired = 0
    for row in uow.session.execute(query).scalars():
        quote = to_quote(row)
        if quote.is_expired(now, config.business_zone):
            quote.expire(now, config.business_zone)
            write_quote(uow.session, row, quote)
            expired += 1
    uow.flush()
    return expired


def list_proposals(uow, principal: Principal, deal_id: str) -> list[ProposalRow]:
    visible_deal(uow, principal, deal_id)
    return proposal_rows(uow.session, deal_id)


def get_proposal(uow, principal: Principal, deal_id: str, version: int) -> ProposalRow:
    visible_deal(uow, principal, deal_id)
    return _version(proposal_rows(uow.session, deal_id), deal_id, version)


def _open_deal_proposals(uow, principal: Principal, deal_id: str) -> tuple[DealRow, list[ProposalRow]]:
    deal = visible_deal(uow, principal, deal_id)
    require_open(deal)
    return deal, proposal_rows(uow.session, deal_id)


def _version(rows: list[ProposalRow], deal_id: str, version: int) -> ProposalRow:
    for row in rows:
        if row.version == version:
            return row
    raise NotFound(f"deal {deal_id} has no proposal version {version}")
