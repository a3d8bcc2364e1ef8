"""Ticket statuses and the status history that drives the SLA clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def clock_runs(self) -> bool:
        """The desk owes the customer work: SLA time is counting."""
        return self in (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)

    @property
    def is_paused(self) -> bool:
        """The ball is in the customer's court: SLA time stands still."""
        return self is TicketStatus.WAITING_ON_CUSTOMER

    @property
    def is_done(self) -> bool:
        return self in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class StatusChange:
    """The ticket entered ``status`` at ``at``. A ticket's history starts with OPEN at its receipt.

    A reopening is the change from RESOLVED or CLOSED back to IN_PROGRESS.
    """

    status: TicketStatus
    at: datetime
