"""Small helpers every command uses."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum

from leads.models import LeadHistory


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


def remember(uow, lead_id: str, action: str, actor: str | None, at: datetime, detail: dict | None = None) -> None:
    """One line of the lead's history (kept across merges, shown at /leads/{id}/history)."""
    uow.add(LeadHistory(lead_id=lead_id, at=at, action=action, actor=actor, detail=detail))


class StagedWrites:
    """A unit of work whose new rows and events wait for ``write()``; everything else
    (session, settings, ...) is the unit's own. What is staged and never written is dropped."""

    def __init__(self, uow):
        self._uow = uow
        self._rows: list = []
        self._events: list[tuple[str, dict, str | None]] = []

    def __getattr__(self, name):
        return getattr(self._uow, name)

    def add(self, obj) -> None:
        self._rows.append(obj)

    def publish(self, event_type: str, data: dict, *, subject: str | None = None) -> None:
        self._events.append((event_type, data, subject))

    def write(self) -> None:
        for row in self._rows:
            self._uow.add(row)
        self._rows = []
        self.write_events()

    def write_events(self) -> None:
        """Publish the staged events (encoded now, written to the outbox at commit); rows stay staged."""
        for event_type, data, subject in self._events:
            self._uow.publish(event_type, data, subject=subject)
        self._events = []


def jsonable(value):
    """Dates, Decimals and enums as JSON can hold them (for JSON columns)."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value
