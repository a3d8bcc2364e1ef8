"""Ticket commands: open, work, pause, respond, resolve, close, reopen, escalate."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from salesloop.fx import rate_for
from salesloop.money import quantize
from salesloop.web.auth import Principal, ensure_within_scope

from service_desk import events as ev
from service_desk.commands.common import acting_agent, check_references, new_id, utcnow, visible_row, when
from service_desk.commands.surveys import issue_survey
from service_desk.config import DeskConfig
from service_desk.domain.sla import EscalationKey, SlaClock, SlaTarget, TicketType
from service_desk.domain.status import TicketStatus
from service_desk.domain.tickets import (
    Compensation,
    InvestigationNote,
    Ticket,
    TicketClosed,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    TicketResponded,
    Verdict,
)
from service_desk.models import TicketEscalationRow, TicketRow
from service_desk.repository import WITH_HISTORY
from service_desk.repository import (
    add_ticket_note,
    current_policy_book,
    new_ticket_row,
    policy_book,
    save_ticket,
    ticket_from_row,
)

FIRST, RESOLUTION = SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION
ACTIVE = [str(s) for s in TicketStatus if not s.is_done]
UNSATISFIED_REASON = "the customer is not satisfied with the resolution"


def open_ticket(uow, desk: DeskConfig, principal: Principal, data: dict) -> TicketRow:
    now = utcnow()
    check_references(uow, principal, data)
    version, book = current_policy_book(uow, desk.initial_policies)
    ticket = Ticket.open(
        id=new_id(), ticket_type=data["type"], priority=data["priority"], customer_id=data["customer_id"],
        channel=data["channel"], subject=data.get("subject") or _subject_from(data["description"]),
        description=data["description"], received_at=when(data, "received_at", now), order_id=data.get("order_id"),
    )
    row = new_ticket_row(ticket, version)
    _set_complainant(row, data.get("complainant") or {})
    row.created_at, row.created_by = now, principal.user
    row.team, row.region = data.get("team") or principal.team, data.get("region") or principal.region
    ensure_within_scope(principal, principal.user, row.team, row.region)
    agent = _first_agent(principal, data.get("agent_id"))
    if agent:
        ticket.assign(agent)
    return _save(uow, desk, row, ticket, principal.user, books={version: book})


def start_work(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    ticket.start_work(when(data, "at", utcnow()), ticket.assignee or principal.user)
    return _save(uow, desk, row, ticket, principal.user)


def respond(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    at = when(data, "at", utcnow())
    ticket.record_response(at, principal.user)
    if data.get("message", "").strip():
        add_ticket_note(row, "reply", InvestigationNote(principal.user, at, data["message"].strip()))
    return _save(uow, desk, row, ticket, principal.user)


def wait_on_customer(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    ticket.wait_on_customer(when(data, "at", utcnow()))
    return _save(uow, desk, row, ticket, principal.user, reason=data.get("reason"))


def resume(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    ticket.resume(when(data, "at", utcnow()))
    return _save(uow, desk, row, ticket, principal.user, reason=data.get("reason"))


def add_note(uow, desk, principal, ticket_id: str, data: dict):
    row, ticket = _load(uow, principal, ticket_id)
    note = ticket.add_note(when(data, "at", utcnow()), principal.user, data["text"])
    return add_ticket_note(row, "investigation", note, data.get("attachments", ()))


def resolve(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    at = when(data, "at", utcnow())
    compensation, fx_rate = _compensation(uow, desk, data.get("compensation"), at)
    ticket.resolve(at, data["resolution"], principal.user, compensation, data.get("agent_at_fault"))
    _save(uow, desk, row, ticket, principal.user, fx_rate=fx_rate)
    if row.ticket_type == TicketType.COMPLAINT:
        issue_survey(uow, desk, ticket_id=row.id, customer_id=row.customer_id, rep_id=row.agent_id,
                     team=row.team, region=row.region)
    return row


def close(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    at = when(data, "at", utcnow())
    ticket.close(at, data.get("verdict"))
    if ticket.verdict is Verdict.UNSATISFIED and desk.reopen_on_unsatisfied:
        ticket.reopen(at, UNSATISFIED_REASON)
    return _save(uow, desk, row, ticket, principal.user)


def reopen(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    ticket.reopen(when(data, "at", utcnow()), data["reason"])
    return _save(uow, desk, row, ticket, principal.user, reason=data["reason"])


def assign(uow, desk, principal, ticket_id: str, data: dict) -> TicketRow:
    row, ticket = _load(uow, principal, ticket_id)
    ticket.assign(data["agent_id"])
    row.team, row.region = data.get("team") or row.team, data.get("region") or row.region
    return _save(uow, desk, row, ticket, principal.user)


# -- the SLA sweep ------------------------------------------------------------------------------


def escalate_breaches(uow, desk: DeskConfig, now: datetime) -> int:
    """Publish each escalation once (per ticket, target, level and cycle); refresh the stored due times."""
    candidates = uow.session.execute(
        select(TicketRow).where(TicketRow.status.in_(ACTIVE),
                                or_(TicketRow.first_response_due_at <= now, TicketRow.resolution_due_at <= now))
        .options(*WITH_HISTORY, selectinload(TicketRow.escalations))
    ).scalars().all()
    books, sent = {}, 0
    for row in candidates:
        clock = policy_clock(uow, desk, row, books)
        _store_due_times(row, clock, now)
        done = {EscalationKey(SlaTarget(e.target), e.level, e.cycle) for e in row.escalations}
        for escalation in clock.pending_escalations(now, done):
            _record_escalation(uow, row, escalation, now)
            sent += 1
    return sent


def _record_escalation(uow, row: TicketRow, escalation, now: datetime) -> None:
    key = escalation.key
    row.escalations.append(TicketEscalationRow(
        target=str(key.target), level=key.level, cycle=key.cycle, notify=escalation.notify,
        breached_at=escalation.breached_at, due_at=escalation.due_at, escalated_at=now))
    uow.publish(ev.TICKET_SLA_BREACHED, {
        **ev.ticket_core(row), "target": str(key.target), "level": key.level, "cycle": key.cycle,
        "due_at": escalation.breached_at, "breached_at": escalation.breached_at,
        "level_due_at": escalation.due_at, "escalated_at": now, "escalated_to": escalation.notify,
    }, subject=row.id)


# -- internals ---------------------------------------------------------------------------------


def _load(uow, principal: Principal, ticket_id: str) -> tuple[TicketRow, Ticket]:
    row = visible_row(uow, principal, TicketRow, ticket_id, "ticket")
    return row, ticket_from_row(row)


def _save(uow, desk, row: TicketRow, ticket: Ticket, actor: str | None, *, reason=None, fx_rate=None,
          books=None) -> TicketRow:
    """Write the move, refresh the due times and publish what the move caused, in one transaction."""
    save_ticket(row, ticket, actor, reason, fx_rate)
    clock = policy_clock(uow, desk, row, books if books is not None else {}, ticket)
    _store_due_times(row, clock, utcnow())
    uow.add(row)  # a new ticket joins the session only once it is complete
    for event in ticket.pull_events():
        _publish(uow, desk, row, clock, event, fx_rate)
    uow.flush()
    return row


def policy_clock(uow, desk: DeskConfig, row: TicketRow, books: dict, ticket: Ticket | None = None) -> SlaClock:
    """The ticket's SLA clock under the policy version it was opened with (``books`` caches versions)."""
    if row.sla_policy_version not in books:
        books[row.sla_policy_version] = policy_book(uow, row.sla_policy_version)
    return (ticket or ticket_from_row(row)).sla_clock(books[row.sla_policy_version], desk.calendar)


def _store_due_times(row: TicketRow, clock: SlaClock, now: datetime) -> None:
    row.first_response_due_at = clock.due(FIRST, now)
    row.resolution_due_at = clock.due(RESOLUTION, now)


def _publish(uow, desk: DeskConfig, row: TicketRow, clock: SlaClock, event, fx_rate) -> None:
    core = ev.ticket_core(row)
    match event:
        case TicketOpened():
            uow.publish(ev.TICKET_OPENED, {**core, "received_at": row.received_at, "subject": row.subject,
                                           "first_response_due_at": row.first_response_due_at,
                                           "resolution_due_at": row.resolution_due_at}, subject=row.id)
        case TicketResponded(at=at):
            status = clock.status(FIRST, at)
            uow.publish(ev.TICKET_RESPONDED, {**core, "responded_at": at, "within_sla": not status.breached,
                                              "due_at": status.due_at}, subject=row.id)
        case TicketResolved(at=at, resolution=resolution):
            uow.publish(ev.TICKET_RESOLVED, _resolved_payload(core, clock.status(RESOLUTION, at), resolution,
                                                              desk.company_currency, fx_rate), subject=row.id)
        case TicketClosed(at=at, verdict=verdict):
            uow.publish(ev.TICKET_CLOSED, {**core, "closed_at": at, "verdict": verdict and str(verdict)},
                        subject=row.id)
        case TicketReopened(at=at, reason=reason):
            uow.publish(ev.TICKET_REOPENED, {**core, "reopened_at": at, "reason": reason}, subject=row.id)


def _resolved_payload(core: dict, status, resolution, company_currency: str, fx_rate) -> dict:
    compensation = resolution.compensation
    return {
        **core, "resolved_at": resolution.resolved_at, "within_sla": not status.breached, "due_at": status.due_at,
        "compensation_amount": quantize(compensation.amount, compensation.currency) if compensation else None,
        "compensation_reason": compensation.reason if compensation else None,
        "currency": compensation.currency if compensation else company_currency,
        "fx_rate": fx_rate if compensation else Decimal(1),
        "agent_at_fault": resolution.agent_at_fault,
    }


def _compensation(uow, desk: DeskConfig, data: dict | None, at: datetime):
    if not data:
        return None, None
    compensation = Compensation(data["amount"], data["currency"], data["reason"])
    return compensation, rate_for(uow.session, uow.metadata, compensation.currency, desk.company_currency, at)


def _first_agent(principal: Principal, requested: str | None) -> str | None:
    if requested:
        return acting_agent(principal, requested)
    return principal.user if principal.has("cs_agent") else None


def _set_complainant(row: TicketRow, complainant: dict) -> None:
    row.complainant_name = complainant.get("name")
    row.complainant_phone = complainant.get("phone")
    row.complainant_email = complainant.get("email")


def _subject_from(description: str) -> str:
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    return first_line[:120] or "(no subject)"
