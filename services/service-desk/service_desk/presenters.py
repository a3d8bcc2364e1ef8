"""Rows as the API shows them: live SLA status, complaint next steps, personal data masked."""
from __future__ import annotations

from datetime import datetime, timedelta

from salesloop.money import quantize
from salesloop.web.app import audit_read
from salesloop.web.auth import Principal, can_see_personal_data, mask_contacts, mask_email, mask_phone

from service_desk.commands.tickets import FIRST, RESOLUTION, policy_clock
from service_desk.config import DeskConfig
from service_desk.domain.sla import TicketType
from service_desk.domain.tickets import complaint_next_steps
from service_desk.models import CustomerRow, TicketRow


class TicketPresenter:
    """One per request: policy books are read once however many tickets are shown."""

    def __init__(self, uow, desk: DeskConfig, principal: Principal, now: datetime):
        self.uow, self.desk, self.principal, self.now = uow, desk, principal, now
        self.books: dict = {}

    def many(self, rows: list[TicketRow]) -> list[dict]:
        views = [self.one(row, audit=False) for row in rows]
        shown = [row.id for row in rows if self._shows_personal_data(row)]
        if shown:
            audit_read("/tickets", {"tickets": shown})
        return views

    def one(self, row: TicketRow, *, detail: bool = False, audit: bool = True) -> dict:
        clock = policy_clock(self.uow, self.desk, row, self.books)
        view = {column: getattr(row, column) for column in _TICKET_COLUMNS}
        view["type"] = row.ticket_type
        view["complainant"] = self._complainant(row)
        view["sla"] = {"policy_version": row.sla_policy_version, "clock": str(clock.policy.clock),
                       "first_response": _target(clock.status(FIRST, self.now)),
                       "resolution": _target(clock.status(RESOLUTION, self.now))}
        view["next_steps"] = self._next_steps(row, clock) if row.ticket_type == TicketType.COMPLAINT else None
        if detail:
            view.update(_detail(row))
        if audit and self._shows_personal_data(row):
            audit_read(f"/tickets/{row.id}", {"fields": ["complainant"]})
        return view

    def _next_steps(self, row: TicketRow, clock) -> dict:
        steps = complaint_next_steps(clock.policy, self.desk.calendar, row.received_at)
        return {"zh": steps.text("zh"), "en": steps.text("en"),
                "steps": [{"zh": s.zh, "en": s.en, "due_at": s.due_at} for s in steps.steps]}

    def _complainant(self, row: TicketRow) -> dict | None:
        if not (row.complainant_name or row.complainant_phone or row.complainant_email):
            return None
        person = {"name": row.complainant_name, "phone": row.complainant_phone, "email": row.complainant_email}
        return person if self._may_see(row) else _masked(person)

    def _may_see(self, row: TicketRow) -> bool:
        return can_see_personal_data(self.principal, owner=row.agent_id)

    def _shows_personal_data(self, row: TicketRow) -> bool:
        return bool(row.complainant_phone or row.complainant_email) and self._may_see(row)


_TICKET_COLUMNS = (
    "id", "priority", "channel", "status", "customer_id", "order_id", "subject", "description", "received_at",
    "created_at", "created_by", "agent_id", "team", "region", "responded_at", "resolved_at", "closed_at",
    "verdict", "reopen_count",
)


def _minutes(duration: timedelta) -> int:
    return int(duration.total_seconds() // 60)


def _target(status) -> dict:
    return {
        "allowed_minutes": _minutes(status.allowed), "elapsed_minutes": _minutes(status.elapsed),
        "remaining_minutes": _minutes(status.remaining), "due_at": status.due_at, "met_at": status.met_at,
        "breached": status.breached, "paused": status.paused, "escalation_level": status.escalation_level,
        "cycle": status.cycle,
    }


def _detail(row: TicketRow) -> dict:
    return {
        "history": [{"status": c.status, "at": c.at, "actor": c.actor, "reason": c.reason} for c in row.changes],
        "notes": [{"id": n.id, "kind": n.kind, "author": n.author, "at": n.at, "text": n.text,
                   "attachments": n.attachments or []} for n in row.notes],
        "resolutions": [{
            "text": r.text, "resolved_by": r.resolved_by, "resolved_at": r.resolved_at,
            "agent_at_fault": r.agent_at_fault,
            "compensation": None if r.compensation_amount is None else {
                "amount": quantize(r.compensation_amount, r.compensation_currency), "currency": r.compensation_currency,
                "reason": r.compensation_reason, "fx_rate": r.fx_rate},
        } for r in row.resolutions],
        "escalations": [{"target": e.target, "level": e.level, "cycle": e.cycle, "notify": e.notify,
                         "breached_at": e.breached_at, "due_at": e.due_at, "escalated_at": e.escalated_at}
                        for e in row.escalations],
    }


def _masked(person: dict) -> dict:
    return {"name": person["name"], "phone": mask_phone(person["phone"]), "email": mask_email(person["email"])}


# -- customers ------------------------------------------------------------------------------------------


def customer_view(row: CustomerRow, principal: Principal) -> dict:
    view = {column: getattr(row, column) for column in _CUSTOMER_COLUMNS}
    contact = {"name": row.contact_name, "phone": row.contact_phone, "email": row.contact_email}
    if can_see_personal_data(principal, owner=row.owner_rep_id):
        view["contact"] = contact
    else:
        view["contact"], view["birthday"] = _masked(contact), None
    return view


def customers_view(rows: list[CustomerRow], principal: Principal, resource: str) -> list[dict]:
    views = [customer_view(row, principal) for row in rows]
    shown = [row.id for row in rows if can_see_personal_data(principal, owner=row.owner_rep_id)]
    if shown:
        audit_read(resource, {"customers": shown})
    return views


_CUSTOMER_COLUMNS = (
    "id", "name", "company", "category", "abc_class", "classified_at", "industry", "region", "team",
    "owner_rep_id", "birthday", "customer_since", "accepts_greetings",
)


# -- interactions --------------------------------------------------------------------------------


class _MaskedText:
    """A row seen through masking: its free-text attributes with contact data masked."""

    def __init__(self, row, texts: tuple[str, ...], nested: dict[str, tuple[str, ...]] | None = None):
        self._row, self._texts, self._nested = row, texts, nested or {}

    def __getattr__(self, name: str):
        value = getattr(self._row, name)
        if name in self._texts:
            return mask_contacts(value)
        if name in self._nested:
            return [_MaskedText(item, self._nested[name]) for item in value]
        return value


def shown_interaction(row, principal: Principal):
    """The agent who logged it and those allowed personal data read the transcript as
    written; everyone else (ops, other agents' leaders without the right) reads it with
    the e-mail addresses and phone numbers in it masked, hits and excerpts included."""
    if can_see_personal_data(principal, owner=row.agent_id):
        return row
    return _MaskedText(row, ("content", "customer_feedback"), {"violations": ("matched", "excerpt")})
