"""Helpers every command uses: time, ids, visibility, rates."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

from salesloop.fx import UnknownRate, rate_for
from salesloop.web.auth import Principal, can_see, within_scope

from deals.config import DealsConfig
from deals.domain import IllegalTransition, NotAllowed, NotFound, Stage
from deals.models import DealRow
from deals.repository import deal_row

# Roles that act for others: they may open deals for a rep and reassign them.
LEADER_ROLES = ("supervisor", "manager", "director", "admin")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


def visible_deal(uow, principal: Principal, deal_id: str) -> DealRow:
    """The deal, if this person may see it; otherwise it does not exist for them."""
    try:
        row = deal_row(uow.session, deal_id)
    except NotFound:
        raise NotFound(f"no deal {deal_id}") from None
    if not can_see(principal, row.owner_rep_id, row.team, row.region):
        raise NotFound(f"no deal {deal_id}")
    return row


def require_open(row: DealRow) -> None:
    stage = Stage(row.stage)
    if stage is Stage.WON:
        raise IllegalTransition(f"deal {row.id} is won; it can no longer change")
    if stage is Stage.LOST:
        raise IllegalTransition(f"deal {row.id} is lost; reopen it first")


def require_in_scope(principal: Principal, owner: str, team: str, region: str) -> None:
    if not within_scope(principal, owner, team, region):
        raise NotAllowed(f"{owner} ({team}, {region}) is outside what you manage")


def is_leader(principal: Principal) -> bool:
    return principal.has(*LEADER_ROLES)


def current_rate(uow, config: DealsConfig, currency: str, at: datetime,
                 fallback: Decimal | None = None) -> Decimal:
    """Company-currency units per unit of ``currency`` at ``at``, from our dated rate table."""
    try:
        return rate_for(uow.session, uow.metadata, currency, config.company_currency, at)
    except UnknownRate:
        if fallback is not None:
            return Decimal(fallback)
        raise
