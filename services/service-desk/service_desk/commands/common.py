"""Small helpers the commands share."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from salesloop.web.auth import Principal, ensure_referable, ensure_visible

from service_desk.domain.errors import RuleViolation
from service_desk.models import CustomerRow, TicketRow
from service_desk.repository import get_row

# Clocks drift: a time a few minutes ahead of ours is a clock, not a lie.
CLOCK_SKEW = timedelta(minutes=5)
STAFF_ROLES = ("supervisor", "manager", "director", "admin")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def when(data: dict, key: str, now: datetime) -> datetime:
    """The time a caller says something happened (default now), never in the future."""
    moment = data.get(key) or now
    if moment > now + CLOCK_SKEW:
        raise RuleViolation(f"{key} cannot be in the future")
    return moment.astimezone(timezone.utc)


def visible_row(uow, principal: Principal, model, key, what: str, owner: str = "agent_id"):
    """The row, if it exists and the caller may see it (404 otherwise, either way)."""
    row = get_row(uow, model, key, what)
    ensure_visible(principal, getattr(row, owner), row.team, row.region, what)
    return row


def acting_agent(principal: Principal, requested: str | None) -> str:
    """Agents act for themselves; supervisors and above may name another agent."""
    if requested and requested != principal.user:
        if not principal.has(*STAFF_ROLES, "service"):
            raise RuleViolation("agents act for themselves; a supervisor may name another agent")
        return requested
    return principal.user


def check_references(uow, principal: Principal, data: dict) -> None:
    """The customer and ticket a body names must be ones the caller serves (OWASP API1).

    A customer not copied here yet (its event still on the way) cannot be checked
    and is taken on trust; a ticket always exists here or the body is wrong."""
    customer = uow.session.get(CustomerRow, data["customer_id"]) if data.get("customer_id") else None
    if customer is not None:
        ensure_referable(principal, customer.owner_rep_id, customer.team, customer.region, "customer_id", "customer")
    if data.get("ticket_id"):
        ticket = uow.session.get(TicketRow, data["ticket_id"])
        owner, team, region = (ticket.agent_id, ticket.team, ticket.region) if ticket else ("", "", "")
        ensure_referable(principal, owner, team, region, "ticket_id", "ticket")
