"""Negotiation minutes: the record of a meeting, kept as written."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from salesloop.web.auth import Principal

from deals.commands.common import new_id, require_open, utcnow, visible_deal
from deals.commands.deals import touch
from deals.config import DealsConfig
from deals.domain import Attendee, NegotiationMinutes, NextStep, RuleViolation
from deals.models import MinutesRow
from deals.repository import new_minutes_row

CLOCK_SKEW = timedelta(minutes=5)


def record_minutes(uow, config: DealsConfig, principal: Principal, deal_id: str, data: dict) -> MinutesRow:
    deal = visible_deal(uow, principal, deal_id)
    require_open(deal)
    now = utcnow()
    if data["held_at"] > now + CLOCK_SKEW:
        raise RuleViolation("minutes record a meeting that already took place", "held_at")
    minutes = NegotiationMinutes(
        deal_id=deal_id, held_at=data["held_at"], recorded_by=principal.user, recorded_at=max(now, data["held_at"]),
        attendees=tuple(Attendee(**attendee) for attendee in data["attendees"]),
        agreed_points=tuple(data.get("agreed_points", ())), open_points=tuple(data.get("open_points", ())),
        next_steps=tuple(NextStep(**step) for step in data.get("next_steps", ())), subject=data.get("subject", ""),
    )
    row = new_minutes_row(new_id(), minutes)
    uow.add(row)
    touch(deal, config, now)
    uow.flush()
    return row


def list_minutes(uow, principal: Principal, deal_id: str) -> list[MinutesRow]:
    visible_deal(uow, principal, deal_id)
    query = select(MinutesRow).where(MinutesRow.deal_id == deal_id).order_by(MinutesRow.held_at.desc())
    return list(uow.session.execute(query).scalars())
