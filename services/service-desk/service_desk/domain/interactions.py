"""Agents' calls and chats, as logged for review and compliance checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import RuleViolation
from .qa import ComplianceRule, RuleHit, check

# Recordings are personal data: kept only as long as the company's rules say.
DEFAULT_RECORDING_RETENTION = timedelta(days=180)


class InteractionChannel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    VIDEO = "video"
    VISIT = "visit"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class Interaction:
    """One conversation. ``content`` is the text or transcript that compliance rules check."""

    id: str
    agent_id: str
    customer_id: str | None
    channel: InteractionChannel
    direction: Direction
    started_at: datetime
    ended_at: datetime | None
    content: str
    recording_ref: str | None = None
    recording_retained_until: datetime | None = None
    ticket_id: str | None = None

    def __post_init__(self) -> None:
        for moment in (self.started_at, self.ended_at, self.recording_retained_until):
            if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
                raise RuleViolation("interaction times must be time zone aware datetimes")
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise RuleViolation("an interaction cannot end before it starts")
        if self.recording_retained_until is not None and self.recording_ref is None:
            raise RuleViolation("a retention date needs a recording")

    @classmethod
    def log(
        cls,
        *,
        id: str,
        agent_id: str,
        customer_id: str | None,
        channel: InteractionChannel,
        direction: Direction,
        started_at: datetime,
        ended_at: datetime | None,
        content: str,
        recording_ref: str | None = None,
        retention: timedelta = DEFAULT_RECORDING_RETENTION,
        ticket_id: str | None = None,
    ) -> Interaction:
        """Log a conversation; a recording is kept for ``retention`` after the conversation ends."""
        if retention <= timedelta(0):
            raise RuleViolation("a recording retention must be positive")
        kept_until = (ended_at or started_at) + retention if recording_ref else None
        return cls(
            id=id, agent_id=agent_id, customer_id=customer_id, channel=InteractionChannel(channel),
            direction=Direction(direction), started_at=started_at, ended_at=ended_at, content=content,
            recording_ref=recording_ref, recording_retained_until=kept_until, ticket_id=ticket_id,
        )

    @property
    def duration(self) -> timedelta | None:
        return self.ended_at - self.started_at if self.ended_at else None

    def recording_expired(self, now: datetime) -> bool:
        """True once the recording must be deleted (the log entry itself stays)."""
        return self.recording_retained_until is not None and now >= self.recording_retained_until

    def compliance_hits(self, rules: tuple[ComplianceRule, ...] | None = None) -> list[RuleHit]:
        return check(self.content, rules)
