"""Negotiation minutes (談判紀要): what was agreed, what is open, who does what next.

Minutes are a record of a meeting that happened, so they are immutable once
written; a correction is a new set of minutes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from .errors import RuleViolation
from .validation import optional_text, require_aware, require_date, require_not_before, require_text


class Side(StrEnum):
    OURS = "ours"
    CUSTOMER = "customer"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class Attendee:
    name: str
    side: Side = Side.CUSTOMER
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", require_text(self.name, "attendees.name"))
        object.__setattr__(self, "side", Side(self.side))
        object.__setattr__(self, "title", optional_text(self.title, "attendees.title") or "")


@dataclass(frozen=True)
class NextStep:
    action: str
    owner: str
    due: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", require_text(self.action, "next_steps.action"))
        object.__setattr__(self, "owner", require_text(self.owner, "next_steps.owner"))
        if self.due is not None:
            require_date(self.due, "next_steps.due")


@dataclass(frozen=True)
class NegotiationMinutes:
    deal_id: str
    held_at: datetime
    recorded_by: str
    recorded_at: datetime
    attendees: tuple[Attendee, ...]
    agreed_points: tuple[str, ...] = ()
    open_points: tuple[str, ...] = ()
    next_steps: tuple[NextStep, ...] = ()
    subject: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "deal_id", require_text(self.deal_id, "deal_id"))
        object.__setattr__(self, "recorded_by", require_text(self.recorded_by, "recorded_by"))
        held_at = require_aware(self.held_at, "held_at")
        recorded_at = require_aware(self.recorded_at, "recorded_at")
        # Minutes describe a meeting that already took place.
        require_not_before(recorded_at, held_at, "recorded_at")
        object.__setattr__(self, "attendees", _unique_attendees(self.attendees))
        object.__setattr__(self, "agreed_points", _points(self.agreed_points, "agreed_points"))
        object.__setattr__(self, "open_points", _points(self.open_points, "open_points"))
        object.__setattr__(self, "next_steps", _next_steps(self.next_steps))
        object.__setattr__(self, "subject", optional_text(self.subject, "subject") or "")

    @property
    def customer_attendees(self) -> tuple[Attendee, ...]:
        return tuple(a for a in self.attendees if a.side is Side.CUSTOMER)

    @property
    def is_settled(self) -> bool:
        """True when nothing is left open: the deal can move on to a contract."""
        return not self.open_points


def _unique_attendees(attendees: Iterable[Attendee]) -> tuple[Attendee, ...]:
    unique: dict[tuple[str, Side], Attendee] = {}
    for attendee in attendees:
        if not isinstance(attendee, Attendee):
            raise RuleViolation("attendees must be Attendee values", "attendees")
        unique.setdefault((attendee.name.casefold(), attendee.side), attendee)
    if not unique:
        raise RuleViolation("minutes need at least one attendee", "attendees")
    return tuple(unique.values())


def _points(points: Iterable[str], field: str) -> tuple[str, ...]:
    # Blank lines from a form are noise, not points.
    if isinstance(points, str):
        raise RuleViolation(f"{field} must be a list of points", field)
    return tuple(text for text in (optional_text(p, field) for p in points) if text)


def _next_steps(steps: Iterable[NextStep]) -> tuple[NextStep, ...]:
    checked = tuple(steps)
    if not all(isinstance(step, NextStep) for step in checked):
        raise RuleViolation("next_steps must be NextStep values", "next_steps")
    return checked
