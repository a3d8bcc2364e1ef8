"""Writing an import chunk's leads as a few statements instead of an ORM flush per object.

Captures of a chunk are staged one by one (``StagedWrites`` over a ``ChunkWrites``); the
chunk then inserts every lead in one executemany, every history line in another, and only
once they are in does it publish the chunk's events to the unit's outbox, in the order
they came. A chunk whose statements the database refuses thus leaves no event behind.
"""
from __future__ import annotations

from collections import defaultdict

from salesloop.new_rows import grouped_by_columns, insert_values
from sqlalchemy import insert

from leads.models import Lead, LeadHistory

# Leads before their history lines: the order an ORM flush would use.
WRITE_ORDER = (Lead, LeadHistory)


class ChunkWrites:
    """A unit of work that gathers the new rows and events of a chunk's captures; everything
    else (session, settings, ...) is the unit's own."""

    def __init__(self, uow):
        self._uow = uow
        self._rows: dict[type, list] = defaultdict(list)
        self._events: list[tuple[str, dict, str | None]] = []

    def __getattr__(self, name):
        return getattr(self._uow, name)

    def add(self, obj) -> None:
        if type(obj) not in WRITE_ORDER:
            raise TypeError(f"an import chunk writes leads and their history, not {type(obj).__name__}")
        self._rows[type(obj)].append(obj)

    def publish(self, event_type: str, data: dict, *, subject: str | None = None) -> None:
        self._events.append((event_type, data, subject))

    def insert_rows(self) -> None:
        """The gathered rows, one executemany per table (and per set of columns given)."""
        for model in WRITE_ORDER:
            rows, self._rows[model] = self._rows[model], []
            for values in grouped_by_columns([insert_values(obj) for obj in rows]):
                self._uow.session.execute(insert(model.__table__), values)

    def publish_events(self) -> None:
        """The gathered events to the unit's outbox (encoded now, written at the commit)."""
        events, self._events = self._events, []
        for event_type, data, subject in events:
            self._uow.publish(event_type, data, subject=subject)

    def write(self) -> None:
        self.insert_rows()
        self.publish_events()

