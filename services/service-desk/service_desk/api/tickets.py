"""/tickets: inquiries, complaints and technical issues under SLA."""
from __future__ import annotations

from flask.views import MethodView
from salesloop.web.blueprint import Blueprint

from salesloop.web.fields import PageOf, page_of
from salesloop.web.app import uow
from salesloop.web.auth import current_principal, require_roles

from service_desk import repository
from service_desk.commands import tickets
from service_desk.commands.common import visible_row
from service_desk.models import TicketRow
from service_desk.api.common import (
    AGENTS,
    SUPERVISORS,
    TICKET_OPENERS,
    committed,
    desk,
    now,
    tickets_presenter,
)
from service_desk.schemas import (
    AssignIn,
    AtIn,
    CloseIn,
    NoteIn,
    NoteOut,
    ReasonIn,
    ReopenIn,
    ResolveIn,
    RespondIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketQuery,
)

# (path, input, command, roles, summary) — each a POST that answers with the ticket.
ACTIONS = (
    ("start", AtIn, tickets.start_work, AGENTS, "Start work on an open ticket (and take it if unassigned)."),
    ("respond", RespondIn, tickets.respond, AGENTS,
     "Reply to the customer; the first reply meets the first-response target."),
    ("wait", ReasonIn, tickets.wait_on_customer, AGENTS,
     "Wait on the customer: the SLA clock pauses (asking counts as a response)."),
    ("resume", ReasonIn, tickets.resume, AGENTS, "The customer came back: the SLA clock runs again."),
    ("resolve", ResolveIn, tickets.resolve, AGENTS,
     "Resolve, with any compensation and the agent at fault; a complaint gets a survey."),
    ("close", CloseIn, tickets.close, AGENTS,
     "Close with the customer's verdict; an unsatisfied verdict reopens the ticket (configurable)."),
    ("reopen", ReopenIn, tickets.reopen, AGENTS, "Reopen a resolved or closed ticket."),
    ("assign", AssignIn, tickets.assign, SUPERVISORS, "Assign the ticket to an agent (and team)."),
)


def blueprint() -> Blueprint:
    blp = Blueprint("tickets", __name__, url_prefix="/tickets",
                    description="Tickets under SLA: business-hours clocks, pauses, escalation, resolution.")

    @blp.route("")
    class Tickets(MethodView):
        @blp.arguments(TicketQuery, location="query")
        @blp.response(200, PageOf(TicketOut))
        def get(self, args):
            """Tickets the caller may see, filtered and sorted."""
            rows, total = repository.tickets(
                uow(), current_principal(), args, args["page"], args["page_size"], now())
            return page_of(tickets_presenter().many(rows), args, total)

        @require_roles(*TICKET_OPENERS)
        @blp.arguments(TicketIn)
        @blp.response(201, TicketDetailOut)
        def post(self, data):
            """Register a ticket; a complaint's answer carries the process and the due times."""
            row = committed(tickets.open_ticket(uow(), desk(), current_principal(), data))
            return tickets_presenter().one(row, detail=True)

    @blp.route("/<ticket_id>")
    class TicketById(MethodView):
        @blp.response(200, TicketDetailOut)
        def get(self, ticket_id):
            """A ticket with its history, notes, resolutions, escalations and live SLA status."""
            row = visible_row(uow(), current_principal(), TicketRow, ticket_id, "ticket")
            return tickets_presenter().one(row, detail=True)

    @blp.route("/<ticket_id>/notes")
    class Notes(MethodView):
        @require_roles(*AGENTS)
        @blp.arguments(NoteIn)
        @blp.response(201, NoteOut)
        def post(self, data, ticket_id):
            """Add an investigation note with evidence attachments (references)."""
            return committed(tickets.add_note(uow(), desk(), current_principal(), ticket_id, data))

    for path, schema, command, roles, summary in ACTIONS:
        blp.route(f"/<ticket_id>/{path}", endpoint=f"ticket_{path}")(_action(blp, schema, command, roles, summary))
    return blp


def _action(blp: Blueprint, schema, command, roles, summary: str) -> type[MethodView]:
    class Action(MethodView):
        @require_roles(*roles)
        @blp.arguments(schema)
        @blp.response(200, TicketDetailOut)
        def post(self, data, ticket_id):
            row = committed(command(uow(), desk(), current_principal(), ticket_id, data))
            return tickets_presenter().one(row, detail=True)

    Action.post.__doc__ = summary
    return Action
