"""Opening deals, editing them, moving them through the stages."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

from salesloop.web.auth import Principal, ensure_referable

from deals import events
from deals.commands.common import (
    current_rate,
    is_leader,
    new_id,
    require_in_scope,
    require_open,
    utcnow,
    visible_deal,
)
from deals.config import DealsConfig
from deals.domain import OPEN_STAGES, ChangeKind, Deal, NotAllowed, RuleViolation, SpinNotes, Stage, StageChange
from deals.models import CustomerRow, DealRow
from deals.repository import deal_for_lead, to_deal, write_deal

EDITABLE = ("title", "amount", "currency", "expected_close_date", "needs", "goals", "owner_rep_id", "team", "region")


def open_deal(uow, config: DealsConfig, principal: Principal, data: dict) -> DealRow:
    """A deal opened by hand: the rep's own, or one a leader opens for a rep in their scope."""
    now = utcnow()
    owner, team, region = _owner_of_new_deal(principal, data)
    customer = uow.session.get(CustomerRow, data["customer_id"])
    if customer is not None:
        ensure_referable(principal, customer.owner_rep_id, customer.team, customer.region, "customer_id", "customer")
    name = data.get("customer_name") or _known_customer_name(customer, data["customer_id"])
    deal = Deal(
        id=new_id(), customer_id=data["customer_id"], owner_rep_id=owner, team=team, region=region,
        title=data.get("title") or default_title(name, data.get("products", ())), currency=data["currency"],
        amount=data["amount"], expected_close_date=data["expected_close_date"], opened_at=now,
        stage=data.get("stage", Stage.QUALIFICATION), needs=data.get("needs", ""), goals=data.get("goals", ""),
        competitors=tuple(data.get("competitors", ())), spin=SpinNotes(**data.get("spin", {})),
    )
    row = DealRow(id=deal.id, customer_name=name, products=list(data.get("products", ())), source="manual",
                  created_by=principal.user, fx_rate=current_rate(uow, config, deal.currency, now))
    return _open(uow, config, row, deal, now)


def open_deal_from_lead(uow, config: DealsConfig, data: dict, occurred_at: datetime) -> DealRow | None:
    """leads.lead.converted: exactly one deal per lead, however often the event comes."""
    if deal_for_lead(uow.session, data["lead_id"]) is not None:
        return None
    now = utcnow()
    opened_at = data.get("converted_at") or occurred_at
    currency = (data.get("currency") or config.company_currency).upper()
    products = list(data.get("product_lines") or ())
    deal = Deal(
        id=new_id(), customer_id=data["customer_id"], owner_rep_id=data["rep_id"], team=data["team"],
        region=data["region"], title=default_title(data["customer_name"], products), currency=currency,
        amount=data.get("expected_amount") or Decimal(0), opened_at=opened_at,
        expected_close_date=opened_at.astimezone(config.business_zone).date()
        + timedelta(days=config.default_cycle_days),
        needs=data.get("needs") or "",
    )
    # Our own dated rate first; the lead's rate (from the same kind of table) if we have none.
    rate = current_rate(uow, config, currency, opened_at, fallback=data.get("fx_rate"))
    row = DealRow(id=deal.id, lead_id=data["lead_id"], customer_name=data["customer_name"], products=products,
                  source=data.get("source"), lead_captured_at=data.get("captured_at"), created_by="leads",
                  fx_rate=rate)
    return _open(uow, config, row, deal, now)


def _open(uow, config: DealsConfig, row: DealRow, deal: Deal, now: datetime) -> DealRow:
    row.opened_at = deal.opened_at
    write_deal(row, deal, config, now)
    uow.add(row)
    uow.flush()
    events.deal_opened(uow, row)
    return row


def update_deal(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> DealRow:
    row = visible_deal(uow, principal, deal_id)
    require_open(row)
    now = utcnow()
    changes = {name: data[name] for name in EDITABLE if name in data}
    if {"owner_rep_id", "team", "region"} & changes.keys():
        _check_reassignment(principal, row, changes)
    if "competitors" in data:
        changes["competitors"] = tuple(data["competitors"])
    if "spin" in data:
        changes["spin"] = SpinNotes(**data["spin"])
    deal = dataclasses.replace(to_deal(row), **changes)
    if deal.currency != row.currency:
        row.fx_rate = current_rate(uow, config, deal.currency, now)
    row.customer_name = data.get("customer_name", row.customer_name)
    row.products = list(data.get("products", row.products or ()))
    write_deal(row, deal, config, now)
    uow.flush()
    return row


def move_deal(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> DealRow:
    """Advance, step back, or lose an open deal; losing needs a reason."""
    row = visible_deal(uow, principal, deal_id)
    deal = to_deal(row)
    now = utcnow()
    change = deal.move_to(data["to_stage"], by=principal.user, at=now, reason=data.get("reason"),
                          competitor=data.get("competitor"))
    _record_change(uow, config, row, deal, change, now)
    if change.kind is ChangeKind.LOST:
        events.deal_lost(uow, row, change)
    return row


def reopen_deal(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> DealRow:
    row = visible_deal(uow, principal, deal_id)
    deal = to_deal(row)
    now = utcnow()
    change = deal.reopen(data["to_stage"], by=principal.user, at=now, reason=data["reason"])
    _record_change(uow, config, row, deal, change, now)
    return row


def advance_to(uow, config: DealsConfig, row: DealRow, target: Stage, *, by: str, at: datetime,
               reason: str) -> StageChange | None:
    """Bring an open deal forward to ``target`` when the work shows it is there (a proposal sent…)."""
    deal = to_deal(row)
    if not deal.is_open or OPEN_STAGES.index(deal.stage) >= OPEN_STAGES.index(target):
        return None
    change = deal.move_to(target, by=by, at=at, reason=reason)
    _record_change(uow, config, row, deal, change, at)
    return change


def _record_change(uow, config: DealsConfig, row: DealRow, deal: Deal, change: StageChange, now: datetime) -> None:
    write_deal(row, deal, config, now)
    row.fx_rate = current_rate(uow, config, row.currency, change.at, fallback=row.fx_rate)
    uow.flush()
    events.stage_changed(uow, row, change, deal.probability(config.stage_probabilities))


def set_probability(uow, config: DealsConfig, principal: Principal, deal_id: str, value: Decimal | None) -> DealRow:
    """The owner's own odds for the deal (null: back to the stage default)."""
    row = visible_deal(uow, principal, deal_id)
    deal = to_deal(row)
    deal.override_probability(value, by=principal.user)
    write_deal(row, deal, config, utcnow())
    uow.flush()
    return row


def touch(row: DealRow, config: DealsConfig, now: datetime) -> None:
    """Work on the deal (minutes, proposals) restarts its follow-up clock."""
    write_deal(row, to_deal(row), config, now)


def default_title(customer_name: str, products) -> str:
    products = [p for p in products if p]
    return f"{customer_name} – {', '.join(products)}"[:200] if products else customer_name[:200]


def _known_customer_name(customer: CustomerRow | None, customer_id: str) -> str:
    if customer is None:
        raise RuleViolation(f"customer {customer_id} is not known here yet; give customer_name", "customer_name")
    return customer.name


def _owner_of_new_deal(principal: Principal, data: dict) -> tuple[str, str, str]:
    owner = data.get("owner_rep_id") or principal.user
    team = data.get("team") or principal.team
    region = data.get("region") or principal.region
    if owner != principal.user and not is_leader(principal):
        raise NotAllowed("only a supervisor or manager can open a deal for another rep")
    for name, value in (("team", team), ("region", region)):
        if not value:
            raise RuleViolation(f"{name} is required (your token has none)", name)
    require_in_scope(principal, owner, team, region)
    return owner, team, region


def _check_reassignment(principal: Principal, row: DealRow, changes: dict) -> None:
    if not is_leader(principal):
        raise NotAllowed("only a supervisor or manager can reassign a deal")
    require_in_scope(principal, changes.get("owner_rep_id", row.owner_rep_id), changes.get("team", row.team),
                     changes.get("region", row.region))
