"""What the facts of one service-desk ticket add up to.

A ticket's kind usually travels only on its "opened" event, and whether a
response was timely may come as a flag on the response or as a separate
breach event: so timeliness is judged from all of the ticket's facts together,
whatever order they arrived in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .facts import (
    COMPLAINT,
    FIRST_RESPONSE,
    TICKET_EVENTS,
    TICKET_OPENED,
    TICKET_RESOLVED,
    TICKET_RESPONDED,
    TICKET_SLA_BREACHED,
    Fact,
    chronological,
)


@dataclass(frozen=True)
class TicketOutcome:
    ticket_id: str
    kind: str | None
    opened: Fact | None
    first_response: Fact | None
    first_response_within_sla: bool | None
    resolved: Fact | None  # the first resolution: a ticket is resolved once

    @property
    def is_complaint(self) -> bool:
        return self.kind == COMPLAINT


def _first(facts: list[Fact], event_type: str) -> Fact | None:
    return next((fact for fact in facts if fact.event_type == event_type), None)


def _within_sla(response: Fact, breaches: list[Fact]) -> bool:
    if response.within_sla is not None:
        return response.within_sla
    # The desk publishes a breach when the first-response clock runs out; a
    # breach of unnamed kind that came before the response can only be that.
    return not any(
        breach.sla_kind == FIRST_RESPONSE
        or (breach.sla_kind is None and breach.occurred_at <= response.occurred_at)
        for breach in breaches
    )


def analyse_ticket(ticket_facts: Iterable[Fact]) -> TicketOutcome:
    ordered = chronological([f for f in ticket_facts if f.event_type in TICKET_EVENTS])
    opened = _first(ordered, TICKET_OPENED)
    kinds = [fact.ticket_kind for fact in ordered if fact.ticket_kind]
    kind = (opened.ticket_kind if opened and opened.ticket_kind else None) or (
        kinds[0] if kinds else None
    )
    response = _first(ordered, TICKET_RESPONDED)
    breaches = [fact for fact in ordered if fact.event_type == TICKET_SLA_BREACHED]
    return TicketOutcome(
        ticket_id=(ordered[0].ticket_id or "") if ordered else "",
        kind=kind,
        opened=opened,
        first_response=response,
        first_response_within_sla=None if response is None else _within_sla(response, breaches),
        resolved=_first(ordered, TICKET_RESOLVED),
    )


def ticket_outcomes(facts: Iterable[Fact]) -> list[TicketOutcome]:
    by_ticket: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.event_type in TICKET_EVENTS and fact.ticket_id:
            by_ticket[fact.ticket_id].append(fact)
    return [analyse_ticket(ticket_facts) for ticket_facts in by_ticket.values()]
